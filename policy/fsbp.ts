/**
 * Controls of AWS Foundational Security Best Practices (Security Hub's standard), as the AWS Config rules behind them
 * check them, over the resources the program plans:
 * - EFS.1 (efs-encrypted-check): the file system is encrypted at rest;
 * - EFS.2 (efs-in-backup-plan): it is in a backup plan; its backup policy ENABLED puts it in AWS Backup's plan for
 *   EFS's automatic backups;
 * - EFS.3 (efs-access-point-enforce-root-directory): an access point sets a root directory other than /;
 * - EFS.4 (efs-access-point-enforce-user-identity): an access point sets a POSIX user;
 * - EFS.6 (efs-mount-target-public-accessible): a mount target is not in a public subnet. Config's rule looks only at
 *   whether the subnet assigns public IPs at launch, which this stack's public subnets do not; so a subnet whose route
 *   table sends traffic to an internet gateway counts as public here too. A subnet the program did not make (an existing
 *   VPC's, dle:awsPrivateSubnetIds) cannot be told apart: docs/aws.md asks for private ones, and the policy says nothing.
 * - DocumentDB.5 (docdb-cluster-deletion-protection-enabled): the cluster has deletion protection;
 * - ECS.12 (ecs-container-insights-enabled): the cluster has Container Insights on (`enabled` or `enhanced`);
 * - ELB.1 (alb-http-to-https-redirection-check): every HTTP listener of an Application Load Balancer redirects to HTTPS;
 * - Opensearch.4 (opensearch-logs-to-cloudwatch, logTypes error): the domain publishes its application (error) logs
 *   to a CloudWatch log group;
 * - Opensearch.5 (opensearch-audit-logging-enabled): the domain publishes its audit logs to a CloudWatch log group;
 * - ECS.5 (ecs-containers-readonly-access): every container of a task definition has a read-only root filesystem.
 * - RDS.2 (rds-instance-public-access-check): the DB instance is not publicly accessible;
 * - RDS.3 (rds-storage-encrypted): its storage is encrypted;
 * - RDS.5 (rds-multi-az-support): it is Multi-AZ;
 * - RDS.8 (rds-instance-deletion-protection-enabled): it has deletion protection;
 * - RDS.9 and RDS.36 (rds-logging-enabled, rds-postgresql-logs-to-cloudwatch): a PostgreSQL instance publishes its
 *   `postgresql` log to CloudWatch Logs;
 * - RDS.10 (rds-instance-iam-authentication-enabled): IAM database authentication is on;
 * - RDS.11 (db-instance-backup-enabled): automatic backups are on (a retention of at least a day);
 * - RDS.13 (rds-automatic-minor-version-upgrade-enabled): minor versions are upgraded automatically;
 * - RDS.17 (rds-instance-copy-tags-to-snapshots-enabled): its tags are copied to its snapshots;
 * - RDS.23: it does not listen on the engine's default port (5432);
 * - RDS.24: its administrator is not the engine's default one (postgres).
 * And, beside them, TLS required (rds-force-ssl): the instance's parameter group sets rds.force_ssl 1.
 * Resources are joined by the inputs that carry each other's IDs (a policy sees them before AWS has assigned any).
 *
 * The controls a documented config choice leaves unmet are advisory: each is a named exception, which a preview shows
 * as a warning without stopping the update. ELB.1 without dle:albCertificateArn (no certificate, no HTTPS), DocumentDB.5
 * with dle:documentDbDeletionProtection false (a throwaway stack), RDS.8 with dle:rdsDeletionProtection false, RDS.5
 * with dle:rdsMultiAz false (the default: one instance, half the cost), ECS.12 with dle:containerInsights disabled, and
 * Opensearch.5 always: audit logs need fine-grained access control, which the stack does not enable (docs/aws.md).
 * docs/aws.md lists them. The others are mandatory: no config leaves them unmet.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { containerDefinitions, sources, stackPolicy, types } from "./support";

const ofType = (resources: PolicyResource[], type: string) => resources.filter((r) => r.type === type);

/** Whether a subnet is public: it assigns public IPs at launch, or a route table associated with it leads to an internet gateway. */
function isPublic(resources: PolicyResource[], subnet: PolicyResource): boolean {
    if (subnet.props.mapPublicIpOnLaunch === true) return true;
    // A subnet without an association uses the VPC's main route table, which has only the local route unless a program
    // changes it (none of its routes are planned then).
    const tables = ofType(resources, types.routeTableAssociation)
        .filter((a) => sources(a, "subnetId").some((s) => s.urn === subnet.urn))
        .flatMap((a) => sources(a, "routeTableId"));
    return tables.some((table) => sources(table, "routes").some((target) => target.type === types.internetGateway));
}

