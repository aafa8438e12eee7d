/**
 * Each policy of the pack fails on a violating input: the aws stack as the mocked program registers it, with one
 * resource changed the way a slip in the program or the config would change it. Each case expects exactly the
 * violations of that slip, from the whole pack.
 */
import { asLines, changeContainers, mandatory, policyViolations, withChange } from "../support/policy-harness";
import { RecordedResource, installMocks, programLoadTimeoutMs, runProgram } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws" });

beforeAll(async () => {
    await runProgram();
}, programLoadTimeoutMs);

type Change = Parameters<typeof withChange>[3];
const type = {
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    discovery: "aws:servicediscovery/service:Service",
    task: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
    bucket: "aws:s3/bucket:Bucket",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    vpc: "aws:ec2/vpc:Vpc",
    domain: "aws:opensearch/domain:Domain",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    lambda: "aws:lambda/function:Function",
    fileSystem: "aws:efs/fileSystem:FileSystem",
    backup: "aws:efs/backupPolicy:BackupPolicy",
    accessPoint: "aws:efs/accessPoint:AccessPoint",
    mountTarget: "aws:efs/mountTarget:MountTarget",
};
const agentRule = "dle-webapp-to-forwarder-tcp-24224-in";
const environment = (container: Record<string, unknown>) => container.environment as { name: string; value: string }[];

