/**
 * The policy pack's FSBP policies (policy/fsbp.ts) on records made by hand: each fails, naming the control and the
 * resource, on a record that breaks its control, and passes the same kind of record done right. The stacks themselves
 * are checked in tests/unit/forwarder-buffers-efs.test.ts and forwarder-buffers-no-backup.test.ts.
 */
import { fsbpPolicies } from "../../policy/fsbp";
import { RecordedResource } from "../support/mocks";
import { asLines, policyViolations } from "../support/policy-harness";

const urn = (type: string, name: string) => `urn:pulumi:test::dle::${type}::${name}`;
/** A record as the mocks make it, with the inputs that name other resources pointing at them (by type and name). */
const record = (type: string, name: string, inputs: Record<string, unknown>, from: Record<string, [string, string][]> = {}): RecordedResource => ({
    type, name, inputs, urn: urn(type, name), dependencies: Object.values(from).flat().map(([t, n]) => urn(t, n)),
    propertyDependencies: Object.fromEntries(Object.entries(from).map(([input, sources]) => [input, sources.map(([t, n]) => urn(t, n))])),
});
const t = {
    fs: "aws:efs/fileSystem:FileSystem", backup: "aws:efs/backupPolicy:BackupPolicy", ap: "aws:efs/accessPoint:AccessPoint", mt: "aws:efs/mountTarget:MountTarget",
    subnet: "aws:ec2/subnet:Subnet", table: "aws:ec2/routeTable:RouteTable", association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    igw: "aws:ec2/internetGateway:InternetGateway", nat: "aws:ec2/natGateway:NatGateway",
    task: "aws:ecs/taskDefinition:TaskDefinition", domain: "aws:opensearch/domain:Domain", docdb: "aws:docdb/cluster:Cluster", ecsCluster: "aws:ecs/cluster:Cluster", lb: "aws:lb/loadBalancer:LoadBalancer", listener: "aws:lb/listener:Listener",
};

/** A VPC's internet gateway and a route table to it: what makes a subnet associated with it public. */
const internetRoute = [
    record(t.igw, "igw", { vpcId: "vpc-id" }),
    record(t.table, "public", { vpcId: "vpc-id", routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-id" }] }, { routes: [[t.igw, "igw"]] }),
];
const subnet = (name: string, inputs: Record<string, unknown> = {}) => record(t.subnet, name, { vpcId: "vpc-id", mapPublicIpOnLaunch: false, ...inputs });
const routedToInternet = (subnetName: string) => record(t.association, subnetName, { subnetId: `${subnetName}-id`, routeTableId: "public-id" },
    { subnetId: [[t.subnet, subnetName]], routeTableId: [[t.table, "public"]] });

describe("the FSBP EFS policies", () => {
    it("fail each non-compliant resource, naming the control and the resource", async () => {
        const resources = [
            ...internetRoute,
            record(t.fs, "plain", {}),
            record(t.fs, "backup-off", { encrypted: true }),
            record(t.backup, "backup-off", { fileSystemId: "backup-off-id", backupPolicy: { status: "DISABLED" } }, { fileSystemId: [[t.fs, "backup-off"]] }),
            record(t.ap, "whole-fs", { fileSystemId: "plain-id", rootDirectory: { path: "/" }, posixUser: { uid: 999, gid: 999 } }, { fileSystemId: [[t.fs, "plain"]] }),
            record(t.ap, "any-user", { fileSystemId: "plain-id", rootDirectory: { path: "/app" } }, { fileSystemId: [[t.fs, "plain"]] }),
            subnet("routed-public"), routedToInternet("routed-public"),
            subnet("public-ips", { mapPublicIpOnLaunch: true }),
            record(t.mt, "in-routed-public", { fileSystemId: "plain-id", subnetId: "routed-public-id" }, { subnetId: [[t.subnet, "routed-public"]] }),
            record(t.mt, "in-public-ips", { fileSystemId: "plain-id", subnetId: "public-ips-id" }, { subnetId: [[t.subnet, "public-ips"]] }),
        ];
        expect(asLines(await policyViolations(resources, fsbpPolicies))).toEqual([
            "fsbp-efs-1-encrypted plain: EFS.1: not encrypted at rest (`encrypted` is not true)",
            "fsbp-efs-2-backup plain: EFS.2: in no backup plan: no backup policy of it is ENABLED",
            "fsbp-efs-2-backup backup-off: EFS.2: in no backup plan: no backup policy of it is ENABLED",
            "fsbp-efs-3-root-directory whole-fs: EFS.3: enforces no root directory (its path is /)",
            "fsbp-efs-4-user-identity any-user: EFS.4: enforces no user identity (no POSIX uid and gid)",
            "fsbp-efs-6-private-mount-targets in-routed-public: EFS.6: in the public subnet routed-public",
            "fsbp-efs-6-private-mount-targets in-public-ips: EFS.6: in the public subnet public-ips",
        ]);
    });

    it("pass the same resources done right, and say nothing of a subnet the program did not make", async () => {
        const resources = [
            ...internetRoute,
            record(t.fs, "buffers", { encrypted: true }),
            record(t.backup, "buffers", { fileSystemId: "buffers-id", backupPolicy: { status: "ENABLED" } }, { fileSystemId: [[t.fs, "buffers"]] }),
            record(t.ap, "primary", { fileSystemId: "buffers-id", rootDirectory: { path: "/primary" }, posixUser: { uid: 999, gid: 999 } }, { fileSystemId: [[t.fs, "buffers"]] }),
            // Private: no public IPs, and a route table of its own that leads to a NAT gateway, not the internet gateway.
            subnet("private"),
            record(t.nat, "nat", {}),
            record(t.table, "private", { vpcId: "vpc-id", routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: "nat-id" }] }, { routes: [[t.nat, "nat"]] }),
            record(t.association, "private", { subnetId: "private-id", routeTableId: "private-id" }, { subnetId: [[t.subnet, "private"]], routeTableId: [[t.table, "private"]] }),
            record(t.mt, "a", { fileSystemId: "buffers-id", subnetId: "private-id" }, { subnetId: [[t.subnet, "private"]] }),
            // An existing VPC's subnet (dle:awsPrivateSubnetIds): whether it is public cannot be told, and the policy says nothing.
            record(t.mt, "b", { fileSystemId: "buffers-id", subnetId: "subnet-0123abcd" }),
        ];
        expect(asLines(await policyViolations(resources, fsbpPolicies))).toEqual([]);
    });
});