export const efs1Encrypted = stackPolicy(
    "fsbp-efs-1-encrypted",
    "FSBP EFS.1: every EFS file system is encrypted at rest.",
    (resources) => ofType(resources, types.efsFileSystem).filter((fs) => fs.props.encrypted !== true)
        .map((fs) => ({ resource: fs, message: "EFS.1: not encrypted at rest (`encrypted` is not true)" })),
);

export const efs2Backup = stackPolicy(
    "fsbp-efs-2-backup",
    "FSBP EFS.2: every EFS file system is in a backup plan (its backup policy ENABLED).",
    (resources) => ofType(resources, types.efsFileSystem)
        .filter((fs) => !ofType(resources, types.efsBackupPolicy).some((p) =>
            sources(p, "fileSystemId").some((s) => s.urn === fs.urn) && p.props.backupPolicy?.status === "ENABLED"))
        .map((fs) => ({ resource: fs, message: "EFS.2: in no backup plan: no backup policy of it is ENABLED" })),
);

export const efs3RootDirectory = stackPolicy(
    "fsbp-efs-3-root-directory",
    "FSBP EFS.3: every EFS access point enforces a root directory other than /.",
    (resources) => ofType(resources, types.efsAccessPoint).filter((ap) => [undefined, "/"].includes(ap.props.rootDirectory?.path))
        .map((ap) => ({ resource: ap, message: "EFS.3: enforces no root directory (its path is /)" })),
);

export const efs4UserIdentity = stackPolicy(
    "fsbp-efs-4-user-identity",
    "FSBP EFS.4: every EFS access point enforces a POSIX user.",
    (resources) => ofType(resources, types.efsAccessPoint).filter((ap) => ap.props.posixUser?.uid === undefined || ap.props.posixUser?.gid === undefined)
        .map((ap) => ({ resource: ap, message: "EFS.4: enforces no user identity (no POSIX uid and gid)" })),
);

export const efs6PrivateMountTargets = stackPolicy(
    "fsbp-efs-6-private-mount-targets",
    "FSBP EFS.6: no EFS mount target is in a public subnet.",
    (resources) => ofType(resources, types.efsMountTarget).flatMap((mt) => {
        const subnet = sources(mt, "subnetId").find((r) => r.type === types.subnet);
        return subnet !== undefined && isPublic(resources, subnet) ? [{ resource: mt, message: `EFS.6: in the public subnet ${subnet.name}` }] : [];
    }),
);

export const documentDb5DeletionProtection = stackPolicy(
    "fsbp-documentdb-5-deletion-protection",
    "FSBP DocumentDB.5: every DocumentDB cluster has deletion protection (advisory: dle:documentDbDeletionProtection false is a named exception).",
    (resources) => ofType(resources, types.docdbCluster).filter((c) => c.props.deletionProtection !== true)
        .map((c) => ({ resource: c, message: "DocumentDB.5: deletion protection is off (dle:documentDbDeletionProtection false)" })),
    "advisory",
);

/** The values of ECS's containerInsights cluster setting that turn it on (Amazon ECS API reference, ClusterSetting). */
const containerInsightsOn = ["enabled", "enhanced"];

export const ecs12ContainerInsights = stackPolicy(
    "fsbp-ecs-12-container-insights",
    "FSBP ECS.12: every ECS cluster has Container Insights on (advisory: dle:containerInsights disabled is a named exception).",
    (resources) => ofType(resources, types.ecsCluster)
        .filter((c) => !((c.props.settings ?? []) as { name?: string; value?: string }[])
            .some((s) => s.name === "containerInsights" && containerInsightsOn.includes(s.value ?? "")))
        .map((c) => ({ resource: c, message: "ECS.12: Container Insights is off (no containerInsights setting enabled or enhanced; dle:containerInsights)" })),
    "advisory",
);

/** Whether a listener's default actions redirect to HTTPS. */
const redirectsToHttps = (listener: PolicyResource) => ((listener.props.defaultActions ?? []) as { type?: string; redirect?: { protocol?: string } }[])
    .some((a) => a.type === "redirect" && a.redirect?.protocol === "HTTPS");

