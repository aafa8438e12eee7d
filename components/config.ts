/**
 * The stack configuration as one schema: every key dle reads (`pulumi config set dle:<key> <value>`), with its type,
 * default, what it is, which target reads it, and what it must be. From the schema come the TypeScript types of the
 * config (StackConfig), the error a bad value stops `pulumi preview` with (naming the key and what it expected), the
 * tables of docs/configuration.md and the `config:` declarations of Pulumi.yaml (components/config-reference.ts
 * renders both; tests/unit/config-reference.test.ts checks them). The API constraints a value must meet are
 * components/constraints.ts's, the one copy that the policy pack uses too.
 */
import { z } from "zod";
import {
    Constraint, acmDomainName, albCertificateArn, route53HostedZoneId, cloudWatchLogRetention, cloudWatchLogRetentionDays, documentDbEngineVersion, documentDbInstanceClass, documentDbInstanceCount,
    ecsEnvironmentValue, fargateEphemeralStorageGib, fargateMemoryByCpu, fargateMemoryInWords, iamPrincipalArn, imageTag, mongoName,
    openSearchEngineVersion, openSearchInstanceType, pinnedImage, rdsInstanceClass, rdsPostgresDatabaseName, s3BucketName, s3BucketPrefix, s3BucketPrefixMaxLength, s3KeyPrefix,
    s3StandardIaTransitionDays, searchIndexPrefix, securityGroupIdPattern, snsEmailEndpoint, subnetIdPattern, tcpPort, vpcCidrBlock,
    vpcIdPattern,
} from "./constraints";

/** Where a stack deploys. */
export const targets = ["local", "aws"] as const;
export type Target = (typeof targets)[number];

/**
 * Where each forwarder's file buffers live on AWS: an EFS file system, which outlives the task, so a replacement
 * task takes up the chunks the old one acknowledged but had not delivered; or the task's ephemeral storage, which
 * dies with the task (cheaper: no EFS throughput charges).
 */
export const forwarderBufferStorages = ["efs", "ephemeral"] as const;
export type ForwarderBufferStorage = (typeof forwarderBufferStorages)[number];

/**
 * CloudWatch Container Insights on the ECS cluster (FSBP ECS.12 asks for it on): `enhanced` adds task and container
 * metrics to `enabled`'s cluster and service ones. The values ECS's ClusterSetting takes (Amazon ECS API reference,
 * ClusterSetting value).
 */
export const containerInsightsModes = ["enhanced", "enabled", "disabled"] as const;
export type ContainerInsightsMode = (typeof containerInsightsModes)[number];

/**
 * The sinks a forwarder can copy every event to: the store (MongoDB / DocumentDB), the search index (Elasticsearch /
 * OpenSearch), the archive (S3), sql (PostgreSQL / Amazon RDS for PostgreSQL) and cloudwatch (CloudWatch Logs, AWS only).
 */
export const sinkNames = ["store", "search", "archive", "sql", "cloudwatch"] as const;
export type SinkName = (typeof sinkNames)[number];
/** The sinks only the aws stack has, and why, for the error that refuses them locally. */
const awsOnlySinks: Partial<Record<SinkName, string>> = { cloudwatch: "CloudWatch Logs is AWS only" };
/**
 * The PostgreSQL major of the sql sink, on both targets: RDS's engine version and parameter group family, the local
 * image's tag (dle:postgresImage), and the tests' server (Debian trixie's postgresql-17).
 */
export const postgresMajor = "17";
/** The sinks every stack has, whatever else dle:sinks adds. */
export const requiredSinks: readonly SinkName[] = ["store", "search", "archive"];
/** The sinks the local stack has. */
export const localSinkNames = sinkNames.filter((name) => awsOnlySinks[name] === undefined);

/** The sections of docs/configuration.md, in its order. */
export const configSections = ["Where the stack deploys", "Images", "Ports", "Failover and flushing", "The sinks", "The canary", "AWS only"] as const;

/** One key of the stack config. */
interface KeySpec<T> {
    /** The value a stack that does not set the key gets, as `pulumi config` holds it. */
    default: string;
    /** What it is (Markdown), for docs/configuration.md and, without the Markdown, Pulumi.yaml. */
    description: string;
    /** Which target reads it. */
    target: Target | "both";
    section: (typeof configSections)[number];
    /** Reads the raw value; a failed check's message says what the key expected. */
    schema: z.ZodType<T, string>;
}

// The kinds of value, each a schema from the raw string, whose failure message completes "expected …".
const text = (constraint: Constraint<string>) => z.string().refine((v) => constraint.test(v), { error: constraint.expected });
const choice = <T extends string>(allowed: readonly T[]) =>
    z.string().refine((v): v is T => (allowed as readonly string[]).includes(v), { error: `one of ${allowed.map((a) => `"${a}"`).join(", ")}` })
        .transform((v) => v as T);
const integer = (min: number, max: number, expected: string) =>
    z.string().refine((v) => /^-?\d+$/.test(v.trim()) && Number(v) >= min && Number(v) <= max, { error: expected }).transform(Number);
const oneOf = (allowed: readonly number[], expected: string) =>
    z.string().refine((v) => /^-?\d+$/.test(v.trim()) && allowed.includes(Number(v)), { error: expected }).transform(Number);
const port = integer(1, 65535, tcpPort.expected);
/** fluentd's time parameters take fractions: the failover's figures are below a second. */
const duration = (max: number) => z.string()
    .refine((v) => /^\d+(\.\d{1,3})?$/.test(v.trim()) && Number(v) >= 0.1 && Number(v) <= max, { error: `a number of seconds from 0.1 to ${max}, with at most 3 decimals (like "0.5")` })
    .transform(Number);
