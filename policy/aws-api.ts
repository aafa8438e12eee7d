/**
 * What AWS refuses, or reads back otherwise, that a preview does not check: each policy applies constraints of
 * components/constraints.ts (the one copy of each rule, which the stack config's schema uses too) to the inputs of
 * the resources that carry the value.
 */
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as c from "../components/constraints";
import { Props, awaited, containerDefinitions, failing, resourcePolicy, sources, stackOf, stackPolicy, types } from "./support";

export const securityGroupDescriptions = resourcePolicy(
    "ec2-security-group-descriptions",
    "Security groups and their rules are described only in the characters EC2 takes there (no apostrophe); the provider does not check at plan time.",
    [types.securityGroup, types.securityGroupRule, types.ingressRule, types.egressRule],
    (props) => [
        props.description === undefined ? undefined : failing(c.securityGroupDescription, String(props.description), "description"),
        ...[...(props.ingress ?? []), ...(props.egress ?? [])].map((rule: Props) =>
            rule.description === undefined ? undefined : failing(c.securityGroupDescription, String(rule.description), "inline rule description")),
    ],
);

export const cloudMapCustomHealthCheck = resourcePolicy(
    "cloud-map-custom-health-check",
    "A Cloud Map service's custom health check carries failureThreshold 1, what AWS stores: otherwise every preview forces a replacement.",
    [types.cloudMapService],
    (props) => [failing(c.cloudMapHealthCheckCustomConfig, props.healthCheckCustomConfig, "healthCheckCustomConfig")],
);

export const ecsEnvironmentValues = resourcePolicy(
    "ecs-environment-values",
    "No ECS container environment variable is empty: ECS drops it, the container never sees it, and every preview shows a difference.",
    [types.taskDefinition],
    (props) => containerDefinitions(props).flatMap((container) => ((container.environment ?? []) as { name: string; value: string }[])
        .map((variable) => failing(c.ecsEnvironmentValue, variable.value, `container ${container.name}'s ${variable.name}`))),
);

export const fargateTaskSizes = resourcePolicy(
    "fargate-task-sizes",
    "Every Fargate task has a CPU and memory size Fargate offers, ephemeral storage it allows, and containers whose health checks and stop timeouts are within ECS's limits.",
    [types.taskDefinition],
    (props) => {
        if (!(props.requiresCompatibilities ?? []).includes("FARGATE")) return [];
        return [
            failing(c.fargateTaskSize, { cpu: Number(props.cpu), memoryMb: Number(props.memory) }, "cpu and memory"),
            props.ephemeralStorage === undefined ? undefined : failing(c.fargateEphemeralStorage, Number(props.ephemeralStorage.sizeInGib), "ephemeral storage"),
            ...containerDefinitions(props).flatMap((container) => [
                container.healthCheck === undefined ? undefined : failing(c.ecsHealthCheck, container.healthCheck, `container ${container.name}'s health check`),
                container.stopTimeout === undefined ? undefined : failing(c.fargateStopTimeout, container.stopTimeout, `container ${container.name}'s stopTimeout`),
            ]),
        ];
    },
);

export const s3BucketNames = resourcePolicy(
    "s3-bucket-names",
    "A bucket's name, or its bucketPrefix with room for the provider's suffix, follows S3's naming rules.",
    [types.bucket],
    (props) => [
        props.bucket === undefined ? undefined : failing(c.s3BucketName, String(props.bucket), "bucket"),
        props.bucketPrefix === undefined ? undefined : failing(c.s3BucketPrefix, String(props.bucketPrefix), "bucketPrefix"),
    ],
);

export const s3BucketKeys = resourcePolicy(
    "s3-bucket-key-with-kms-only",
    "A bucket's default encryption enables an S3 Bucket Key only with SSE-KMS, the only encryption it applies to.",
    [types.bucketEncryption],
    (props) => (props.rules ?? []).map((rule: Props) => failing(c.s3BucketKey,
        { sseAlgorithm: rule.applyServerSideEncryptionByDefault?.sseAlgorithm, bucketKeyEnabled: rule.bucketKeyEnabled }, "encryption rule")),
);

export const s3LifecycleRules = resourcePolicy(
    "s3-lifecycle-standard-ia",
    "A lifecycle rule moves objects to STANDARD_IA after 30 days at the earliest, and expires them only after that.",
    [types.bucketLifecycle],
    (props) => (props.rules ?? []).flatMap((rule: Props) => {
        const toIa = ((rule.transitions ?? []) as Props[]).filter((t) => t.storageClass === "STANDARD_IA");
        const expiry = rule.expiration?.days as number | undefined;
        return toIa.flatMap((t) => [
            failing(c.s3StandardIaTransitionDays, Number(t.days), `rule ${rule.id}'s transition days`),
            expiry !== undefined && expiry <= Number(t.days) ? `rule ${rule.id} expires objects after ${expiry} days, before their transition to STANDARD_IA after ${t.days}` : undefined,
        ]);
    }),
);

export const vpcCidrBlocks = resourcePolicy(
    "vpc-cidr-blocks",
    "Every VPC and subnet block is one EC2 takes: /16 to /28, its address the network's.",
    [types.vpc, types.subnet],
    (props, args) => [props.cidrBlock === undefined ? undefined
        : failing(args.type === types.vpc ? c.vpcCidrBlock : c.subnetCidrBlock, String(props.cidrBlock), "cidrBlock")],
);

