/**
 * The aws stack under Pulumi's mock runtime: what it registers, what is reachable from where, encryption,
 * secrets, IAM, and that the fluentd tasks run the same config files as the local stack with exactly the
 * environment those files read.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { defaults } from "../../components/config";
import {
    cloudMapHealthCheckCustomConfig, ecsHealthCheck, fargateStopTimeout, fargateTaskSize, securityGroupDescription, subnetCidrBlock,
} from "../../components/constraints";
import { fileContentEnv, fluentdContainer, fluentdUserEnv } from "../../components/fluentd-env";
import { vpcFunctionActions } from "../../components/dashboards/aws";
import { ecsServicesWaitForPermissions } from "../../policy/aws-api";
import { envNamesRead, fluentdDir } from "../support/fluentd-config";
import { asLines, policyViolations } from "../support/policy-harness";
import { taskDefinitionsRegistered } from "../support/aws-tasks";
import { RecordedResource, generatedSecretMarker, installMocks, invokesMade, isSecretValue, mockAccount, mockCertPem, mockRegion, mockRepoDigest, plainSecretPaths, programLoadTimeoutMs, registered, runProgram, unwrapSecrets, valueOf } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws" });
let program: Record<string, unknown>;

beforeAll(async () => {
    program = await runProgram();
    await taskDefinitionsRegistered(resources);
}, programLoadTimeoutMs);

const { ofType, one } = registered(resources);

interface ContainerDefinition {
    name: string;
    image: string;
    environment: { name: string; value: string }[];
    secrets: { name: string; valueFrom: string }[];
    healthCheck: { command: string[] };
    logConfiguration: { logDriver: string; options: Record<string, string> };
    firelensConfiguration?: { type: string; options: Record<string, string> };
    portMappings: { containerPort: number; protocol: string }[];
}
const containersOf = (taskDefinition: string): ContainerDefinition[] =>
    JSON.parse(unwrapSecrets(one("aws:ecs/taskDefinition:TaskDefinition", taskDefinition).inputs.containerDefinitions) as string);
const container = (taskDefinition: string, name: string) => {
    const found = containersOf(taskDefinition).find((c) => c.name === name);
    if (!found) throw new Error(`no container ${name} in ${taskDefinition}`);
    return found;
};
const envNames = (c: ContainerDefinition) => [...c.environment.map((e) => e.name), ...c.secrets.map((s) => s.name)].sort();
const envValue = (c: ContainerDefinition, name: string) => c.environment.find((e) => e.name === name)?.value;

const services = ["dle-webapp", "dle-log-forwarder-pri", "dle-log-forwarder-sec"];
const privateSubnetIds = ["dle-private-a-id", "dle-private-b-id"];

describe("aws stack resources", () => {
    it("registers the parts and the dashboards on the AwsPlatform", () => {
        const components = resources.filter((r) => r.type.startsWith("dle:")).map((r) => `${r.type} ${r.name}`).sort();
        expect(components).toEqual([
            "dle:api:Api dle-api",
            "dle:archive:Archive dle-log-archive",
            "dle:canary:Canary dle-canary",
            "dle:dashboards:Dashboards dle-dashboards",
            "dle:forward-security:ForwardSecurity dle-forward-security",
            "dle:forwarder-pair:ForwarderPair dle-log-forwarder",
            "dle:log-agent:LogAgent dle-log-agent",
            "dle:monitoring:Monitoring dle-monitoring",
            "dle:pipeline:Pipeline dle",
            "dle:platform:AwsPlatform dle",
            "dle:search:Search dle-log-search",
            "dle:store:Store dle-log-store",
            "dle:webapp:Webapp dle-webapp",
        ]);
        expect(ofType("docker:index/container:Container")).toEqual([]);
    });

    it.each([
        ["aws:ec2/vpc:Vpc", 1], ["aws:ec2/subnet:Subnet", 4], ["aws:ec2/natGateway:NatGateway", 2], ["aws:ec2/vpcEndpoint:VpcEndpoint", 1],
        ["aws:ec2/securityGroup:SecurityGroup", 8], ["aws:ecs/cluster:Cluster", 1], ["aws:ecr/repository:Repository", 4],
        ["docker:index/image:Image", 4], ["aws:ecs/service:Service", 4], ["aws:ecs/taskDefinition:TaskDefinition", 4],
        ["aws:lb/loadBalancer:LoadBalancer", 1], ["aws:lb/targetGroup:TargetGroup", 1], ["aws:lb/listener:Listener", 1],
        ["aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", 1], ["aws:servicediscovery/service:Service", 2],
        ["aws:docdb/cluster:Cluster", 1], ["aws:docdb/clusterInstance:ClusterInstance", 2], ["aws:docdb/subnetGroup:SubnetGroup", 1],
        // The connection string, the forward protocol's shared key, each forwarder's and the agent's TLS key, and the
        // canary's read-only connection string.
        ["aws:secretsmanager/secret:Secret", 6], ["aws:secretsmanager/secretVersion:SecretVersion", 6],
        ["tls:index/selfSignedCert:SelfSignedCert", 1], ["tls:index/locallySignedCert:LocallySignedCert", 3], ["tls:index/privateKey:PrivateKey", 4],
        ["aws:opensearch/domain:Domain", 1], ["aws:opensearch/domainPolicy:DomainPolicy", 1],
        ["aws:s3/bucket:Bucket", 1], ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", 1],
        ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", 1],
        ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", 1], ["aws:cloudwatch/logGroup:LogGroup", 11],
        ["aws:cloudwatch/logResourcePolicy:LogResourcePolicy", 1],
    ])("registers %s ×%i", (type, count) => {
        expect(ofType(type)).toHaveLength(count);
    });

    it("pins the engines and sizes from the config defaults", () => {
        const docdb = one("aws:docdb/cluster:Cluster", "dle-log-store").inputs;
        expect(docdb.engineVersion).toBe(defaults.documentDbEngineVersion);
        expect(ofType("aws:docdb/clusterInstance:ClusterInstance").map((i) => i.inputs.instanceClass)).toEqual(["db.t3.medium", "db.t3.medium"]);
        const domain = one("aws:opensearch/domain:Domain", "dle-log-search").inputs;
        expect(domain.engineVersion).toBe(defaults.openSearchEngineVersion);
        expect(domain.clusterConfig).toEqual(expect.objectContaining({ instanceType: "t3.small.search", instanceCount: 2, zoneAwarenessEnabled: true }));
    });

    it("builds the fluentd image from fluentd/Dockerfile and nginx's from the pinned tag, tagged by content, into scanned immutable repositories", () => {
        const images = Object.fromEntries(ofType("docker:index/image:Image").map((i) => [i.name, i.inputs]));
        const fluentd = images["dle-fluentd"] as { build: { context: string; args: Record<string, string>; target: string; platform: string }; imageName: string; registry: Record<string, unknown> };
        expect(path.resolve(fluentd.build.context)).toBe(fluentdDir);
        // The aws stage: the only build that downloads the RDS CA bundle, checked against the pinned checksum.
        expect(fluentd.build.target).toBe("aws");
        expect(fluentd.build.args).toEqual({ FLUENTD_IMAGE: defaults.fluentdImage, RDS_CA_BUNDLE_SHA256: defaults.rdsCaBundleSha256 });
        expect(fluentd.build.platform).toBe("linux/amd64");
        // Relative to the project, as pulumi-docker compares it: the same in every clone.
        expect(Object.values(images).map((i) => (i as { build: { context: string } }).build.context).sort()).toEqual(["components/api", "components/canary", "components/webapp", "fluentd"]);
        expect(fluentd.imageName).toMatch(/\/dle-fluentd:[0-9a-f]{16}$/);
        // ECR's token reaches the image only as a secret.
        expect((unwrapSecrets(fluentd.registry) as Record<string, string>).password).toContain(generatedSecretMarker);
        expect(plainSecretPaths(fluentd.registry)).toEqual([]);
        const nginx = images["dle-webapp-nginx"] as { build: { args: Record<string, string> } };
        expect(nginx.build.args).toEqual({ NGINX_IMAGE: defaults.nginxImage });
        for (const repository of ofType("aws:ecr/repository:Repository")) {
            expect(repository.inputs).toEqual(expect.objectContaining({ imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: "IMMUTABLE" }));
        }
        const ecr = `${mockAccount}.dkr.ecr.${mockRegion}.amazonaws.com`;
        expect(container("dle-log-forwarder-pri", "forwarder").image).toBe(mockRepoDigest("dle-fluentd", `${ecr}/dle-fluentd`));
        expect(container("dle-webapp", "log-router").image).toBe(mockRepoDigest("dle-fluentd", `${ecr}/dle-fluentd`));
        expect(container("dle-webapp", "webapp").image).toBe(mockRepoDigest("dle-webapp-nginx", `${ecr}/dle-webapp-nginx`));
    });
});

describe("aws physical names", () => {
    // The mock runtime's stack is "test": every name AWS wants unique in the account carries it, or is left to auto-naming.
    it("leaves the ECS services' names to auto-naming, so a replacement can start beside the old service", () => {
        expect(ofType("aws:ecs/service:Service").filter((s) => s.inputs.name !== undefined).map((s) => s.name)).toEqual([]);
    });

    it("puts every log group under /dle/<stack>/", () => {
        const groups = ofType("aws:cloudwatch/logGroup:LogGroup").map((g) => String(g.inputs.name));
        expect(groups.length).toBe(11);
        expect(groups.filter((g) => !g.startsWith("/dle/test/dle-"))).toEqual([]);
    });

    it("names the task families, alarms, dashboard and the forwarders' DNS zone after the stack", () => {
        const names = [
            ...ofType("aws:ecs/taskDefinition:TaskDefinition").map((t) => t.inputs.family),
            ...ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.name),
            ...ofType("aws:cloudwatch/dashboard:Dashboard").map((d) => d.inputs.dashboardName),
        ].map(String);
        expect(names.length).toBeGreaterThan(10);
        expect(names.filter((n) => !n.startsWith("test-dle-"))).toEqual([]);
        expect(ofType("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace").map((n) => n.inputs.name)).toEqual(["dle-log-forwarder.test.internal"]);
    });
});

describe("aws network", () => {
    it("runs every task in the private subnets without a public IP", () => {
        for (const name of services) {
            const network = one("aws:ecs/service:Service", name).inputs.networkConfiguration as { subnets: string[]; assignPublicIp: boolean };
            expect(network).toEqual(expect.objectContaining({ subnets: privateSubnetIds, assignPublicIp: false }));
        }
        for (const subnet of ofType("aws:ec2/subnet:Subnet")) expect(subnet.inputs.mapPublicIpOnLaunch).toBe(false);
    });

    it("keeps DocumentDB and OpenSearch in the private subnets; only the load balancer is internet-facing", () => {
        expect(one("aws:docdb/subnetGroup:SubnetGroup", "dle-log-store").inputs.subnetIds).toEqual(privateSubnetIds);
        expect((one("aws:opensearch/domain:Domain", "dle-log-search").inputs.vpcOptions as { subnetIds: string[] }).subnetIds).toEqual(privateSubnetIds);
        const alb = one("aws:lb/loadBalancer:LoadBalancer", "dle-webapp").inputs;
        expect(alb.internal).toBe(false);
        expect(alb.subnets).toEqual(["dle-public-a-id", "dle-public-b-id"]);
    });

    it("picks Availability Zones only, never a Local Zone the account has opted into", () => {
        const asked = invokesMade.filter((i) => i.token === "aws:index/getAvailabilityZones:getAvailabilityZones").map((i) => i.inputs);
        expect(asked).toEqual([{ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }]);
    });

    it("cuts the VPC into subnets whose blocks EC2 takes", () => {
        const blocks = [...ofType("aws:ec2/vpc:Vpc"), ...ofType("aws:ec2/subnet:Subnet")].map((r) => String(r.inputs.cidrBlock));
        expect(blocks).toHaveLength(5);
        expect(blocks.filter((b) => !subnetCidrBlock.test(b))).toEqual([]);
    });

    it("spreads the subnets over two AZs", () => {
        const zones = ofType("aws:ec2/subnet:Subnet").map((s) => `${s.name} ${s.inputs.availabilityZone} ${s.inputs.cidrBlock}`).sort();
        expect(zones).toEqual([
            "dle-private-a us-east-1a 10.40.128.0/18", "dle-private-b us-east-1b 10.40.192.0/18",
            "dle-public-a us-east-1a 10.40.0.0/18", "dle-public-b us-east-1b 10.40.64.0/18",
        ]);
    });

    it("allows in only the listed flows", () => {
        const groupOf = Object.fromEntries(ofType("aws:ec2/securityGroup:SecurityGroup").map((g) => [`${g.name}-id`, g.name.replace(/^dle-/, "")]));
        for (const group of ofType("aws:ec2/securityGroup:SecurityGroup")) expect(group.inputs.ingress ?? []).toEqual([]);
        const ingress = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => {
            const from = r.inputs.cidrIpv4 ?? groupOf[r.inputs.referencedSecurityGroupId as string];
            return `${from} -> ${groupOf[r.inputs.securityGroupId as string]} ${r.inputs.ipProtocol}/${r.inputs.fromPort}-${r.inputs.toPort}`;
        });
        expect(ingress.sort()).toEqual([
            "0.0.0.0/0 -> alb tcp/80-80",
            "alb -> webapp tcp/80-80",
            "canary -> forwarder tcp/24224-24224",
            "canary -> search tcp/443-443",
            "canary -> store tcp/27017-27017",
            "dashboards -> search tcp/443-443",
            "forwarder -> buffers tcp/2049-2049",
            "forwarder -> search tcp/443-443",
            "forwarder -> store tcp/27017-27017",
            "webapp -> forwarder tcp/24224-24224",
        ]);
    });

    it("describes every group and rule in the characters EC2 accepts there (no apostrophe)", () => {
        const described = [
            ...ofType("aws:ec2/securityGroup:SecurityGroup"),
            ...ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
            ...ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"),
        ];
        expect(described.length).toBeGreaterThan(7);
        const refused = described.filter((r) => !securityGroupDescription.test(String(r.inputs.description)))
            .map((r) => `${r.name}: ${String(r.inputs.description)}`);
        expect(refused).toEqual([]);
    });

    it("lets the data services' groups send nothing", () => {
        const senders = new Set(ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map((r) => r.inputs.securityGroupId));
        expect(senders.has("dle-store-id")).toBe(false);
        expect(senders.has("dle-search-id")).toBe(false);
        expect(senders.has("dle-buffers-id")).toBe(false);
    });

    it("names the forwarders in a private DNS namespace, and the agent uses those names", () => {
        const namespace = ofType("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace")[0].inputs.name;
        const agent = container("dle-webapp", "log-router");
        expect(envValue(agent, "FORWARDER_PRIMARY_HOST")).toBe(`primary.${namespace}`);
        expect(envValue(agent, "FORWARDER_SECONDARY_HOST")).toBe(`secondary.${namespace}`);
        for (const name of ["dle-log-forwarder-pri", "dle-log-forwarder-sec"]) {
            const service = one("aws:ecs/service:Service", name).inputs;
            expect(service.desiredCount).toBe(1);
            expect(service.serviceRegistries).toEqual({ registryArn: expect.stringContaining(name) });
        }
    });

    it("gives each Cloud Map service the custom health check AWS stores, so no preview replaces it", () => {
        const discovery = ofType("aws:servicediscovery/service:Service");
        expect(discovery.map((s) => s.inputs.healthCheckCustomConfig)).toEqual([{ failureThreshold: 1 }, { failureThreshold: 1 }]);
        expect(discovery.filter((s) => !cloudMapHealthCheckCustomConfig.test(s.inputs.healthCheckCustomConfig as { failureThreshold?: number }))).toEqual([]);
    });
});

describe("read-only root filesystems (FSBP ECS.5)", () => {
    const tasks = ["dle-webapp", "dle-log-forwarder-pri", "dle-log-forwarder-sec"];
    const collectorPaths = ["/opt/aws/amazon-cloudwatch-agent/etc", "/opt/aws/amazon-cloudwatch-agent/logs", "/opt/aws/amazon-cloudwatch-agent/var", "/tmp"];
    /** Each container's writable paths: its mount points, with the volume each comes from. */
    const writable = (task: string) => Object.fromEntries(containersOf(task).map((c) => {
        const d = c as unknown as { readonlyRootFilesystem?: boolean; mountPoints?: { sourceVolume: string; containerPath: string }[] };
        return [c.name, { readOnly: d.readonlyRootFilesystem, paths: (d.mountPoints ?? []).map((m) => m.containerPath) }];
    }));

    it("makes every container's root filesystem read-only, with the paths each writes mounted", () => {
        expect(writable("dle-webapp")).toEqual({
            "log-router": { readOnly: true, paths: ["/fluentd/etc/tls", "/fluentd/etc/secrets", "/fluentd/tmp", "/tmp", "/fluentd/buffer", "/var/run"] },
            api: { readOnly: true, paths: ["/tmp"] },
            webapp: { readOnly: true, paths: ["/var/cache/nginx", "/var/run", "/tmp"] },
            "metrics-collector": { readOnly: true, paths: collectorPaths },
        });
        for (const task of tasks.slice(1)) {
            // The buffers are the EFS directory's (dle:forwarderBufferStorage efs); the rest the task's storage.
            expect(writable(task)).toEqual({
                forwarder: { readOnly: true, paths: ["/fluentd/buffer", "/fluentd/etc/tls", "/fluentd/etc/secrets", "/fluentd/tmp", "/tmp"] },
                "metrics-collector": { readOnly: true, paths: collectorPaths },
            });
        }
        expect(tasks.flatMap((t) => containersOf(t)).filter((c) => (c as unknown as { readonlyRootFilesystem?: boolean }).readonlyRootFilesystem !== true)).toEqual([]);
    });

    it("gives each written path a bind mount of the task's own storage, the buffers an EFS volume", () => {
        const volumes = (task: string) => (one("aws:ecs/taskDefinition:TaskDefinition", task).inputs.volumes as { name: string; efsVolumeConfiguration?: unknown }[]);
        const pri = volumes("dle-log-forwarder-pri");
        expect(pri.filter((v) => v.efsVolumeConfiguration !== undefined).map((v) => v.name)).toHaveLength(1);
        expect(pri.filter((v) => v.efsVolumeConfiguration === undefined)).toEqual([
            { name: "forwarder-fluentd-etc-tls" }, { name: "forwarder-fluentd-etc-secrets" }, { name: "forwarder-fluentd-tmp" }, { name: "forwarder-tmp" },
            ...["opt-aws-amazon-cloudwatch-agent-etc", "opt-aws-amazon-cloudwatch-agent-logs", "opt-aws-amazon-cloudwatch-agent-var", "tmp"].map((path) => ({ name: `metrics-collector-${path}` })),
        ]);
        expect(volumes("dle-webapp").every((v) => Object.keys(v).join() === "name")).toBe(true);
        expect(volumes("dle-webapp")).toHaveLength(6 + 1 + 3 + 4);
    });
});