describe("the FSBP policies of DocumentDB, ECS, the load balancer and OpenSearch", () => {
    const alb = (name: string, inputs: Record<string, unknown> = {}) => record(t.lb, name, { internal: false, ...inputs });
    const listener = (name: string, lb: string, inputs: Record<string, unknown>) => record(t.listener, name, { loadBalancerArn: `${lb}-arn`, ...inputs }, { loadBalancerArn: [[t.lb, lb]] });
    const forward = [{ type: "forward", targetGroupArn: "tg-arn" }];
    const redirect = [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }];
    const encrypted = { encryptAtRest: { enabled: true }, nodeToNodeEncryption: { enabled: true }, domainEndpointOptions: { enforceHttps: true } };

    it("fail each non-compliant resource, the named exceptions as advisories (which do not stop an update)", async () => {
        const resources = [
            record(t.docdb, "unprotected", { deletionProtection: false }),
            record(t.docdb, "default-unprotected", {}),
            record(t.ecsCluster, "no-settings", {}),
            record(t.ecsCluster, "insights-disabled", { settings: [{ name: "containerInsights", value: "disabled" }] }),
            alb("plain"), listener("plain-80", "plain", { protocol: "HTTP", port: 80, defaultActions: forward }),
            // The protocol defaults to HTTP.
            alb("implicit"), listener("implicit-80", "implicit", { port: 80, defaultActions: forward }),
            // A redirect, but to another HTTP address.
            alb("sideways"), listener("sideways-80", "sideways", { protocol: "HTTP", port: 80, defaultActions: [{ type: "redirect", redirect: { protocol: "HTTP", host: "example.com" } }] }),
            record(t.task, "writable", { containerDefinitions: JSON.stringify([
                { name: "web", readonlyRootFilesystem: false }, { name: "sidecar" }, { name: "reader", readonlyRootFilesystem: true },
            ]) }),
            record(t.domain, "silent", {}),
            // Both kinds named, but switched off, or with nowhere to go; encrypted, but fine-grained access control off.
            record(t.domain, "switched-off", { ...encrypted, advancedSecurityOptions: { enabled: false }, logPublishingOptions: [
                { logType: "ES_APPLICATION_LOGS", cloudwatchLogGroupArn: "arn:aws:logs:us-east-1:111111111111:log-group:x", enabled: false },
                { logType: "AUDIT_LOGS", enabled: true },
            ] }),
        ];
        const violations = await policyViolations(resources, fsbpPolicies);
        expect(asLines(violations)).toEqual([
            "(advisory) fsbp-documentdb-5-deletion-protection unprotected: DocumentDB.5: deletion protection is off (dle:documentDbDeletionProtection false)",
            "(advisory) fsbp-documentdb-5-deletion-protection default-unprotected: DocumentDB.5: deletion protection is off (dle:documentDbDeletionProtection false)",
            "(advisory) fsbp-ecs-12-container-insights no-settings: ECS.12: Container Insights is off (no containerInsights setting enabled or enhanced; dle:containerInsights)",
            "(advisory) fsbp-ecs-12-container-insights insights-disabled: ECS.12: Container Insights is off (no containerInsights setting enabled or enhanced; dle:containerInsights)",
            "(advisory) fsbp-elb-1-https-redirect plain-80: ELB.1: the HTTP listener of plain does not redirect to HTTPS (no dle:albCertificateArn: the stack serves plain HTTP)",
            "(advisory) fsbp-elb-1-https-redirect implicit-80: ELB.1: the HTTP listener of implicit does not redirect to HTTPS (no dle:albCertificateArn: the stack serves plain HTTP)",
            "(advisory) fsbp-elb-1-https-redirect sideways-80: ELB.1: the HTTP listener of sideways does not redirect to HTTPS (no dle:albCertificateArn: the stack serves plain HTTP)",
            "fsbp-opensearch-4-error-logs silent: Opensearch.4: publishes no application (error) logs to CloudWatch Logs (logPublishingOptions ES_APPLICATION_LOGS)",
            "fsbp-opensearch-4-error-logs switched-off: Opensearch.4: publishes no application (error) logs to CloudWatch Logs (logPublishingOptions ES_APPLICATION_LOGS)",
            "fsbp-opensearch-5-audit-logs silent: Opensearch.5: publishes no audit logs to CloudWatch Logs (logPublishingOptions AUDIT_LOGS)",
            "fsbp-opensearch-5-audit-logs switched-off: Opensearch.5: publishes no audit logs to CloudWatch Logs (logPublishingOptions AUDIT_LOGS)",
            "fsbp-opensearch-7-fine-grained-access-control silent: Opensearch.7: fine-grained access control is off (advancedSecurityOptions.enabled)",
            "fsbp-opensearch-7-fine-grained-access-control silent: Opensearch.7: encryption at rest is off, which fine-grained access control requires",
            "fsbp-opensearch-7-fine-grained-access-control silent: Opensearch.7: node-to-node encryption is off, which fine-grained access control requires",
            "fsbp-opensearch-7-fine-grained-access-control silent: Opensearch.7: HTTPS is not enforced, which fine-grained access control requires",
            "fsbp-opensearch-7-fine-grained-access-control switched-off: Opensearch.7: fine-grained access control is off (advancedSecurityOptions.enabled)",
            "fsbp-ecs-5-read-only-root-filesystems writable: ECS.5: container web's root filesystem is writable (readonlyRootFilesystem is not true)",
            "fsbp-ecs-5-read-only-root-filesystems writable: ECS.5: container sidecar's root filesystem is writable (readonlyRootFilesystem is not true)",
        ]);
        expect(fsbpPolicies.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name))
            .toEqual(["fsbp-documentdb-5-deletion-protection", "fsbp-ecs-12-container-insights", "fsbp-elb-1-https-redirect", "fsbp-rds-5-multi-az", "fsbp-rds-8-deletion-protection"]);
    });

    it("pass the same resources done right, and say nothing of a network load balancer's listeners", async () => {
        const resources = [
            record(t.docdb, "protected", { deletionProtection: true }),
            record(t.ecsCluster, "enhanced", { settings: [{ name: "containerInsights", value: "enhanced" }] }),
            record(t.ecsCluster, "enabled", { settings: [{ name: "containerInsights", value: "enabled" }] }),
            alb("tls"), listener("tls-443", "tls", { protocol: "HTTPS", port: 443, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", defaultActions: forward }),
            listener("tls-80", "tls", { protocol: "HTTP", port: 80, defaultActions: redirect }),
            alb("nlb", { loadBalancerType: "network" }), listener("nlb-tcp", "nlb", { protocol: "TCP", port: 80, defaultActions: forward }),
            record(t.task, "read-only", { containerDefinitions: JSON.stringify([{ name: "web", readonlyRootFilesystem: true }]) }),
            record(t.domain, "logged", { ...encrypted, advancedSecurityOptions: { enabled: true, internalUserDatabaseEnabled: false }, logPublishingOptions: [
                { logType: "ES_APPLICATION_LOGS", cloudwatchLogGroupArn: "arn:aws:logs:us-east-1:111111111111:log-group:app", enabled: true },
                { logType: "AUDIT_LOGS", cloudwatchLogGroupArn: "arn:aws:logs:us-east-1:111111111111:log-group:audit", enabled: true },
            ] }),
        ];
        expect(asLines(await policyViolations(resources, fsbpPolicies))).toEqual([]);
    });
});