const seconds = (max = 86400) => integer(1, max, `a positive whole number of seconds (at most ${max})`);
const days = integer(1, 36500, "a whole number of days from 1 to 36500");
const boolean = z.string().refine((v) => v === "true" || v === "false", { error: "true or false" }).transform((v) => v === "true");
/** Empty (none, or what `emptyMeans`) or a value meeting `constraint`. */
const optional = (constraint: Constraint<string>, emptyMeans?: string) => z.string()
    .refine((v) => v === "" || constraint.test(v), { error: `empty${emptyMeans ? ` (${emptyMeans})` : ""} or ${constraint.expected}` })
    .transform((v) => (v === "" ? undefined : v));
/** A comma-separated list of distinct sinks, at least one, in the order given (spaces around the commas allowed). */
const sinkList = z.string()
    .transform((v) => v.split(",").map((name) => name.trim()))
    .refine((names) => names.every((name) => (sinkNames as readonly string[]).includes(name)) && new Set(names).size === names.length, {
        error: `a comma-separated list of distinct sinks, at least one, from ${sinkNames.map((n) => `"${n}"`).join(", ")} (like "store,search,archive")`,
    })
    .transform((names) => names as SinkName[]);
/** Read as it is; what it must be depends on other keys (see crossKeyRules). */
const raw = z.string();

const image = (description: string, target: Target | "both", fallback: string): KeySpec<string> =>
    ({ default: fallback, description, target, section: "Images", schema: text(pinnedImage) });
const publishedPort = (description: string, fallback: string): KeySpec<number> =>
    ({ default: fallback, description, target: "local", section: "Ports", schema: port });
const timing = <T>(description: string, fallback: string, schema: z.ZodType<T, string>): KeySpec<T> =>
    ({ default: fallback, description, target: "both", section: "Failover and flushing", schema });
const sink = <T>(description: string, fallback: string, schema: z.ZodType<T, string>): KeySpec<T> =>
    ({ default: fallback, description, target: "both", section: "The sinks", schema });
const canary = <T>(description: string, fallback: string, schema: z.ZodType<T, string>): KeySpec<T> =>
    ({ default: fallback, description, target: "both", section: "The canary", schema });
const aws = <T>(description: string, fallback: string, schema: z.ZodType<T, string>): KeySpec<T> =>
    ({ default: fallback, description, target: "aws", section: "AWS only", schema });

const fargateCpus = Object.keys(fargateMemoryByCpu).map(Number);

/**
 * Every key dle reads, in the order of docs/configuration.md. Kept flat so that `pulumi config set dle:<key>` is all a
 * user needs; parseStackConfig arranges the values for the program.
 */