describe("OpenSearch's logs and access control (FSBP Opensearch.4, .5, .7)", () => {
    const groupArn = (kind: string) => `arn:aws:logs:${mockRegion}:${mockAccount}:log-group:/dle/test/dle-log-search-${kind}`;

    it("publishes the domain's application (error) and audit logs to log groups of the stack, kept as long as the others", () => {
        for (const kind of ["application", "audit"]) {
            expect(one("aws:cloudwatch/logGroup:LogGroup", `dle-log-search-${kind}`).inputs).toEqual({ name: `/dle/test/dle-log-search-${kind}`, retentionInDays: 30 });
        }
        expect(one("aws:opensearch/domain:Domain", "dle-log-search").inputs.logPublishingOptions).toEqual([
            { logType: "ES_APPLICATION_LOGS", cloudwatchLogGroupArn: groupArn("application"), enabled: true },
            { logType: "AUDIT_LOGS", cloudwatchLogGroupArn: groupArn("audit"), enabled: true },
        ]);
    });

    it("has fine-grained access control with IAM only, the importer's role its master user, and the encryption it requires", () => {
        const domain = one("aws:opensearch/domain:Domain", "dle-log-search").inputs;
        expect(domain.advancedSecurityOptions).toEqual({
            enabled: true, anonymousAuthEnabled: false, internalUserDatabaseEnabled: false,
            masterUserOptions: { masterUserArn: "arn:aws:iam:us-east-1:111111111111:dle-dashboards-importer" },
        });
        expect(domain).toMatchObject({ encryptAtRest: { enabled: true }, nodeToNodeEncryption: { enabled: true }, domainEndpointOptions: { enforceHttps: true } });
    });

    it("lets OpenSearch Service write those groups' streams, and nothing else, and creates the domain after the permission", () => {
        const policy = one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "dle-log-search-logs");
        expect(policy.inputs.policyName).toBe("test-dle-log-search-logs");
        expect(JSON.parse(policy.inputs.policyDocument as string).Statement).toEqual([{
            Sid: "OpenSearchLogs", Effect: "Allow", Principal: { Service: "es.amazonaws.com" },
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: [`${groupArn("application")}:*`, `${groupArn("audit")}:*`],
            Condition: { StringEquals: { "aws:SourceAccount": mockAccount } },
        }]);
        expect(one("aws:opensearch/domain:Domain", "dle-log-search").dependencies).toContain(policy.urn);
    });
});