export const elb1HttpsRedirect = stackPolicy(
    "fsbp-elb-1-https-redirect",
    "FSBP ELB.1: every HTTP listener of an Application Load Balancer redirects to HTTPS (advisory: a stack without dle:albCertificateArn serves plain HTTP, a named exception).",
    (resources) => ofType(resources, types.listener).flatMap((listener) => {
        // A listener's protocol defaults to HTTP for an Application Load Balancer; the provider's default type is application.
        const alb = sources(listener, "loadBalancerArn").find((r) => r.type === types.loadBalancer && (r.props.loadBalancerType ?? "application") === "application");
        const http = (listener.props.protocol ?? "HTTP") === "HTTP";
        return alb !== undefined && http && !redirectsToHttps(listener)
            ? [{ resource: listener, message: `ELB.1: the HTTP listener of ${alb.name} does not redirect to HTTPS (no dle:albCertificateArn: the stack serves plain HTTP)` }]
            : [];
    }),
    "advisory",
);

/** Whether a domain publishes logs of `logType` to a CloudWatch log group. */
const publishes = (domain: PolicyResource, logType: string) => ((domain.props.logPublishingOptions ?? []) as { logType?: string; cloudwatchLogGroupArn?: string; enabled?: boolean }[])
    .some((o) => o.logType === logType && o.enabled !== false && o.cloudwatchLogGroupArn !== undefined);

export const openSearch4ErrorLogs = stackPolicy(
    "fsbp-opensearch-4-error-logs",
    "FSBP Opensearch.4: every OpenSearch domain publishes its application (error) logs to CloudWatch Logs.",
    (resources) => ofType(resources, types.openSearchDomain).filter((d) => !publishes(d, "ES_APPLICATION_LOGS"))
        .map((d) => ({ resource: d, message: "Opensearch.4: publishes no application (error) logs to CloudWatch Logs (logPublishingOptions ES_APPLICATION_LOGS)" })),
);

export const openSearch5AuditLogs = stackPolicy(
    "fsbp-opensearch-5-audit-logs",
    "FSBP Opensearch.5: every OpenSearch domain publishes its audit logs to CloudWatch Logs (advisory: a named exception, audit logs need fine-grained access control).",
    (resources) => ofType(resources, types.openSearchDomain).filter((d) => !publishes(d, "AUDIT_LOGS"))
        .map((d) => ({ resource: d, message: "Opensearch.5: publishes no audit logs (they need fine-grained access control, which the stack does not enable: docs/aws.md)" })),
    "advisory",
);

export const ecs5ReadOnlyRootFilesystems = stackPolicy(
    "fsbp-ecs-5-read-only-root-filesystems",
    "FSBP ECS.5: every container of every ECS task definition has a read-only root filesystem (readonlyRootFilesystem true).",
    (resources) => ofType(resources, types.taskDefinition).flatMap((task) => containerDefinitions(task.props)
        .filter((c) => c.readonlyRootFilesystem !== true)
        .map((c) => ({ resource: task, message: `ECS.5: container ${c.name}'s root filesystem is writable (readonlyRootFilesystem is not true)` }))),
);