export const configKeys = {
    target: { default: "local", description: "where the stack deploys: `local` (your Docker engine) or `aws`", target: "both", section: "Where the stack deploys", schema: choice(targets) } satisfies KeySpec<Target>,

    // Each image tag is the current patch of a supported line, as a stored copy of its source showed it (Renovate keeps
    // them current: renovate.json). The stable line (1.30) of docker-library/official-images library/nginx, 2026-08-22;
    // 1.28 left support in April 2026.
    nginxImage: image("the webapp's nginx (on AWS, the base of the image built from `components/webapp/Dockerfile`)", "both", "nginx:1.30.4-alpine"),
    // fluent/fluentd-docker-image README, December 2026: only v1.19 tags are published.
    fluentdImage: image("the official fluentd image that the project's fluentd image (`fluentd/Dockerfile`) is built FROM", "both", "fluent/fluentd:v1.19.3-debian-2.2"),
    // docker-library/repo-info repos/node/remote/24-alpine.md, 2026-08-27 (NODE_VERSION=24.20.0): 24 is the active LTS.
    nodeImage: image("the api's Node.js base image (`components/api/Dockerfile`)", "both", "node:24.20.0-alpine"),
    // The 8.0 line of official-images library/mongo, 2026-08-22 (7.0 reaches its end of life in August 2026).
    mongoImage: image("the store, MongoDB", "local", "mongo:8.0.29"),
    // The 8.19 line of official-images library/elasticsearch and library/kibana, 2026-08-22.
    elasticsearchImage: image("the search index, Elasticsearch", "local", "elasticsearch:8.19.20"),
    // Kibana refuses an Elasticsearch of another version: its tag must be elasticsearchImage's.
    kibanaImage: image("the dashboards, Kibana: its tag must be `dle:elasticsearchImage`'s (Kibana refuses another version)", "local", "kibana:8.19.20"),
    // The latest release tag of seaweedfs/seaweedfs, 2026-08-22.
    s3Image: image("the S3-compatible archive, SeaweedFS (MinIO stopped publishing community images in October 2025)", "local", "chrislusf/seaweedfs:4.44"),
    // The 17 line of official-images library/postgres (Tags: 17.11, 17, 17.11-trixie), as its 2026-08-21 snapshot showed
    // it: 17 is the major Debian trixie packages, which the tests run, and RDS's dle:sinks sql runs.
    postgresImage: image("the sql sink, PostgreSQL (with `sql` in `dle:sinks`): the major must be 17, the tests' and RDS's", "local", "postgres:17.11"),
    // The latest release tag of prometheus/prometheus (CHANGELOG: 3.14.0 / 2026-08-17); v3.13.3 was never released.
    prometheusImage: image("the monitoring's Prometheus", "local", "prom/prometheus:v3.14.0"),
    // grafana/grafana CHANGELOG, 13.2.0 (2026-08-18), as a Renovate pull request carried it.
    grafanaImage: image("the monitoring's Grafana", "local", "grafana/grafana:13.2.0"),
    // The latest release tag of prometheus/blackbox_exporter, July 2026.
    blackboxImage: image("the blackbox exporter that probes the webapp for Prometheus", "local", "prom/blackbox-exporter:v0.28.0"),
    // aws/amazon-cloudwatch-agent release 1.300072.0 (RELEASE_NOTES, #2244, 2026-08-11); the tag carries its build.
    cloudwatchAgentImage: image("the CloudWatch agent sidecar that scrapes each fluentd's metrics", "aws", "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300072.0b1766"),

    webappPort: publishedPort("the webapp", "8000"),
    searchPort: publishedPort("Elasticsearch", "9200"),
    archivePort: publishedPort("the S3 gateway", "9000"),
    storePort: publishedPort("MongoDB", "27017"),
    sqlPort: publishedPort("PostgreSQL (with `sql` in `dle:sinks`)", "5432"),
    agentPort: publishedPort("the log agent, where Docker's fluentd log driver reaches it", "24224"),
    kibanaPort: publishedPort("Kibana", "5601"),
    prometheusPort: publishedPort("Prometheus", "9090"),
    grafanaPort: publishedPort("Grafana", "3000"),

    // The failover's timing, measured by `npm run bench` (docs/benchmark.md has the figures). A dead primary is detached
    // at once, by its refused connections and failed acks (fluentd/plugins/out_dle_forward.rb); a hung or cut-off one
    // only by time: after failoverTimeoutSeconds without a good heartbeat or an ack. Heartbeats every 0.5 s, each
    // connection given 0.5 s: a hung primary's heartbeats fail one after the other on the heartbeat thread, so the
    // detach comes 1.5 to 2.5 s after the last sign of life. A busy primary is safe however slowly it answers a
    // handshake, as long as it acknowledges chunks (an ack counts as a heartbeat); an idle one answers in milliseconds.
    heartbeatIntervalSeconds: timing("seconds between the agent's heartbeats to each forwarder (0.1 to 60, fractions allowed, fewer than `dle:failoverTimeoutSeconds`)", "0.5", duration(60)),
    failoverTimeoutSeconds: timing("seconds without a good heartbeat or ack after which the agent detaches a hung or cut-off primary and sends to the standby (0.1 to 600); a dead one is detached at once ([failover](failover-and-durability.md#how-the-pair-fails-over))", "1.5", duration(600)),
    forwardConnectTimeoutSeconds: timing("seconds one connection to a forwarder (TCP, then TLS) may take, for a heartbeat or a chunk (0.1 to 60, fewer than `dle:failoverTimeoutSeconds`)", "0.5", duration(60)),
    recoverWaitSeconds: timing("seconds of good heartbeats before a recovered primary is used again (at most 600)", "3", seconds(600)),
    // A busy forwarder's ack may take seconds; one that times out detaches it and the chunk is sent again.
    ackTimeoutSeconds: timing("seconds the agent waits for a forwarder's ack before it resends the chunk: a busy forwarder's ack may take seconds (at most 600)", "20", seconds(600)),
    agentFlushSeconds: timing("seconds between the agent's flushes to the forwarders (at most 3600)", "1", seconds(3600)),
    // Each forwarder flush is a store insert and a bulk request; 0.5 s takes 0.5 s off every event's latency and off
    // the failover's gap (the secondary's first events wait for its first flush).
    forwarderFlushSeconds: timing("seconds between the forwarders' flushes to the store and the search index (0.1 to 3600, fractions allowed)", "0.5", duration(3600)),
    archiveSliceSeconds: timing("seconds of events one archive object may span; its key names the slice's hour (at most 86400)", "3600", seconds()),
    archiveFlushSeconds: timing("seconds between uploads of the current slice's new events, each as the next numbered object (at most 3600)", "10", seconds(3600)),
    // One process serves a forwarder up to about one core (docs/benchmark.md has the events/s per worker).
    forwarderWorkers: timing("fluentd worker processes per forwarder (1 to 16), each using up to one core; on AWS each needs a vCPU of `dle:forwarderCpu` ([the benchmark](benchmark.md))", "1", integer(1, 16, "a whole number of workers from 1 to 16")),

    sinks: sink("the sinks every event is copied to, comma-separated: `store` (MongoDB / DocumentDB), `search` (Elasticsearch / OpenSearch), `archive` (S3), `sql` (PostgreSQL / Amazon RDS for PostgreSQL), `cloudwatch` (CloudWatch Logs, aws only); `store`, `search` and `archive` are always among them (the canary, the dashboards and `npm run verify` read them), the others are deployed and written only when listed", "store,search,archive", sinkList),
    storeDatabase: sink("the store's database (letters, digits, `_`, `-`)", "applogs", text(mongoName)),
    storeCollection: sink("the store's collection, one for every log type", "docker", text(mongoName)),
    storeRetentionDays: sink("days a document is kept after its `@timestamp`: a TTL index, since DocumentDB has no capped collections ([log types](log-types.md#retention-in-the-store))", "30", days),
    sqlDatabase: sink("the sql sink's database, whose table `logs` the forwarders create ([the sql sink](sinks.md#the-sql-sink-postgresql))", "applogs", text(rdsPostgresDatabaseName)),
    searchIndexPrefix: sink("daily indices are `<prefix>-YYYY.MM.DD`; also the dashboards' data view `<prefix>-*`", "logstash", text(searchIndexPrefix)),
    searchRetentionDays: sink("days an index is kept: an ILM policy on Elasticsearch, an ISM policy on OpenSearch", "30", days),
    archiveBucket: sink("the archive's bucket; on AWS the prefix of `<archiveBucket>-<suffix>`, since bucket names are global, so at most 36 characters there (S3's `bucketPrefix` allows 37)", "applogs", text(s3BucketName)),
    archiveKeyPrefix: sink("objects are written as `<keyPrefix><UTC date>/<hour>_<forwarder>_<n>.gz` (ending in `/`; empty only locally: ECS drops an empty environment variable)", "logs/", text(s3KeyPrefix)),

    canary: canary("whether the stack runs the canary (`true` or `false`); without it, no canary alerts or panels have data", "true", boolean),
    canaryIntervalSeconds: canary("seconds between two canary events (at most 3600)", "1", seconds(3600)),
    // The archive's events take up to dle:archiveFlushSeconds (10 s) more than the others' 1 to 3 s; a minute leaves
    // room for a busy pipeline, so that only a real loss (or a backlog of minutes) counts as missing.
    canaryWaitSeconds: canary("seconds an event may take to reach a sink before it counts as missing there (at most 86400); more than `dle:archiveFlushSeconds` plus `dle:agentFlushSeconds`, since the archive uploads its events that often", "60", seconds()),

    // An empty awsVpcId creates a VPC with awsVpcCidr; the three network keys are checked together (crossKeyRules).
    awsVpcId: aws("an existing VPC to deploy into; empty creates a VPC with `dle:awsVpcCidr`", "", optional(vpcIdPattern, "create a VPC")),
    awsVpcCidr: aws("the new VPC's IPv4 CIDR block, /16 to /24, its address the network's (`10.40.0.1/16` is refused, as EC2 refuses it)", "10.40.0.0/16", raw),
    awsPublicSubnetIds: aws("with `dle:awsVpcId`: at least two distinct comma-separated public subnet IDs in different AZs (the load balancer's)", "", raw),
    awsPrivateSubnetIds: aws("with `dle:awsVpcId`: exactly two distinct comma-separated private subnet IDs in different AZs (the tasks' and data services'; the OpenSearch domain takes one per zone of its two)", "", raw),
    // FSBP ELB.1: without a certificate the stack serves plain HTTP and says so (the output webappTransport).
    albCertificateArn: aws("the load balancer's certificate (ACM, for the name users reach the page by): HTTPS on 443 with TLS 1.2 and 1.3, and 80 redirecting to it; empty serves plain HTTP on 80, unless `dle:albDomainName` is set ([HTTPS](aws.md#https))", "", optional(albCertificateArn, "plain HTTP")),
    // The other way to HTTPS: the stack requests the certificate itself and validates it in the user's zone.
    albDomainName: aws("with `dle:albHostedZoneId`, instead of `dle:albCertificateArn`: the name users reach the page by, in that Route 53 zone; the stack requests an ACM certificate for it (DNS validation), serves HTTPS with it and points the name at the load balancer ([HTTPS](aws.md#https))", "", optional(acmDomainName, "none")),
    albHostedZoneId: aws("with `dle:albDomainName`: the ID of the Route 53 public hosted zone it is in, where the stack writes the certificate's validation record and the name's alias record", "", optional(route53HostedZoneId, "none")),
    webappTasks: aws("webapp tasks (nginx, the api and the log agent) behind the load balancer (1 to 100)", "2", integer(1, 100, "a whole number of tasks from 1 to 100")),
    forwarderCpu: aws(`Fargate CPU units of each forwarder task: ${fargateCpus.join(", ").replace(/, (\d+)$/, " or $1")}`, "512",
        oneOf(fargateCpus, `Fargate CPU units: ${fargateCpus.join(", ").replace(/, (\d+)$/, " or $1")}`)),
    forwarderMemoryMb: aws(`MiB of memory of each forwarder task, one Fargate allows with its CPU (with 512: ${fargateMemoryInWords(512)})`, "1024",
        integer(1, Number.MAX_SAFE_INTEGER, "a whole number of MiB")),
    forwarderBufferStorage: aws("where each forwarder task's file buffers live: `efs` (an EFS directory per role, outliving the task) or `ephemeral` (the task's own storage) ([the aws stack](aws.md#forwarder-buffers-efs-or-the-tasks-ephemeral-storage))", "efs", choice(forwarderBufferStorages)),
    // Security Hub's EFS.2 (AWS Foundational Security Best Practices) asks for it.
    forwarderBufferBackup: aws("AWS Backup's daily backups of the buffers' EFS file system (with `efs`)", "true", boolean),
    forwarderEphemeralStorageGb: aws(`GiB of ephemeral storage of each forwarder task, where its file buffers live with \`dle:forwarderBufferStorage ephemeral\` (${fargateEphemeralStorageGib.min} to ${fargateEphemeralStorageGib.max})`, "30",
        integer(fargateEphemeralStorageGib.min, fargateEphemeralStorageGib.max, `GiB of Fargate ephemeral storage from ${fargateEphemeralStorageGib.min} to ${fargateEphemeralStorageGib.max}`)),
    containerInsights: aws("CloudWatch Container Insights on the ECS cluster: `enhanced` (task and container metrics too), `enabled` (cluster and service metrics) or `disabled`; CloudWatch bills its metrics and performance logs ([cost](aws.md#container-insights))", "enhanced", choice(containerInsightsModes)),
    documentDbEngineVersion: aws("the store's DocumentDB engine version, pinned", "5.0.0", text(documentDbEngineVersion)),
    documentDbInstanceClass: aws("the DocumentDB instance class", "db.t3.medium", text(documentDbInstanceClass)),
    documentDbInstances: aws("DocumentDB instances (1 to 16)", "2", integer(1, 16, documentDbInstanceCount.expected)),
    // Security Hub's DocumentDB.5 (FSBP) asks for deletion protection; a throwaway stack switches both off.
    documentDbDeletionProtection: aws("DocumentDB deletion protection: while `true`, AWS refuses to delete the cluster and `npm run destroy:aws` stops before deleting anything; set `false` and deploy to destroy the stack ([destroy](aws.md#destroy))", "true", boolean),
    documentDbFinalSnapshot: aws("a final snapshot of the DocumentDB cluster when it is deleted, named `dle-<stack>-store-final-<suffix>` (the stack output `storeFinalSnapshot`); `false` for a throwaway stack ([destroy](aws.md#destroy))", "true", boolean),
    rdsInstanceClass: aws("the sql sink's RDS for PostgreSQL instance class (with `sql` in `dle:sinks`)", "db.t4g.small", text(rdsInstanceClass)),
    rdsMultiAz: aws("the sql sink's RDS instance as Multi-AZ (a standby in the second AZ, FSBP RDS.5), at twice the instance cost; one instance when `false`", "false", boolean),
    rdsStorageGb: aws("GiB of gp3 storage of the sql sink's RDS instance (20 to 65536); storage autoscaling may grow it to ten times this", "20", integer(20, 65536, "GiB of RDS gp3 storage from 20 to 65536")),
    // FSBP RDS.8 asks for deletion protection; a throwaway stack switches both off, as DocumentDB's.
    rdsDeletionProtection: aws("the sql sink's RDS deletion protection: while `true`, AWS refuses to delete the instance; set `false` and deploy to destroy the stack", "true", boolean),
    rdsFinalSnapshot: aws("a final snapshot of the sql sink's RDS instance when it is deleted, named `dle-<stack>-sql-final-<suffix>`; `false` for a throwaway stack", "true", boolean),
    openSearchEngineVersion: aws("the search domain's engine version, pinned", "OpenSearch_2.19", text(openSearchEngineVersion)),
    openSearchInstanceType: aws("the OpenSearch data nodes' instance type", "t3.small.search", text(openSearchInstanceType)),
    // Even counts only: the domain spreads its nodes evenly over the two AZs (zone awareness).
    openSearchInstances: aws("data nodes: an even number from 2 to 10, spread evenly over two AZs", "2", oneOf([2, 4, 6, 8, 10], "an even number of data nodes from 2 to 10 (one per AZ, alike)")),
    openSearchVolumeGb: aws("GiB of EBS storage per node (10 to 1024)", "10", integer(10, 1024, "GiB of EBS storage per node from 10 to 1024")),
    logRetentionDays: aws("days CloudWatch Logs keeps the containers' logs (a retention CloudWatch accepts)", "30", oneOf(cloudWatchLogRetentionDays, cloudWatchLogRetention.expected)),
    cloudwatchRetentionDays: aws("days CloudWatch Logs keeps the cloudwatch sink's log groups (with `cloudwatch` in `dle:sinks`; a retention CloudWatch accepts)", "30", oneOf(cloudWatchLogRetentionDays, cloudWatchLogRetention.expected)),
    archiveVersioning: aws("S3 versioning of the archive bucket (`true` or `false`)", "false", boolean),
    archiveTransitionDays: aws("days until archive objects move to STANDARD_IA (S3's minimum is 30)", "30", integer(30, 36500, s3StandardIaTransitionDays.expected)),
    archiveExpirationDays: aws("days until archive objects are deleted; more than `dle:archiveTransitionDays`", "365", days),
    verifierPrincipalArn: aws("an IAM principal allowed to read the search indices and open the Dashboards (the verification suite's); none when empty", "", optional(iamPrincipalArn)),
    verifierSecurityGroupId: aws("a security group (e.g. a bastion's) allowed into DocumentDB and OpenSearch; none when empty", "", optional(securityGroupIdPattern)),
    // https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem as served in March 2026 (102 CAs).
    rdsCaBundleSha256: aws("SHA-256 of the Amazon RDS CA bundle that the aws image's build downloads (as AWS served it in March 2026); the build stops if AWS serves another ([aws](aws.md#prerequisites))",
        "05c6b4a9bf4daa95c888711481e19cc8e2e11aed4de8db759f51f4a6fce64917",
        z.string().refine((v) => /^[0-9a-f]{64}$/.test(v), { error: "a SHA-256 checksum of 64 lowercase hex digits (`sha256sum global-bundle.pem`)" })),
    alarmEmail: aws("an e-mail address the alarms' SNS topic sends to (it must confirm the subscription); none when empty", "", optional(snsEmailEndpoint)),
} as const;