describe("Container Insights (FSBP ECS.12)", () => {
    it("turns on Container Insights with enhanced observability on the cluster", () => {
        expect(one("aws:ecs/cluster:Cluster", "dle").inputs.settings).toEqual([{ name: "containerInsights", value: "enhanced" }]);
    });
});

describe("the store's deletion (FSBP DocumentDB.5)", () => {
    it("protects the DocumentDB cluster from deletion and leaves a final snapshot named for the stack", async () => {
        const cluster = one("aws:docdb/cluster:Cluster", "dle-log-store").inputs;
        expect(cluster).toEqual(expect.objectContaining({ deletionProtection: true, skipFinalSnapshot: false, finalSnapshotIdentifier: "dle-test-store-final-0a1b2c3d" }));
        // What `npm run destroy:aws` reads.
        expect(await valueOf(program.storeDeletionProtection as pulumi.Output<boolean>)).toBe(true);
        expect(await valueOf(program.storeFinalSnapshot as pulumi.Output<string>)).toBe("dle-test-store-final-0a1b2c3d");
    });
});

describe("aws encryption", () => {
    it("encrypts DocumentDB's storage and requires TLS", () => {
        expect(one("aws:docdb/cluster:Cluster", "dle-log-store").inputs.storageEncrypted).toBe(true);
        expect(one("aws:docdb/clusterParameterGroup:ClusterParameterGroup", "dle-log-store").inputs).toEqual(expect.objectContaining({
            family: "docdb5.0", parameters: [{ name: "tls", value: "enabled" }],
        }));
    });

    it("encrypts OpenSearch at rest and between nodes, HTTPS only", () => {
        const domain = one("aws:opensearch/domain:Domain", "dle-log-search").inputs;
        expect(domain.encryptAtRest).toEqual({ enabled: true });
        expect(domain.nodeToNodeEncryption).toEqual({ enabled: true });
        expect(domain.domainEndpointOptions).toEqual({ enforceHttps: true, tlsSecurityPolicy: "Policy-Min-TLS-1-2-2019-07" });
    });

    it("keeps the archive private and encrypted, with the lifecycle from the config", () => {
        expect(one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "dle-log-archive").inputs).toEqual(expect.objectContaining({
            blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
        }));
        const sse = one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "dle-log-archive").inputs;
        // SSE-S3, without a bucket key: that applies to SSE-KMS only.
        expect(sse.rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
        const [rule] = one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "dle-log-archive").inputs.rules as Record<string, unknown>[];
        expect(rule).toEqual(expect.objectContaining({
            status: "Enabled", filter: { prefix: "logs/" }, transitions: [{ days: 30, storageClass: "STANDARD_IA" }], expiration: { days: 365 },
        }));
        // Versioning is off by default (dle:archiveVersioning).
        expect(ofType("aws:s3/bucketVersioning:BucketVersioning")).toEqual([]);
    });
});