export const openSearchZoneAwareness = resourcePolicy(
    "opensearch-zone-awareness",
    "A zone-aware OpenSearch domain in a VPC has one subnet per zone and its data nodes spread evenly over the zones.",
    [types.openSearchDomain],
    (props) => {
        const cluster = props.clusterConfig ?? {};
        if (cluster.zoneAwarenessEnabled !== true) return [];
        const availabilityZoneCount = Number(cluster.zoneAwarenessConfig?.availabilityZoneCount ?? 2);
        return [
            props.vpcOptions === undefined ? undefined
                : failing(c.openSearchVpcSubnets, { subnetIds: props.vpcOptions.subnetIds ?? [], availabilityZoneCount }, "vpcOptions.subnetIds"),
            failing(c.openSearchZoneAwareInstanceCount, { instances: Number(cluster.instanceCount ?? 1), availabilityZoneCount }, "clusterConfig.instanceCount"),
        ];
    },
);

export const cloudWatchSettings = resourcePolicy(
    "cloudwatch-names-and-retention",
    "Log groups, alarms and dashboards have names CloudWatch takes, log groups a retention it offers, and alarms dimensions it takes.",
    [types.logGroup, types.metricAlarm, types.dashboard],
    (props, args) => {
        switch (args.type) {
            case types.logGroup:
                return [
                    props.name === undefined ? undefined : failing(c.cloudWatchLogGroupName, String(props.name), "name"),
                    props.retentionInDays === undefined ? undefined : failing(c.cloudWatchLogRetention, Number(props.retentionInDays), "retentionInDays"),
                ];
            case types.metricAlarm:
                return [
                    failing(c.cloudWatchAlarmText, { name: props.name, description: props.alarmDescription }, "name and description"),
                    ...((props.metricQueries ?? []) as { id?: string; metric?: { dimensions?: Record<string, string> } }[])
                        .map((q) => (q.metric?.dimensions === undefined ? undefined : failing(c.cloudWatchAlarmDimensions, q.metric.dimensions, `metric ${q.id}'s dimensions`))),
                ];
            default:
                return [failing(c.cloudWatchDashboardName, String(props.dashboardName), "dashboardName")];
        }
    },
);

/**
 * Names AWS wants unique in an account and region, per resource type: the input that carries it, and how it must
 * start for the stack `stack` (or, for an ECS service, that it is left to auto-naming).
 */
const stackScopedNames: Record<string, { input: string; startsWith: (stack: string) => string }> = {
    [types.logGroup]: { input: "name", startsWith: (stack) => `/dle/${stack}/` },
    [types.metricAlarm]: { input: "name", startsWith: (stack) => `${stack}-` },
    [types.dashboard]: { input: "dashboardName", startsWith: (stack) => `${stack}-` },
    [types.taskDefinition]: { input: "family", startsWith: (stack) => `${stack}-` },
};

export const stackUniqueNames = resourcePolicy(
    "stack-unique-names",
    "Physical names that AWS wants unique in an account and region carry the stack's name, and ECS services are auto-named, so two stacks never take each other's (nor a replacement its predecessor's).",
    [...Object.keys(stackScopedNames), types.privateDnsNamespace, types.ecsService],
    (props, args) => {
        const stack = c.dnsLabel(stackOf(args.urn));
        if (args.type === types.ecsService) {
            // Auto-naming gives `<logical name>-<7 hex digits>`; a fixed name is the one thing it never gives.
            const autoNamed = new RegExp(`^${args.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[0-9a-f]{7}$`);
            return [props.name === undefined || autoNamed.test(props.name) ? undefined
                : `name ${JSON.stringify(props.name)}: expected no name, so that Pulumi auto-names the service (a fixed name collides with another stack's and blocks a replacement)`];
        }
        if (args.type === types.privateDnsNamespace) {
            return [String(props.name).split(".").includes(stack) ? undefined : `name ${JSON.stringify(props.name)}: expected a label of the stack's name, ${stack}, in the zone's name`];
        }
        const { input, startsWith } = stackScopedNames[args.type];
        const value = props[input];
        return [value === undefined || String(value).startsWith(startsWith(stack)) ? undefined
            : `${input} ${JSON.stringify(value)}: expected a name beginning with ${JSON.stringify(startsWith(stack))}, unique to the stack in the account`];
    },
);

/** The task definition an ECS service runs. */
function taskDefinitionOf(service: PolicyResource): PolicyResource | undefined {
    return sources(service, "taskDefinition").find((r) => r.type === types.taskDefinition);
}

export const ecsServicesWaitForPermissions: StackValidationPolicy = stackPolicy(
    "ecs-services-wait-for-permissions",
    "An ECS service is created only once every policy of its task's roles, and of the EFS file systems its tasks mount, is in place: a first task started before IAM has them fails and counts against the circuit breaker.",
    (resources) => resources.filter((r) => r.type === types.ecsService).flatMap((service) => {
        const task = taskDefinitionOf(service);
        if (task === undefined) return [];
        const roles = [...sources(task, "executionRoleArn"), ...sources(task, "taskRoleArn")].map((r) => r.urn);
        const fileSystems = sources(task, "volumes").filter((r) => r.type === types.efsFileSystem).map((r) => r.urn);
        const needed = resources.filter((r) =>
            (r.type === types.rolePolicy && sources(r, "role").some((role) => roles.includes(role.urn)))
            || (r.type === types.efsFileSystemPolicy && sources(r, "fileSystemId").some((fs) => fileSystems.includes(fs.urn))));
        const waited = awaited(service);
        return needed.filter((policy) => !waited.has(policy.urn))
            .map((policy) => ({ resource: service, message: `starts without waiting for ${policy.type} ${policy.name}` }));
    }),
);

export const awsApiPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    securityGroupDescriptions,
    cloudMapCustomHealthCheck,
    ecsEnvironmentValues,
    fargateTaskSizes,
    s3BucketNames,
    s3BucketKeys,
    s3LifecycleRules,
    vpcCidrBlocks,
    openSearchZoneAwareness,
    cloudWatchSettings,
    stackUniqueNames,
    ecsServicesWaitForPermissions,
];