export type ConfigKey = keyof typeof configKeys;
/** Every key's default, as `pulumi config` holds it. */
export const defaults = Object.fromEntries(Object.entries(configKeys).map(([key, spec]) => [key, spec.default])) as { readonly [K in ConfigKey]: (typeof configKeys)[K]["default"] };

/** Every key's value, read and checked on its own. */
type KeyValues = { [K in ConfigKey]: z.output<(typeof configKeys)[K]["schema"]> };

/** A stack config value that dle cannot use. The message names the key and what it expected. */
export class ConfigError extends Error {
    constructor(readonly key: ConfigKey, expected: string, got: string) {
        super(`Invalid stack config \`dle:${key}\`: expected ${expected}, got ${JSON.stringify(got)}.`);
        this.name = "ConfigError";
    }
}

/** Reads one raw value; `undefined` when the stack does not set it. */
export type ConfigSource = (key: ConfigKey) => string | undefined;

/** The aws stack's archive bucket is named `<dle:archiveBucket>-<unique suffix>`: bucket names are global. */
export const archiveBucketPrefix = (bucket: string): string => `${bucket}-`;

/** An image reference's tag (every pin has one: the image keys check it first). */
const tagOf = (image: string): string => imageTag(image) ?? "";

/** The comma-separated subnet IDs of a key, or why they are not what the key expects. */
function subnetIds(value: string, count: { atLeast: number } | { exactly: number }): string[] | undefined {
    const ids = value.split(",").map((id) => id.trim());
    const enough = "exactly" in count ? ids.length === count.exactly : ids.length >= count.atLeast;
    return enough && new Set(ids).size === ids.length && ids.every((id) => subnetIdPattern.test(id)) ? ids : undefined;
}