describe("aws tasks", () => {
    it("sizes every task as Fargate offers, and keeps every health check and stop timeout within ECS's limits", () => {
        const tasks = ofType("aws:ecs/taskDefinition:TaskDefinition");
        expect(tasks.filter((t) => !fargateTaskSize.test({ cpu: Number(t.inputs.cpu), memoryMb: Number(t.inputs.memory) })).map((t) => t.name)).toEqual([]);
        const containers = tasks.flatMap((t) => containersOf(t.name).map((c) => ({ task: t.name, ...(c as ContainerDefinition & { healthCheck: { interval: number; timeout: number; retries: number; startPeriod: number }; stopTimeout?: number }) })));
        // A set-up step (the canary's store-reader, which runs to completion) has no health check.
        expect(containers.filter((c) => c.healthCheck !== undefined && !ecsHealthCheck.test(c.healthCheck)).map((c) => `${c.task}/${c.name}`)).toEqual([]);
        expect(containers.filter((c) => c.stopTimeout !== undefined && !fargateStopTimeout.test(c.stopTimeout)).map((c) => `${c.task}/${c.name}`)).toEqual([]);
    });

    it("gives every container a health check and every log group a retention", () => {
        for (const name of services) {
            for (const c of containersOf(name)) {
                expect(c.healthCheck.command[0]).toBe("CMD");
                expect(c.healthCheck.command.length).toBeGreaterThan(1);
            }
        }
        for (const group of ofType("aws:cloudwatch/logGroup:LogGroup")) expect(group.inputs.retentionInDays).toBe(30);
    });

    it("runs the agent as a FireLens log router on the same agent.conf, and sends nginx's logs to it", () => {
        const router = container("dle-webapp", "log-router");
        expect(router.firelensConfiguration).toEqual({
            type: "fluentd",
            options: { "config-file-type": "file", "config-file-value": "/fluentd/etc/agent.conf" },
        });
        expect(path.posix.basename(fluentdContainer.agentConfPath)).toBe("agent.conf");
        // FireLens runs its own fluent.conf, which includes agent.conf: FLUENTD_CONF must not replace it.
        expect(envValue(router, "FLUENTD_CONF")).toBeUndefined();
        // And fluentd stays root there, to create FireLens's socket; the forwarders drop to the image's fluent user.
        expect(envValue(router, fluentdUserEnv)).toBe("root");
        expect(envValue(container("dle-log-forwarder-pri", "forwarder"), fluentdUserEnv)).toBeUndefined();
        const webapp = container("dle-webapp", "webapp");
        expect(webapp.logConfiguration.logDriver).toBe("awsfirelens");
        expect(Object.keys(webapp.logConfiguration.options).length).toBeGreaterThan(0);
    });

    // Where their buffers are: tests/unit/forwarder-buffers-efs.test.ts and forwarder-buffers-ephemeral.test.ts.
    it("runs the forwarders on forwarder.conf, each under its role's name", () => {
        for (const name of ["dle-log-forwarder-pri", "dle-log-forwarder-sec"]) {
            expect(envValue(container(name, "forwarder"), "FLUENTD_CONF")).toBe("forwarder.conf");
        }
        expect(envValue(container("dle-log-forwarder-pri", "forwarder"), "FORWARDER_NAME")).toBe("primary");
        expect(envValue(container("dle-log-forwarder-sec", "forwarder"), "FORWARDER_NAME")).toBe("secondary");
    });

    it.each([
        ["dle-webapp", "log-router", "agent.conf"],
        ["dle-log-forwarder-pri", "forwarder", "forwarder.conf"],
        ["dle-log-forwarder-sec", "forwarder", "forwarder.conf"],
    ])("%s's %s gets exactly the variables %s reads with DLE_TARGET=aws", (task, name, conf) => {
        const c = container(task, name);
        expect(envValue(c, "DLE_TARGET")).toBe("aws");
        const read = envNamesRead(path.join(fluentdDir, conf), "aws");
        // FLUENTD_CONF is read by the image's entrypoint, not by the config; so are the PEMs and the credentials, which
        // fluentd/dle-entrypoint.sh writes to the files the config reads (Fargate cannot upload files).
        const contents: string[] = Object.entries(fileContentEnv).filter(([pathVariable]) => read.has(pathVariable)).map(([, content]) => content);
        expect(envNames(c).filter((n) => n !== "FLUENTD_CONF" && n !== fluentdUserEnv && !contents.includes(n))).toEqual([...read].sort());
        // Every TLS file and credential the config reads reaches the container this way.
        expect(contents.length).toBeGreaterThan(3);
        for (const content of contents) expect(envNames(c)).toContain(content);
    });
});