/** The sql sink's RDS instances' checks, each a control: what of `props` fails it, or undefined. */
const rdsInstanceControls: { name: string; control: string; description: string; fails: (props: PolicyResource["props"]) => string | undefined; advisory?: true }[] = [
    { name: "fsbp-rds-2-not-public", control: "RDS.2", description: "every RDS DB instance is not publicly accessible",
        fails: (p) => (p.publiclyAccessible === true ? "publicly accessible (`publiclyAccessible` true)" : undefined) },
    { name: "fsbp-rds-3-encrypted", control: "RDS.3", description: "every RDS DB instance's storage is encrypted",
        fails: (p) => (p.storageEncrypted !== true ? "storage not encrypted (`storageEncrypted` is not true)" : undefined) },
    { name: "fsbp-rds-5-multi-az", control: "RDS.5", description: "every RDS DB instance is Multi-AZ (advisory: dle:rdsMultiAz false, the default, is a named exception)",
        fails: (p) => (p.multiAz !== true ? "not Multi-AZ (dle:rdsMultiAz false: one instance)" : undefined), advisory: true },
    { name: "fsbp-rds-8-deletion-protection", control: "RDS.8", description: "every RDS DB instance has deletion protection (advisory: dle:rdsDeletionProtection false is a named exception)",
        fails: (p) => (p.deletionProtection !== true ? "deletion protection is off (dle:rdsDeletionProtection false)" : undefined), advisory: true },
    { name: "fsbp-rds-9-logs", control: "RDS.9/RDS.36", description: "every RDS for PostgreSQL instance publishes its postgresql log to CloudWatch Logs",
        fails: (p) => (p.engine === "postgres" && !(p.enabledCloudwatchLogsExports ?? []).includes("postgresql")
            ? "publishes no postgresql log to CloudWatch Logs (enabledCloudwatchLogsExports)" : undefined) },
    { name: "fsbp-rds-10-iam-authentication", control: "RDS.10", description: "every RDS DB instance has IAM database authentication on",
        fails: (p) => (p.iamDatabaseAuthenticationEnabled !== true ? "IAM database authentication is off" : undefined) },
    { name: "fsbp-rds-11-backups", control: "RDS.11", description: "every RDS DB instance has automatic backups (a retention of at least one day)",
        fails: (p) => (!(Number(p.backupRetentionPeriod) >= 1) ? `no automatic backups (backupRetentionPeriod ${JSON.stringify(p.backupRetentionPeriod)})` : undefined) },
    { name: "fsbp-rds-13-minor-upgrades", control: "RDS.13", description: "every RDS DB instance upgrades minor versions automatically",
        fails: (p) => (p.autoMinorVersionUpgrade === false ? "automatic minor version upgrades are off" : undefined) },
    { name: "fsbp-rds-17-copy-tags", control: "RDS.17", description: "every RDS DB instance copies its tags to its snapshots",
        fails: (p) => (p.copyTagsToSnapshot !== true ? "does not copy its tags to its snapshots (`copyTagsToSnapshot` is not true)" : undefined) },
    { name: "fsbp-rds-23-port", control: "RDS.23", description: "no RDS DB instance listens on its engine's default port",
        fails: (p) => (p.engine === "postgres" && [undefined, 5432].includes(p.port) ? "listens on PostgreSQL's default port 5432" : undefined) },
    { name: "fsbp-rds-24-admin", control: "RDS.24", description: "no RDS DB instance keeps its engine's default administrator name",
        fails: (p) => (p.engine === "postgres" && [undefined, "postgres"].includes(p.username) ? "its administrator is PostgreSQL's default, postgres" : undefined) },
];

export const rdsPolicies: StackValidationPolicy[] = rdsInstanceControls.map((c) => stackPolicy(
    c.name,
    `FSBP ${c.control}: ${c.description}.`,
    (resources) => ofType(resources, types.rdsInstance).flatMap((instance) => {
        const failure = c.fails(instance.props);
        return failure === undefined ? [] : [{ resource: instance, message: `${c.control}: ${failure}` }];
    }),
    ...(c.advisory ? ["advisory" as const] : []),
));

/**
 * Encryption in transit: a PostgreSQL instance's parameter group sets rds.force_ssl 1, so that RDS refuses a client
 * without TLS (RDS for PostgreSQL 15 and later default to it; the stack says so where a reader and this check see it).
 */
export const rdsForceSsl = stackPolicy(
    "rds-force-ssl",
    "Every RDS for PostgreSQL instance has a parameter group of the stack's that sets rds.force_ssl to 1.",
    (resources) => ofType(resources, types.rdsInstance).filter((i) => i.props.engine === "postgres").flatMap((instance) => {
        const group = sources(instance, "parameterGroupName").find((r) => r.type === types.rdsParameterGroup);
        const forced = ((group?.props.parameters ?? []) as { name?: string; value?: string }[]).some((p) => p.name === "rds.force_ssl" && p.value === "1");
        return forced ? [] : [{ resource: instance, message: "TLS is not required: its parameter group does not set rds.force_ssl 1" }];
    }),
);

export const fsbpPolicies: StackValidationPolicy[] = [
    efs1Encrypted, efs2Backup, efs3RootDirectory, efs4UserIdentity, efs6PrivateMountTargets,
    documentDb5DeletionProtection, ecs12ContainerInsights, elb1HttpsRedirect, openSearch4ErrorLogs, openSearch5AuditLogs,
    ecs5ReadOnlyRootFilesystems, ...rdsPolicies, rdsForceSsl,
];