describe("the policy pack on a changed aws stack", () => {
    it.each<[string, string, string, Change, string[]]>([
        ["a rule described with an apostrophe", type.ingress, agentRule, (i) => { i.description = "the agent's forward protocol"; }, [
            `ec2-security-group-descriptions ${agentRule}: description "the agent's forward protocol": expected at most 255 characters of a-z, A-Z, 0-9, space and ._-:/()#,@[]+=&;{}!$* (EC2 API reference, CreateSecurityGroup GroupDescription and IpRange.Description; hashicorp/terraform-provider-aws#18874)`,
        ]],
        ["an empty Cloud Map custom health check", type.discovery, "dle-log-forwarder-pri", (i) => { i.healthCheckCustomConfig = {}; }, [
            "cloud-map-custom-health-check dle-log-forwarder-pri: healthCheckCustomConfig {}: expected no custom health check, or one with failureThreshold 1 (AWS Cloud Map API reference, HealthCheckCustomConfig; hashicorp/terraform-provider-aws#44285)",
        ]],
        ["an empty environment value", type.task, "dle-log-forwarder-pri", (i) => changeContainers(i, ([forwarder]) => {
            environment(forwarder).find((v) => v.name === "ARCHIVE_KEY_PREFIX")!.value = "";
        }), [
            "ecs-environment-values dle-log-forwarder-pri: container forwarder's ARCHIVE_KEY_PREFIX \"\": expected a value that is not empty (ECS drops a variable whose value is empty) (pulumi/pulumi-aws#4576)",
        ]],
        ["memory between Fargate's steps, and a health check ECS refuses", type.task, "dle-webapp", (i) => {
            i.memory = "1536";
            changeContainers(i, (containers) => { (containers[0].healthCheck as Record<string, number>).interval = 400; });
        }, [
            "fargate-task-sizes dle-webapp: cpu and memory {\"cpu\":512,\"memoryMb\":1536}: expected CPU units of 256, 512, 1024, 2048, 4096, 8192, 16384 with the memory Fargate allows for them (Amazon ECS API reference, TaskDefinition memory and cpu (task CPU and memory for Fargate))",
            expect.stringMatching(/^fargate-task-sizes dle-webapp: container log-router's health check .*"interval":400.*: expected interval 5-300 s, timeout 2-120 s, retries 1-10 and startPeriod 0-300 s \(Amazon ECS API reference, HealthCheck\)$/),
        ]],
        ["a bucketPrefix too long for the provider's suffix", type.bucket, "dle-log-archive", (i) => { i.bucketPrefix = `${"a".repeat(40)}-`; }, [
            expect.stringMatching(/^s3-bucket-names dle-log-archive: bucketPrefix "a{40}-": expected the start of an S3 bucket name of at most 37 characters/),
        ]],
        ["a bucket key with SSE-S3", type.sse, "dle-log-archive", (i) => { (i.rules as Record<string, unknown>[])[0].bucketKeyEnabled = true; }, [
            "s3-bucket-key-with-kms-only dle-log-archive: encryption rule {\"sseAlgorithm\":\"AES256\",\"bucketKeyEnabled\":true}: expected bucketKeyEnabled only with SSE-KMS (aws:kms or aws:kms:dsse) (Amazon S3 API reference, ServerSideEncryptionRule.BucketKeyEnabled; Amazon S3 User Guide, S3 Bucket Keys)",
        ]],
        ["a transition to STANDARD_IA before 30 days", type.lifecycle, "dle-log-archive", (i) => {
            ((i.rules as Record<string, unknown>[])[0].transitions as Record<string, unknown>[])[0].days = 7;
        }, [
            "s3-lifecycle-standard-ia dle-log-archive: rule archive-tiering-and-expiry's transition days 7: expected a whole number of days from 30 (S3's minimum for STANDARD_IA) to 36500 (Amazon S3 User Guide, lifecycle transitions (constraints for STANDARD_IA))",
        ]],
        ["a VPC block with host bits", type.vpc, "dle-vpc", (i) => { i.cidrBlock = "10.40.0.1/16"; }, [
            "vpc-cidr-blocks dle-vpc: cidrBlock \"10.40.0.1/16\": expected an IPv4 CIDR block from /16 to /28 whose address is the network's, like \"10.40.0.0/16\" (Amazon VPC User Guide, VPC CIDR blocks; EC2 API reference, CreateVpc CidrBlock)",
        ]],
        ["a zone-aware domain on three subnets with three nodes", type.domain, "dle-log-search", (i) => {
            (i.vpcOptions as { subnetIds: string[] }).subnetIds.push("subnet-0000000c");
            (i.clusterConfig as Record<string, unknown>).instanceCount = 3;
        }, [
            expect.stringMatching(/^opensearch-zone-awareness dle-log-search: vpcOptions.subnetIds .*: expected exactly as many subnets as the domain's availabilityZoneCount/),
            expect.stringMatching(/^opensearch-zone-awareness dle-log-search: clusterConfig.instanceCount .*"instances":3.*: expected a number of data nodes that is a multiple of the domain's zone count/),
        ]],
        ["a retention CloudWatch does not offer", type.logGroup, "dle-webapp", (i) => { i.retentionInDays = 31; }, [
            expect.stringMatching(/^cloudwatch-names-and-retention dle-webapp: retentionInDays 31: expected a CloudWatch Logs retention in days/),
        ]],
        ["a log group named for every stack", type.logGroup, "dle-webapp", (i) => { i.name = "/dle/dle-webapp"; }, [
            "stack-unique-names dle-webapp: name \"/dle/dle-webapp\": expected a name beginning with \"/dle/test/\", unique to the stack in the account",
        ]],
        ["an ECS service with a fixed name", type.service, "dle-webapp", (i) => { i.name = "dle-webapp"; }, [
            "stack-unique-names dle-webapp: name \"dle-webapp\": expected no name, so that Pulumi auto-names the service (a fixed name collides with another stack's and blocks a replacement)",
        ]],
        ["an alarm on a dimension value CloudWatch refuses", type.alarm, "dle-monitoring-DleCanaryEventsMissing-store", (i) => {
            (i.metricQueries as { id: string; metric?: { dimensions: Record<string, string> } }[]).find((q) => q.id === "m")!.metric!.dimensions.Stack = "x".repeat(256);
        }, [
            expect.stringMatching(/^cloudwatch-names-and-retention dle-monitoring-DleCanaryEventsMissing-store: metric m's dimensions \{"Sink":"store","Stack":"x{256}"\}: expected at most 30 dimensions/),
        ]],
        ["an alarm named for every stack", type.alarm, "dle-monitoring-FluentdDown-agent", (i) => { i.name = "dle-monitoring-FluentdDown-agent"; }, [
            "stack-unique-names dle-monitoring-FluentdDown-agent: name \"dle-monitoring-FluentdDown-agent\": expected a name beginning with \"test-\", unique to the stack in the account",
        ]],
        ["a service that does not wait for its execution role's policy", type.service, "dle-webapp", (_, record) => {
            record.dependencies = record.dependencies!.filter((urn) => !urn.endsWith("::dle-webapp-execution"));
        }, [
            "ecs-services-wait-for-permissions dle-webapp: starts without waiting for aws:iam/rolePolicy:RolePolicy dle-webapp-execution",
        ]],
        ["a sidecar on a floating tag", type.task, "dle-webapp", (i) => changeContainers(i, (containers) => {
            containers.find((c) => c.name === "metrics-collector")!.image = "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:latest";
        }), [
            expect.stringMatching(/^images-pinned dle-webapp: container metrics-collector's image "public.ecr.aws\/cloudwatch-agent\/cloudwatch-agent:latest": expected an image reference with a pinned tag/),
        ]],
        ["a connection string in a task's environment", type.task, "dle-log-forwarder-sec", (i) => changeContainers(i, ([forwarder]) => {
            environment(forwarder).push({ name: "STORE_CONNECTION_STRING", value: "mongodb://dle:hunter2@store:27017/applogs" });
        }), [
            "no-plaintext-secrets dle-log-forwarder-sec: container forwarder's environment: STORE_CONNECTION_STRING holds a credential in plain text: expected it as a file (locally) or an ECS secret (on AWS)",
            "no-plaintext-secrets dle-log-forwarder-sec: containerDefinitions holds a URI with a password in plain text",
        ]],
        ["a password in a function's environment", type.lambda, "dle-dashboards-importer", (i) => {
            (i.environment as { variables: Record<string, string> }).variables.DASHBOARDS_PASSWORD = "hunter2";
        }, [
            "no-plaintext-secrets dle-dashboards-importer: environment: DASHBOARDS_PASSWORD holds a credential in plain text: expected it as a file (locally) or an ECS secret (on AWS)",
        ]],
        ["an unencrypted file system", type.fileSystem, "dle-log-forwarder-buffers", (i) => { i.encrypted = false; }, [
            "fsbp-efs-1-encrypted dle-log-forwarder-buffers: EFS.1: not encrypted at rest (`encrypted` is not true)",
        ]],
        ["a file system without backups", type.backup, "dle-log-forwarder-buffers", (i) => { i.backupPolicy = { status: "DISABLED" }; }, [
            "fsbp-efs-2-backup dle-log-forwarder-buffers: EFS.2: in no backup plan: no backup policy of it is ENABLED",
        ]],
        ["an access point on the whole file system, as any user", type.accessPoint, "dle-log-forwarder-buffers-primary", (i) => { i.rootDirectory = { path: "/" }; delete i.posixUser; }, [
            "fsbp-efs-3-root-directory dle-log-forwarder-buffers-primary: EFS.3: enforces no root directory (its path is /)",
            "fsbp-efs-4-user-identity dle-log-forwarder-buffers-primary: EFS.4: enforces no user identity (no POSIX uid and gid)",
        ]],
        ["a mount target in a public subnet", type.mountTarget, "dle-log-forwarder-buffers-a", (_, record) => {
            const publicSubnet = resources.find((r) => r.name === "dle-public-a" && r.type === "aws:ec2/subnet:Subnet")!.urn!;
            record.propertyDependencies = { ...record.propertyDependencies, subnetId: [publicSubnet] };
        }, [
            "fsbp-efs-6-private-mount-targets dle-log-forwarder-buffers-a: EFS.6: in the public subnet dle-public-a",
        ]],
    ])("reports %s", async (_, resourceType, name, change, expected) => {
        // Mandatory ones: the defaults' named exception (ELB.1, advisory) is tests/unit/policy-aws.test.ts's.
        expect(asLines(mandatory(await policyViolations(withChange(resources, resourceType, name, change))))).toEqual(expected);
    });

    it("takes the name Pulumi's auto-naming gives an ECS service at preview", async () => {
        const autoNamed = withChange(resources, type.service, "dle-webapp", (i) => { i.name = "dle-webapp-1a2b3c4"; });
        expect(asLines(mandatory(await policyViolations(autoNamed)))).toEqual([]);
    });
});
