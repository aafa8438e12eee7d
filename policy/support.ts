/**
 * What the policies share: resource type tokens, and the two shapes every policy here takes (one resource at a time,
 * or the whole stack). Policies match resources by their type token, so the pack needs no provider SDK.
 */
import { EnforcementLevel, PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Constraint } from "../components/constraints";

/** A resource's inputs as the engine hands them to a policy (secrets unwrapped). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = Record<string, any>;

/** The type tokens the policies look at. */
export const types = {
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    routeTableAssociation: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    internetGateway: "aws:ec2/internetGateway:InternetGateway",
    cloudMapService: "aws:servicediscovery/service:Service",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    ecsService: "aws:ecs/service:Service",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    bucket: "aws:s3/bucket:Bucket",
    bucketEncryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    bucketLifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    openSearchDomain: "aws:opensearch/domain:Domain",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    dashboard: "aws:cloudwatch/dashboard:Dashboard",
    privateDnsNamespace: "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
    lambdaFunction: "aws:lambda/function:Function",
    efsFileSystem: "aws:efs/fileSystem:FileSystem",
    efsBackupPolicy: "aws:efs/backupPolicy:BackupPolicy",
    efsAccessPoint: "aws:efs/accessPoint:AccessPoint",
    efsMountTarget: "aws:efs/mountTarget:MountTarget",
    efsFileSystemPolicy: "aws:efs/fileSystemPolicy:FileSystemPolicy",
    docdbCluster: "aws:docdb/cluster:Cluster",
    rdsInstance: "aws:rds/instance:Instance",
    rdsParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
    ecsCluster: "aws:ecs/cluster:Cluster",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    dockerContainer: "docker:index/container:Container",
    dockerImage: "docker:index/image:Image",
} as const;

/** Why `value` fails `constraint`, naming what it is; undefined when it passes. */
export function failing<T>(constraint: Constraint<T>, value: T, what: string): string | undefined {
    return constraint.test(value) ? undefined : `${what} ${JSON.stringify(value)}: expected ${constraint.expected} (${constraint.source})`;
}

/** Every violation `check` finds in one resource of one of `resourceTypes` (or of any type), reported against it. */
export function resourcePolicy(
    name: string,
    description: string,
    resourceTypes: readonly string[] | "every type",
    check: (props: Props, args: ResourceValidationArgs) => (string | undefined)[],
): ResourceValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: "mandatory",
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            if (resourceTypes !== "every type" && !resourceTypes.includes(args.type)) return;
            for (const message of check(args.props, args)) {
                if (message !== undefined) reportViolation(message);
            }
        },
    };
}

/**
 * Every violation `check` finds in the whole stack, each reported against the resource it names. `advisory` for a
 * control a documented config choice may leave unmet (a named exception): it warns and does not stop the update.
 */
export function stackPolicy(
    name: string,
    description: string,
    check: (resources: PolicyResource[]) => { resource: PolicyResource; message: string }[],
    enforcementLevel: EnforcementLevel = "mandatory",
): StackValidationPolicy {
    return {
        name,
        description,
        enforcementLevel,
        validateStack: (args, reportViolation) => {
            for (const { resource, message } of check(args.resources)) reportViolation(message, resource.urn);
        },
    };
}

/** The containers of an ECS task definition (its `containerDefinitions` is JSON). */
export function containerDefinitions(props: Props): Props[] {
    const definitions = props.containerDefinitions;
    return typeof definitions === "string" ? JSON.parse(definitions) as Props[] : [];
}

/** The stack a resource belongs to, from its URN (`urn:pulumi:<stack>::<project>::…`). */
export function stackOf(urn: string): string {
    return urn.slice("urn:pulumi:".length).split("::")[0];
}

/** The resources an input of `resource` comes from. */
export function sources(resource: PolicyResource, input: string): PolicyResource[] {
    return resource.propertyDependencies[input] ?? [];
}

/** Everything `resource` waits for, directly or through what it waits for. */
export function awaited(resource: PolicyResource): Set<string> {
    const seen = new Set<string>();
    const visit = (resources: PolicyResource[]) => resources.filter((r) => !seen.has(r.urn)).forEach((r) => {
        seen.add(r.urn);
        visit(r.dependencies);
    });
    visit(resource.dependencies);
    return seen;
}

/** Every string in a value, with its path. */
export function stringsIn(value: unknown, path = ""): { path: string; text: string }[] {
    if (typeof value === "string") return [{ path: path || "(value)", text: value }];
    if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, `${path}[${i}]`));
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => stringsIn(v, path ? `${path}.${k}` : k));
    }
    return [];
}