describe("aws secrets", () => {
    it("never puts a generated credential in a plain resource input", () => {
        const leaks = resources.flatMap((r) => plainSecretPaths(r.inputs).map((p) => `${r.name}: ${p}`));
        expect(leaks).toEqual([]);
        for (const task of ofType("aws:ecs/taskDefinition:TaskDefinition")) {
            expect(JSON.stringify(unwrapSecrets(task.inputs.containerDefinitions))).not.toContain(generatedSecretMarker);
        }
    });

    it("stores the whole connection string in Secrets Manager and hands it to the forwarders as an ECS secret", () => {
        const version = one("aws:secretsmanager/secretVersion:SecretVersion", "dle-log-store-connection-string").inputs;
        expect(isSecretValue(version.secretString)).toBe(true);
        const uri = unwrapSecrets(version.secretString) as string;
        expect(uri).toContain(`${generatedSecretMarker}dle-log-store-master-password@`);
        expect(uri).toMatch(/\?tls=true&tlsCAFile=\/fluentd\/etc\/rds-global-bundle\.pem&replicaSet=rs0&retryWrites=false/);
        const secretArn = "arn:aws:secretsmanager:us-east-1:111111111111:dle-log-store-connection-string";
        for (const name of ["dle-log-forwarder-pri", "dle-log-forwarder-sec"]) {
            const c = container(name, "forwarder");
            expect(c.secrets).toContainEqual({ name: "STORE_CONNECTION_STRING", valueFrom: secretArn });
            expect(envValue(c, "STORE_CONNECTION_STRING")).toBeUndefined();
        }
    });

    it("hands the shared key to the agent and both forwarders, and each its own TLS key, only as ECS secrets", () => {
        const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:111111111111:${name}`;
        const sharedKey = { name: "FORWARD_SHARED_KEY", valueFrom: arn("dle-log-forwarder-shared-key") };
        const holders: [string, string, string[]][] = [
            ["dle-webapp", "log-router", []],
            ["dle-log-forwarder-pri", "forwarder", ["STORE_CONNECTION_STRING"]],
            ["dle-log-forwarder-sec", "forwarder", ["STORE_CONNECTION_STRING"]],
        ];
        const keyOwners: Record<string, string> = { "dle-webapp": "dle-log-forwarder-agent", "dle-log-forwarder-pri": "dle-log-forwarder-pri", "dle-log-forwarder-sec": "dle-log-forwarder-sec" };
        for (const [task, name, others] of holders) {
            const c = container(task, name);
            expect(c.secrets.map((e) => e.name).sort()).toEqual(["FORWARD_SHARED_KEY", "FORWARD_TLS_KEY_PEM", ...others].sort());
            expect(c.secrets).toContainEqual(sharedKey);
            expect(c.secrets).toContainEqual({ name: "FORWARD_TLS_KEY_PEM", valueFrom: arn(`${keyOwners[task]}-tls-key`) });
            expect(envValue(c, "FORWARD_TLS_KEY_PEM")).toBeUndefined();
            expect(envValue(c, "FORWARD_SHARED_KEY")).toBeUndefined();
            const key = one("aws:secretsmanager/secretVersion:SecretVersion", `${keyOwners[task]}-tls-key`).inputs.secretString;
            expect(isSecretValue(key)).toBe(true);
            expect(unwrapSecrets(key)).toContain(`${generatedSecretMarker}${keyOwners[task]}-tls`);
        }
        const shared = one("aws:secretsmanager/secretVersion:SecretVersion", "dle-log-forwarder-shared-key").inputs.secretString;
        expect(isSecretValue(shared)).toBe(true);
        expect(unwrapSecrets(shared)).toBe(`${generatedSecretMarker}dle-forward-security-shared-key`);
    });

    it("exports every value that holds a credential as a secret", async () => {
        for (const [name, value] of Object.entries(program)) {
            const output = pulumi.output(value as pulumi.Input<unknown>) as pulumi.Output<unknown>;
            if (JSON.stringify((await valueOf(output)) ?? "").includes(generatedSecretMarker)) {
                expect([name, await pulumi.isSecret(output)]).toEqual([name, true]);
            }
        }
        expect(await pulumi.isSecret(program.storeConnectionString as pulumi.Output<string>)).toBe(true);
    });
});

describe("aws IAM", () => {
    type Statement = { Effect: string; Action: string | string[]; Resource: string | string[]; Principal?: unknown };
    const statementsOf = (type: string, field: string) => ofType(type).flatMap((r) =>
        (JSON.parse(unwrapSecrets(r.inputs[field]) as string).Statement as Statement[]).map((s) => ({ owner: r.name, ...s })));
    const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
    const identityStatements = () => statementsOf("aws:iam/rolePolicy:RolePolicy", "policy");

    it("grants no wildcard action, and Resource \"*\" only where AWS requires it", () => {
        const statements = [...identityStatements(), ...statementsOf("aws:opensearch/domainPolicy:DomainPolicy", "accessPolicies")];
        expect(statements.flatMap((s) => list(s.Action)).filter((a) => a.includes("*"))).toEqual([]);
        const anyResource = statements.filter((s) => list(s.Resource).includes("*")).flatMap((s) => list(s.Action));
        // The ENI actions are the dashboards importer's: a Lambda function in a VPC manages its network interfaces.
        // PutMetricData has no resource (the canary's is limited to its namespace by a condition).
        expect([...new Set(anyResource)].sort()).toEqual(["cloudwatch:PutMetricData", "ecr:GetAuthorizationToken", ...vpcFunctionActions].sort());
        const putMetrics = statements.filter((s) => list(s.Action).includes("cloudwatch:PutMetricData"));
        expect(putMetrics.map((s) => (s as { Condition?: unknown }).Condition)).toEqual([{ StringEquals: { "cloudwatch:namespace": "dle/canary" } }]);
        // Other wildcards only end a concrete ARN (the objects of a bucket prefix, the streams of a log group), but
        // for the log indices' own pattern in the search domain (the canary may search those only).
        const logIndices = "arn:aws:es:us-east-1:111111111111:domain/dle-log-search/logstash-*/*";
        const partial = statements.flatMap((s) => list(s.Resource)).filter((r) => r !== "*" && r.includes("*") && r !== logIndices);
        for (const resource of partial) expect(resource).toMatch(/^arn:aws:[a-z0-9-]+:[^*]*[^*:/][:/](?:log-stream:|logs\/)?\*$/);
    });

    it("lets each execution role read only the secrets its containers get", () => {
        const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:111111111111:${name}`;
        const readers = identityStatements().filter((s) => list(s.Action).includes("secretsmanager:GetSecretValue"));
        expect(Object.fromEntries(readers.map((s) => [s.owner, [...list(s.Resource)].sort()]))).toEqual({
            "dle-log-forwarder-pri-execution": [arn("dle-log-forwarder-pri-tls-key"), arn("dle-log-forwarder-shared-key"), arn("dle-log-store-connection-string")],
            "dle-log-forwarder-sec-execution": [arn("dle-log-forwarder-sec-tls-key"), arn("dle-log-forwarder-shared-key"), arn("dle-log-store-connection-string")],
            // The webapp task's: its log router (the agent) needs the shared key and its TLS key, and nothing else.
            "dle-webapp-execution": [arn("dle-log-forwarder-agent-tls-key"), arn("dle-log-forwarder-shared-key")],
            // The canary task's: its log router's, and for its set-up step the store's connection string (which only
            // that container gets) and the canary's own.
            "dle-canary-execution": [arn("dle-canary-store-reader"), arn("dle-log-forwarder-agent-tls-key"), arn("dle-log-forwarder-shared-key"), arn("dle-log-store-connection-string")],
        });
    });

    it("lets the forwarders' task role write the archive prefix and index into the domain, and nothing else", () => {
        const sinks = identityStatements().filter((s) => s.owner === "dle-log-forwarder-sinks");
        expect(sinks.map((s) => `${list(s.Action).join(",")} ${list(s.Resource).join(",")}`)).toEqual([
            "s3:PutObject,s3:GetObject arn:aws:s3:::applogs-mock/logs/*",
            "s3:ListBucket arn:aws:s3:::applogs-mock",
            "es:ESHttpGet,es:ESHttpHead,es:ESHttpPost,es:ESHttpPut arn:aws:es:us-east-1:111111111111:domain/dle-log-search,arn:aws:es:us-east-1:111111111111:domain/dle-log-search/*",
        ]);
    });

    it("starts each ECS service only once every policy of its roles, and of the file systems its tasks mount, is in place", async () => {
        // The rule is the policy pack's (policy/aws-api.ts); policy-violations-aws.test.ts shows it failing.
        for (const service of ofType("aws:ecs/service:Service")) expect(service.dependencies!.length).toBeGreaterThan(5);
        expect(asLines(await policyViolations(resources, [ecsServicesWaitForPermissions]))).toEqual([]);
    });

    it("opens the domain to the forwarders' task role, its Dashboards and security API to the importer's role, and its log indices' search to the canary's role, only", () => {
        const grants = statementsOf("aws:opensearch/domainPolicy:DomainPolicy", "accessPolicies");
        expect(grants.map((s) => [s.Principal, s.Resource])).toEqual([
            [{ AWS: "arn:aws:iam:us-east-1:111111111111:dle-forwarder-task" }, "arn:aws:es:us-east-1:111111111111:domain/dle-log-search/*"],
            [{ AWS: "arn:aws:iam:us-east-1:111111111111:dle-dashboards-importer" }, "arn:aws:es:us-east-1:111111111111:domain/dle-log-search/_dashboards/*"],
            [{ AWS: "arn:aws:iam:us-east-1:111111111111:dle-dashboards-importer" }, "arn:aws:es:us-east-1:111111111111:domain/dle-log-search/_plugins/_security/*"],
            [{ AWS: "arn:aws:iam:us-east-1:111111111111:dle-canary-task" }, "arn:aws:es:us-east-1:111111111111:domain/dle-log-search/logstash-*/*"],
        ]);
        expect(grants.at(-1)!.Action).toEqual(["es:ESHttpGet", "es:ESHttpPost"]);
    });
});