/** A rule over several keys: what `key` expected when the values break it, else undefined. */
interface CrossKeyRule {
    key: ConfigKey;
    expected: (v: KeyValues) => string | undefined;
}

const publishedPorts = ["webappPort", "searchPort", "archivePort", "storePort", "sqlPort", "agentPort", "kibanaPort", "prometheusPort", "grafanaPort"] as const;

/** The rules that relate keys to each other, in the order they are checked once every key has passed on its own. */
const crossKeyRules: CrossKeyRule[] = [
    { key: "sinks", expected: (v) => {
        const awsOnly = v.target === "local" ? v.sinks.find((name) => awsOnlySinks[name] !== undefined) : undefined;
        return awsOnly === undefined ? undefined
            : `sinks the local stack has (${localSinkNames.join(", ")}): ${awsOnlySinks[awsOnly]}; it needs dle:target aws`;
    } },
    // The canary, the dashboards (on the search index) and npm run verify read these three on every stack.
    { key: "sinks", expected: (v) => {
        const missing = requiredSinks.filter((name) => !v.sinks.includes(name));
        return missing.length === 0 ? undefined
            : `a list that includes ${requiredSinks.join(", ")} (missing: ${missing.join(", ")}): the canary, the dashboards and npm run verify read them on every stack`;
    } },
    // The VPC is cut into four equal subnets (/+2): from /24 on, the smallest is a /26.
    { key: "awsVpcCidr", expected: (v) => v.awsVpcId === undefined && (!vpcCidrBlock.test(v.awsVpcCidr) || Number(v.awsVpcCidr.split("/")[1]) > 24)
        ? "an IPv4 CIDR block from /16 to /24 whose address is the network's (no host bits), like \"10.40.0.0/16\"" : undefined },
    // The load balancer needs subnets in two AZs at least.
    { key: "awsPublicSubnetIds", expected: (v) => v.awsVpcId !== undefined && subnetIds(v.awsPublicSubnetIds, { atLeast: 2 }) === undefined
        ? "at least two distinct comma-separated subnet IDs in different AZs when dle:awsVpcId is set" : undefined },
    // OpenSearch takes exactly one subnet per zone of the domain, which spans two.
    { key: "awsPrivateSubnetIds", expected: (v) => v.awsVpcId !== undefined && subnetIds(v.awsPrivateSubnetIds, { exactly: 2 }) === undefined
        ? "exactly two distinct comma-separated subnet IDs, in different AZs, when dle:awsVpcId is set (the OpenSearch domain spans two zones and takes one subnet per zone)" : undefined },
    // HTTPS one way or the other: a certificate of the user's, or a name and its zone for the stack's own certificate.
    { key: "albHostedZoneId", expected: (v) => (v.albDomainName === undefined) === (v.albHostedZoneId === undefined) ? undefined
        : v.albDomainName === undefined ? "empty without dle:albDomainName: set both (a name in the zone) or neither"
            : `the hosted zone of dle:albDomainName (${v.albDomainName}): set both or neither` },
    { key: "albCertificateArn", expected: (v) => v.albCertificateArn !== undefined && v.albDomainName !== undefined
        ? "empty when dle:albDomainName is set: either your certificate or the one the stack requests for the name, not both" : undefined },
    // A worker is one Ruby process: it uses up to a core, and workers sharing less than a vCPU each only add memory.
    { key: "forwarderWorkers", expected: (v) => v.target === "aws" && v.forwarderWorkers > 1 && v.forwarderCpu < 1024 * v.forwarderWorkers
        ? `at most dle:forwarderCpu / 1024 (${Math.max(1, Math.floor(v.forwarderCpu / 1024))} with ${v.forwarderCpu} CPU units) on the aws stack, or dle:forwarderCpu ${Math.min(16384, 1024 * v.forwarderWorkers)} or more: each worker is a process that uses up to one vCPU` : undefined },
    { key: "forwarderMemoryMb", expected: (v) => fargateMemoryByCpu[v.forwarderCpu].includes(v.forwarderMemoryMb)
        ? undefined : `MiB of memory that Fargate allows with ${v.forwarderCpu} CPU units (${fargateMemoryInWords(v.forwarderCpu)})` },
    { key: "archiveExpirationDays", expected: (v) => v.archiveExpirationDays > v.archiveTransitionDays
        ? undefined : `more days than dle:archiveTransitionDays (${v.archiveTransitionDays})` },
    { key: "heartbeatIntervalSeconds", expected: (v) => v.heartbeatIntervalSeconds < v.failoverTimeoutSeconds
        ? undefined : `fewer seconds than dle:failoverTimeoutSeconds (${v.failoverTimeoutSeconds}), or a dead primary is never detected in time` },
    { key: "forwardConnectTimeoutSeconds", expected: (v) => v.forwardConnectTimeoutSeconds < v.failoverTimeoutSeconds
        ? undefined : `fewer seconds than dle:failoverTimeoutSeconds (${v.failoverTimeoutSeconds}): each heartbeat to a hung forwarder waits this long, and the detach needs more than one` },
    // Each archive object holds up to dle:archiveFlushSeconds of events: a shorter wait counts them missing before they can arrive.
    { key: "canaryWaitSeconds", expected: (v) => v.canaryWaitSeconds > v.archiveFlushSeconds + v.agentFlushSeconds
        ? undefined : `more seconds than dle:archiveFlushSeconds plus dle:agentFlushSeconds (${v.archiveFlushSeconds + v.agentFlushSeconds}): the archive uploads its events that often, so a shorter wait counts them missing before they can arrive (or turn the canary off: dle:canary false)` },
    // The forwarders read ARCHIVE_KEY_PREFIX, and an ECS task gets no variable whose value is empty.
    { key: "archiveKeyPrefix", expected: (v) => v.target === "aws" && !ecsEnvironmentValue.test(v.archiveKeyPrefix)
        ? "a key prefix ending in / on the aws stack, like \"logs/\" (ECS drops an empty environment variable, and the forwarders need ARCHIVE_KEY_PREFIX)" : undefined },
    { key: "archiveBucket", expected: (v) => v.target === "aws" && !s3BucketPrefix.test(archiveBucketPrefix(v.archiveBucket))
        ? `at most ${s3BucketPrefixMaxLength - archiveBucketPrefix("").length} characters on the aws stack (the bucket is named <archiveBucket>-<suffix>, and S3's bucketPrefix allows ${s3BucketPrefixMaxLength})` : undefined },
    { key: "postgresImage", expected: (v) => tagOf(v.postgresImage).split(/[.-]/)[0] === postgresMajor
        ? undefined : `a PostgreSQL ${postgresMajor} image (like "postgres:${postgresMajor}.11"): RDS and the tests run ${postgresMajor}` },
    { key: "kibanaImage", expected: (v) => tagOf(v.kibanaImage) === tagOf(v.elasticsearchImage)
        ? undefined : `the tag of dle:elasticsearchImage (${tagOf(v.elasticsearchImage)}): Kibana runs only against its own version` },
    // No two parts publish on one port: the first of a clashing pair is the one named.
    ...publishedPorts.map((key): CrossKeyRule => ({
        key,
        expected: (v) => {
            const clash = publishedPorts.find((other) => other !== key && v[other] === v[key]);
            return clash === undefined ? undefined : `a port no other part publishes (dle:${clash} also uses it)`;
        },
    })),
];