describe("forward protocol security (aws)", () => {
    it("issues each forwarder a certificate from the stack's CA for the Cloud Map name the agent connects to", () => {
        const agent = container("dle-webapp", "log-router");
        for (const [name, hostVariable] of [["dle-log-forwarder-pri", "FORWARDER_PRIMARY_HOST"], ["dle-log-forwarder-sec", "FORWARDER_SECONDARY_HOST"]]) {
            const host = envValue(agent, hostVariable);
            expect(host).toMatch(/^(primary|secondary)\.dle-log-forwarder\.test\.internal$/);
            expect(one("tls:index/certRequest:CertRequest", `${name}-tls`).inputs.dnsNames).toEqual([host]);
            expect(one("tls:index/locallySignedCert:LocallySignedCert", `${name}-tls`).inputs.caCertPem).toBe(mockCertPem("dle-forward-security-ca"));
            // The forwarder names itself by the same name in the handshake, and gets its certificate to write to a file.
            const forwarder = container(name, "forwarder");
            expect(envValue(forwarder, "FORWARD_SELF_HOSTNAME")).toBe(host);
            expect(envValue(forwarder, "FORWARD_TLS_CERT_PEM")).toBe(mockCertPem(`${name}-tls`));
        }
        expect(one("tls:index/selfSignedCert:SelfSignedCert", "dle-forward-security-ca").inputs).toEqual(expect.objectContaining({ isCaCertificate: true }));
    });

    it("gives the agent and the forwarders the CA certificate to verify their peers with, and the agent its client certificate", () => {
        const agent = container("dle-webapp", "log-router");
        expect(envValue(agent, "FORWARD_SELF_HOSTNAME")).toBe("log-agent");
        expect(envValue(agent, "FORWARD_TLS_CERT_PEM")).toBe(mockCertPem("dle-log-forwarder-agent-tls"));
        expect(one("tls:index/certRequest:CertRequest", "dle-log-forwarder-agent-tls").inputs.dnsNames).toEqual(["log-agent"]);
        expect(one("tls:index/locallySignedCert:LocallySignedCert", "dle-log-forwarder-agent-tls").inputs.allowedUses).toEqual(["digital_signature", "client_auth"]);
        for (const c of [agent, container("dle-log-forwarder-pri", "forwarder"), container("dle-log-forwarder-sec", "forwarder")]) {
            expect(envValue(c, "FORWARD_TLS_CA_PEM")).toBe(mockCertPem("dle-forward-security-ca"));
        }
    });

    it("publishes no UDP port on the forwarders: heartbeats go over TLS too", () => {
        for (const name of ["dle-log-forwarder-pri", "dle-log-forwarder-sec"]) {
            expect(container(name, "forwarder").portMappings).toEqual([{ containerPort: 24224, protocol: "tcp" }]);
        }
    });
});

describe("aws outputs", () => {
    it("mirror the local stack's, saying how to reach each part", async () => {
        const value = async (name: string) => valueOf(program[name] as pulumi.Input<unknown>);
        expect(await value("webappUrl")).toBe("http://dle-webapp-123.us-east-1.elb.amazonaws.com");
        // FSBP ELB.1's named exception, said where a user sees it.
        expect(await value("webappTransport")).toMatch(/^plain HTTP on port 80: neither dle:albCertificateArn nor dle:albDomainName is set/);
        expect(await value("searchUrl")).toBe("https://vpc-dle-log-search.us-east-1.es.amazonaws.com");
        expect(await value("searchAuth")).toBe("aws-sigv4");
        expect(await value("searchRegion")).toBe("us-east-1");
        expect(await value("archiveBucket")).toBe("applogs-mock");
        expect(await value("archiveRegion")).toBe("us-east-1");
        expect(await value("forwarderControl")).toBe("ecs");
        expect(await value("ecsCluster")).toBe("dle");
        expect(await value("forwarderPrimary")).toBe("dle-log-forwarder-pri");
        expect(await value("forwarderSecondary")).toBe("dle-log-forwarder-sec");
        for (const name of ["storeDatabase", "storeCollection", "searchIndexPrefix", "archiveKeyPrefix"]) expect(await value(name)).toBeDefined();
        // Omitted on AWS: the default endpoint and credential chain apply, and there is no password.
        for (const name of ["archiveEndpoint", "archiveAccessKeyId", "archiveSecretAccessKey", "searchUsername", "searchPassword", "agentContainer", "webappContainer"]) {
            expect([name, program[name]]).toEqual([name, undefined]);
        }
    });
});