/** The config as the program uses it, arranged by part, from values that passed every check. */
function arrange(v: KeyValues) {
    return {
        target: v.target,
        images: {
            /** The webapp's nginx image. */
            nginx: v.nginxImage,
            /** The official fluentd image the project's fluentd image is built FROM. */
            fluentd: v.fluentdImage,
            mongo: v.mongoImage,
            /** The local sql sink's PostgreSQL. */
            postgres: v.postgresImage,
            elasticsearch: v.elasticsearchImage,
            /** Kibana, at the same version as Elasticsearch. */
            kibana: v.kibanaImage,
            /** The local S3-compatible archive. */
            s3: v.s3Image,
            /** The api's Node.js base image (components/api/Dockerfile), on both targets. */
            node: v.nodeImage,
            prometheus: v.prometheusImage,
            grafana: v.grafanaImage,
            blackbox: v.blackboxImage,
            /** AWS monitoring: the CloudWatch agent sidecar that scrapes each fluentd's metrics. */
            cloudwatchAgent: v.cloudwatchAgentImage,
        },
        /** Host ports published on 127.0.0.1 by the local stack. */
        ports: {
            webapp: v.webappPort,
            search: v.searchPort,
            archive: v.archivePort,
            store: v.storePort,
            sql: v.sqlPort,
            /** Where Docker's fluentd log driver reaches the agent. */
            agent: v.agentPort,
            kibana: v.kibanaPort,
            prometheus: v.prometheusPort,
            grafana: v.grafanaPort,
        },
        /** How fast the agent gives up on the primary forwarder and comes back to it (fluentd out_forward). */
        failover: {
            heartbeatIntervalSeconds: v.heartbeatIntervalSeconds,
            /** Seconds without an answer after which the primary is detached and the standby takes over (the seed: 5). */
            hardTimeoutSeconds: v.failoverTimeoutSeconds,
            /** Seconds a connection to a forwarder (TCP, then TLS) may take: one heartbeat's or one send's, not the detach's. */
            connectTimeoutSeconds: v.forwardConnectTimeoutSeconds,
            recoverWaitSeconds: v.recoverWaitSeconds,
            ackTimeoutSeconds: v.ackTimeoutSeconds,
        },
        flush: {
            agentSeconds: v.agentFlushSeconds,
            forwarderSeconds: v.forwarderFlushSeconds,
            archiveSliceSeconds: v.archiveSliceSeconds,
            archiveFlushSeconds: v.archiveFlushSeconds,
        },
        /** The sinks every event is copied to, as dle:sinks lists them: only these are created, monitored and read back. */
        sinks: v.sinks,
        /** fluentd worker processes per forwarder. */
        forwarderWorkers: v.forwarderWorkers,
        store: { database: v.storeDatabase, collection: v.storeCollection, retentionDays: v.storeRetentionDays },
        sql: { database: v.sqlDatabase },
        search: { indexPrefix: v.searchIndexPrefix, retentionDays: v.searchRetentionDays },
        archive: { bucket: v.archiveBucket, keyPrefix: v.archiveKeyPrefix },
        /** The canary (components/canary/): an event logged through the pipeline every interval, read back from every sink. */
        canary: {
            enabled: v.canary,
            /** Seconds between two canary events. */
            intervalSeconds: v.canaryIntervalSeconds,
            /** Seconds an event may take to reach a sink before it counts as missing there. */
            waitSeconds: v.canaryWaitSeconds,
        },
        /** Sizes and settings only the aws stack reads. */
        aws: {
            /** A new VPC, or an existing one with its subnets. */
            network: v.awsVpcId === undefined
                ? { kind: "new" as const, cidr: v.awsVpcCidr }
                : { kind: "existing" as const, vpcId: v.awsVpcId, publicSubnetIds: subnetIds(v.awsPublicSubnetIds, { atLeast: 2 })!, privateSubnetIds: subnetIds(v.awsPrivateSubnetIds, { exactly: 2 })! },
            /** The load balancer's certificate: HTTPS on 443 and 80 redirecting to it; plain HTTP when undefined. */
            albCertificateArn: v.albCertificateArn,
            /** The name the stack requests a certificate for (DNS validation in the zone) and points at the load balancer. */
            albDomain: v.albDomainName === undefined ? undefined : { name: v.albDomainName, hostedZoneId: v.albHostedZoneId! },
            /** Webapp tasks (nginx and its FireLens log agent) behind the load balancer. */
            webappTasks: v.webappTasks,
            /** Fargate CPU units of each forwarder task. */
            forwarderCpu: v.forwarderCpu,
            forwarderMemoryMb: v.forwarderMemoryMb,
            forwarderBufferStorage: v.forwarderBufferStorage,
            /** Fargate ephemeral storage of each forwarder task, where its file buffers live with `ephemeral` storage. */
            forwarderEphemeralStorageGb: v.forwarderEphemeralStorageGb,
            /** Whether AWS Backup backs up the buffers' EFS file system daily (`efs` storage only). */
            forwarderBufferBackup: v.forwarderBufferBackup,
            /** CloudWatch Container Insights on the ECS cluster (FSBP ECS.12). */
            containerInsights: v.containerInsights,
            documentDb: {
                engineVersion: v.documentDbEngineVersion, instanceClass: v.documentDbInstanceClass, instances: v.documentDbInstances,
                /** Whether AWS refuses to delete the cluster (FSBP DocumentDB.5). */
                deletionProtection: v.documentDbDeletionProtection,
                /** Whether deleting the cluster leaves a final snapshot. */
                finalSnapshot: v.documentDbFinalSnapshot,
            },
            /** The sql sink's RDS for PostgreSQL instance (with `sql` in dle:sinks). */
            rds: {
                instanceClass: v.rdsInstanceClass, multiAz: v.rdsMultiAz, storageGb: v.rdsStorageGb,
                /** Whether AWS refuses to delete the instance (FSBP RDS.8). */
                deletionProtection: v.rdsDeletionProtection,
                finalSnapshot: v.rdsFinalSnapshot,
            },
            openSearch: { engineVersion: v.openSearchEngineVersion, instanceType: v.openSearchInstanceType, instances: v.openSearchInstances, volumeGb: v.openSearchVolumeGb },
            /** Days CloudWatch keeps the containers' logs. */
            logRetentionDays: v.logRetentionDays,
            /** Days CloudWatch keeps the cloudwatch sink's log groups (with `cloudwatch` in dle:sinks). */
            cloudwatchRetentionDays: v.cloudwatchRetentionDays,
            archive: { versioning: v.archiveVersioning, transitionDays: v.archiveTransitionDays, expirationDays: v.archiveExpirationDays },
            /** An IAM principal allowed to read the search indices (the verification suite's); none when undefined. */
            verifierPrincipalArn: v.verifierPrincipalArn,
            /** A security group (e.g. a bastion's) allowed into DocumentDB and OpenSearch; none when undefined. */
            verifierSecurityGroupId: v.verifierSecurityGroupId,
            /** SHA-256 of the Amazon RDS CA bundle the aws image's build downloads; the build stops if AWS serves another. */
            rdsCaBundleSha256: v.rdsCaBundleSha256,
            /** An e-mail address the alarms' SNS topic sends to (it must confirm the subscription); none when undefined. */
            alarmEmail: v.alarmEmail,
        },
    };
}

/** The typed stack config, as the schema arranges it. */
export type StackConfig = ReturnType<typeof arrange>;
export type AwsSettings = StackConfig["aws"];
/** The aws stack's network: a new VPC, or an existing one with its subnets. */
export type AwsNetwork = AwsSettings["network"];
export type CanarySettings = StackConfig["canary"];

/**
 * Parses and validates the whole stack config: every key on its own, in the schema's order, then the rules between
 * keys. Throws a {@link ConfigError} on the first bad key.
 */
export function parseStackConfig(source: ConfigSource): StackConfig {
    const rawValues = Object.fromEntries((Object.keys(configKeys) as ConfigKey[]).map((key) => [key, source(key) ?? defaults[key]])) as Record<ConfigKey, string>;
    const shape = Object.fromEntries(Object.entries(configKeys).map(([key, spec]) => [key, spec.schema])) as { [K in ConfigKey]: (typeof configKeys)[K]["schema"] };
    const parsed = z.object(shape).safeParse(rawValues);
    if (!parsed.success) {
        const [issue] = parsed.error.issues;
        const key = issue.path[0] as ConfigKey;
        throw new ConfigError(key, issue.message, rawValues[key]);
    }
    const values = parsed.data as KeyValues;
    for (const rule of crossKeyRules) {
        const expected = rule.expected(values);
        if (expected !== undefined) throw new ConfigError(rule.key, expected, rawValues[rule.key]);
    }
    return arrange(values);
}
