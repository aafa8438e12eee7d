/**
 * The typed stack configuration: the one place where dle's settings and their defaults live.
 *
 * Every key is read from the `dle` namespace of the stack config (`pulumi config set dle:<key> <value>`).
 * Both stacks read the same keys; `Pulumi.<stack>.yaml` sets only what differs from the defaults below.
 * A bad value fails `pulumi preview` with a {@link ConfigError} naming the key and what it expected.
 * docs/configuration.md lists every key with its default; tests/unit/config-reference.test.ts checks it against `defaults`.
 */

import {
    Constraint, cloudWatchLogRetention, cloudWatchLogRetentionDays, documentDbEngineVersion, documentDbInstanceClass, documentDbInstanceCount,
    ecsEnvironmentValue, fargateEphemeralStorageGib, fargateMemoryByCpu, fargateMemoryInWords, iamPrincipalArn, imageTag, mongoName,
    openSearchEngineVersion, openSearchInstanceType, pinnedImage, s3BucketName, s3BucketPrefix, s3BucketPrefixMaxLength, s3KeyPrefix,
    s3StandardIaTransitionDays, searchIndexPrefix, securityGroupIdPattern, snsEmailEndpoint, subnetIdPattern, tcpPort, vpcCidrBlock,
    vpcIdPattern,
} from "./constraints";

/** Where a stack deploys. */
export type Target = "local" | "aws";
export const targets: readonly Target[] = ["local", "aws"];

export interface Images {
    /** The webapp's nginx image. */
    nginx: string;
    /** The official fluentd image the project's fluentd image is built FROM. */
    fluentd: string;
    /** Local store. */
    mongo: string;
    /** Local search. */
    elasticsearch: string;
    /** Local dashboards: Kibana, at the same version as Elasticsearch. */
    kibana: string;
    /** Local S3-compatible archive. */
    s3: string;
    /** The api's Node.js base image (components/api/Dockerfile), on both targets. */
    node: string;
    /** Local monitoring: Prometheus, Grafana, and the blackbox exporter that probes the webapp. */
    prometheus: string;
    grafana: string;
    blackbox: string;
    /** AWS monitoring: the CloudWatch agent sidecar that scrapes each fluentd's metrics. */
    cloudwatchAgent: string;
}

/** Host ports published on 127.0.0.1 by the local stack. */
export interface Ports {
    webapp: number;
    search: number;
    archive: number;
    store: number;
    /** Where Docker's fluentd log driver reaches the agent. */
    agent: number;
    /** Kibana. */
    kibana: number;
    prometheus: number;
    grafana: number;
}

/** How fast the agent gives up on the primary forwarder and comes back to it (fluentd out_forward). */
export interface Failover {
    /** Seconds between heartbeats to each forwarder. */
    heartbeatIntervalSeconds: number;
    /** Seconds without an answer after which the primary is detached and the standby takes over (the seed: 5). */
    hardTimeoutSeconds: number;
    /** Seconds a connection to a forwarder (TCP, then TLS) may take: one heartbeat's or one send's, not the detach's. */
    connectTimeoutSeconds: number;
    /** Seconds of good heartbeats before a recovered primary is used again. */
    recoverWaitSeconds: number;
    /** Seconds the agent waits for a forwarder's ack before it resends the chunk. */
    ackTimeoutSeconds: number;
}

export interface Flush {
    /** Seconds between the agent's flushes to the forwarders. */
    agentSeconds: number;
    /** Seconds between the forwarders' flushes to MongoDB and Elasticsearch. */
    forwarderSeconds: number;
    /** Seconds of events an S3 object may span; its key names the slice's hour (the seed: 3600). */
    archiveSliceSeconds: number;
    /** Seconds between uploads of the current slice's new events, each as the next numbered object. */
    archiveFlushSeconds: number;
}

export interface StoreSettings {
    database: string;
    collection: string;
    /** Days a log document is kept (a TTL index: DocumentDB has no capped collections). */
    retentionDays: number;
}

export interface SearchSettings {
    /** Daily indices are `<prefix>-YYYY.MM.DD` (the seed: logstash). */
    indexPrefix: string;
    /** Days an index is kept (an ILM policy on Elasticsearch, an ISM policy on OpenSearch). */
    retentionDays: number;
}

export interface ArchiveSettings {
    bucket: string;
    /** Objects are written as `<keyPrefix><UTC date>/<hour>_<forwarder>_<n>.gz`. */
    keyPrefix: string;
}

/**
 * Where each forwarder's file buffers live on AWS: an EFS file system, which outlives the task, so a replacement
 * task takes up the chunks the old one acknowledged but had not delivered; or the task's ephemeral storage, which
 * dies with the task (cheaper: no EFS throughput charges).
 */
export type ForwarderBufferStorage = "efs" | "ephemeral";
export const forwarderBufferStorages: readonly ForwarderBufferStorage[] = ["efs", "ephemeral"];

/** The aws stack's network: a new VPC, or an existing one with its subnets. */
export type AwsNetwork =
    | { kind: "new"; cidr: string }
    | { kind: "existing"; vpcId: string; publicSubnetIds: string[]; privateSubnetIds: string[] };

/** Sizes and settings only the aws stack reads. */
export interface AwsSettings {
    network: AwsNetwork;
    /** Webapp tasks (nginx and its FireLens log agent) behind the load balancer. */
    webappTasks: number;
    /** Fargate CPU units of each forwarder task. */
    forwarderCpu: number;
    forwarderMemoryMb: number;
    /** Where the forwarders' file buffers live. */
    forwarderBufferStorage: ForwarderBufferStorage;
    /** Fargate ephemeral storage of each forwarder task, where its file buffers live with `ephemeral` storage (21-200 GiB). */
    forwarderEphemeralStorageGb: number;
    /** Whether AWS Backup backs up the buffers' EFS file system daily (its automatic backups; `efs` storage only). */
    forwarderBufferBackup: boolean;
    documentDb: { engineVersion: string; instanceClass: string; instances: number };
    openSearch: { engineVersion: string; instanceType: string; instances: number; volumeGb: number };
    /** Days CloudWatch keeps the containers' logs. */
    logRetentionDays: number;
    archive: { versioning: boolean; transitionDays: number; expirationDays: number };
    /** An IAM principal allowed to read the search indices (the verification suite's); none when undefined. */
    verifierPrincipalArn?: string;
    /** A security group (e.g. a bastion's) allowed into DocumentDB and OpenSearch; none when undefined. */
    verifierSecurityGroupId?: string;
    /** SHA-256 of the Amazon RDS CA bundle the aws image's build downloads; the build stops if AWS serves another. */
    rdsCaBundleSha256: string;
    /** An e-mail address the alarms' SNS topic sends to (it must confirm the subscription); none when undefined. */
    alarmEmail?: string;
}

export interface StackConfig {
    target: Target;
    images: Images;
    ports: Ports;
    failover: Failover;
    flush: Flush;
    store: StoreSettings;
    search: SearchSettings;
    archive: ArchiveSettings;
    aws: AwsSettings;
}

/** The aws stack's archive bucket is named `<dle:archiveBucket>-<unique suffix>`: bucket names are global. */
export const archiveBucketPrefix = (bucket: string): string => `${bucket}-`;

/** Every key that dle reads, with its default. Kept flat so that `pulumi config set dle:<key>` is all a user needs. */
export const defaults = {
    target: "local",
    // Each image tag is the current patch of a supported line, as a stored copy of its source showed it (Renovate keeps
    // them current: renovate.json). The stable line (1.30) of docker-library/official-images library/nginx, 2026-08-22;
    // 1.28 left support in April 2026.
    nginxImage: "nginx:1.30.4-alpine",
    // fluent/fluentd-docker-image README, December 2026: only v1.19 tags are published.
    fluentdImage: "fluent/fluentd:v1.19.3-debian-2.2",
    // The 8.0 line of official-images library/mongo, 2026-08-22 (7.0 reaches its end of life in August 2026).
    mongoImage: "mongo:8.0.29",
    // The 8.19 line of official-images library/elasticsearch and library/kibana, 2026-08-22.
    elasticsearchImage: "elasticsearch:8.19.20",
    // Kibana refuses an Elasticsearch of another version: its tag must be elasticsearchImage's.
    kibanaImage: "kibana:8.19.20",
    // SeaweedFS, maintained (MinIO stopped publishing community images in October 2025): the latest release tag of
    // seaweedfs/seaweedfs, 2026-08-22.
    s3Image: "chrislusf/seaweedfs:4.44",
    // node:24-alpine in docker-library/repo-info, 2026-08-27 (NODE_VERSION=24.20.0): 24 is the active LTS.
    nodeImage: "node:24.20.0-alpine",
    // The latest release tag of prometheus/prometheus (CHANGELOG: 3.14.0 / 2026-08-17); v3.13.3 was never released.
    prometheusImage: "prom/prometheus:v3.14.0",
    // grafana/grafana CHANGELOG, 13.2.0 (2026-08-18), as a Renovate pull request carried it.
    grafanaImage: "grafana/grafana:13.2.0",
    // The latest release tag of prometheus/blackbox_exporter, July 2026.
    blackboxImage: "prom/blackbox-exporter:v0.28.0",
    // aws/amazon-cloudwatch-agent release 1.300072.0 (RELEASE_NOTES, #2244, 2026-08-11); the tag carries its build.
    cloudwatchAgentImage: "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300072.0b1766",
    webappPort: "8000",
    searchPort: "9200",
    archivePort: "9000",
    storePort: "27017",
    agentPort: "24224",
    kibanaPort: "5601",
    prometheusPort: "9090",
    grafanaPort: "3000",
    // The failover's timing, measured by `npm run bench` (docs/benchmark.md has the figures). A dead primary is detached
    // at once, by its refused connections and failed acks (fluentd/plugins/out_dle_forward.rb); a hung or cut-off one
    // only by time: after failoverTimeoutSeconds without a good heartbeat or an ack. Heartbeats every 0.5 s, each
    // connection given 0.5 s: a hung primary's heartbeats fail one after the other on the heartbeat thread, so the
    // detach comes 1.5 to 2.5 s after the last sign of life. A busy primary is safe however slowly it answers a
    // handshake, as long as it acknowledges chunks (an ack counts as a heartbeat); an idle one answers in milliseconds.
    heartbeatIntervalSeconds: "0.5",
    failoverTimeoutSeconds: "1.5",
    forwardConnectTimeoutSeconds: "0.5",
    recoverWaitSeconds: "3",
    // A busy forwarder's ack may take seconds; one that times out detaches it and the chunk is sent again.
    ackTimeoutSeconds: "20",
    agentFlushSeconds: "1",
    // Each forwarder flush is a store insert and a bulk request; 0.5 s takes 0.5 s off every event's latency and off
    // the failover's gap (the secondary's first events wait for its first flush).
    forwarderFlushSeconds: "0.5",
    archiveSliceSeconds: "3600",
    archiveFlushSeconds: "10",
    storeDatabase: "applogs",
    storeCollection: "docker",
    storeRetentionDays: "30",
    searchIndexPrefix: "logstash",
    searchRetentionDays: "30",
    archiveBucket: "applogs",
    archiveKeyPrefix: "logs/",
    // The aws stack only. An empty awsVpcId creates a VPC with awsVpcCidr.
    awsVpcId: "",
    awsVpcCidr: "10.40.0.0/16",
    awsPublicSubnetIds: "",
    awsPrivateSubnetIds: "",
    webappTasks: "2",
    forwarderCpu: "512",
    forwarderMemoryMb: "1024",
    forwarderBufferStorage: "efs",
    forwarderEphemeralStorageGb: "30",
    // Security Hub's EFS.2 (AWS Foundational Security Best Practices) asks for it.
    forwarderBufferBackup: "true",
    documentDbEngineVersion: "5.0.0",
    documentDbInstanceClass: "db.t3.medium",
    documentDbInstances: "2",
    openSearchEngineVersion: "OpenSearch_2.19",
    openSearchInstanceType: "t3.small.search",
    openSearchInstances: "2",
    openSearchVolumeGb: "10",
    logRetentionDays: "30",
    archiveVersioning: "false",
    archiveTransitionDays: "30",
    archiveExpirationDays: "365",
    verifierPrincipalArn: "",
    verifierSecurityGroupId: "",
    // https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem as served in March 2026 (102 CAs).
    rdsCaBundleSha256: "05c6b4a9bf4daa95c888711481e19cc8e2e11aed4de8db759f51f4a6fce64917",
    alarmEmail: "",
} as const;

export type ConfigKey = keyof typeof defaults;

/** A stack config value that dle cannot use. The message names the key and what it expected. */
export class ConfigError extends Error {
    constructor(readonly key: ConfigKey, expected: string, got: string) {
        super(`Invalid stack config \`dle:${key}\`: expected ${expected}, got ${JSON.stringify(got)}.`);
        this.name = "ConfigError";
    }
}

/** Reads one raw value; `undefined` when the stack does not set it. */
export type ConfigSource = (key: ConfigKey) => string | undefined;

// The Amazon RDS CA bundle's checksum, as sha256sum prints it (dle's own setting, not an API's).
const sha256Hex = /^[0-9a-f]{64}$/;

/** An image reference's tag (every pin has one: the image schema checks it first). */
const tagOf = (image: string): string => imageTag(image) ?? "";

/** Parses and validates the whole stack config. Throws a {@link ConfigError} on the first bad key. */
export function parseStackConfig(source: ConfigSource): StackConfig {
    const raw = (key: ConfigKey): string => source(key) ?? defaults[key];

    const choice = <T extends string>(key: ConfigKey, allowed: readonly T[]): T => {
        const value = raw(key);
        if (!(allowed as readonly string[]).includes(value)) {
            throw new ConfigError(key, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, value);
        }
        return value as T;
    };
    const image = (key: ConfigKey): string => satisfying(key, pinnedImage);
    const integer = (key: ConfigKey, min: number, max: number, expected: string): number => {
        const value = raw(key);
        const n = Number(value);
        if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
            throw new ConfigError(key, expected, value);
        }
        return n;
    };
    const port = (key: ConfigKey) => integer(key, 1, 65535, tcpPort.expected);
    const seconds = (key: ConfigKey, max = 86400) => integer(key, 1, max, `a positive whole number of seconds (at most ${max})`);
    // fluentd's time parameters take fractions: the failover's figures are below a second.
    const duration = (key: ConfigKey, max: number): number => {
        const value = raw(key);
        const n = Number(value);
        if (!/^\d+(\.\d{1,3})?$/.test(value.trim()) || n < 0.1 || n > max) {
            throw new ConfigError(key, `a number of seconds from 0.1 to ${max}, with at most 3 decimals (like "0.5")`, value);
        }
        return n;
    };
    const matching = (key: ConfigKey, pattern: RegExp, expected: string): string => {
        const value = raw(key);
        if (!pattern.test(value)) {
            throw new ConfigError(key, expected, value);
        }
        return value;
    };

    const satisfying = (key: ConfigKey, constraint: Constraint<string>): string => {
        const value = raw(key);
        if (!constraint.test(value)) throw new ConfigError(key, constraint.expected, value);
        return value;
    };
    /** Empty (for none, or `emptyMeans`) or a value meeting `constraint`. */
    const optional = (key: ConfigKey, constraint: Constraint<string>, emptyMeans?: string): string | undefined => {
        const value = raw(key);
        if (value === "") return undefined;
        if (!constraint.test(value)) throw new ConfigError(key, `empty${emptyMeans ? ` (${emptyMeans})` : ""} or ${constraint.expected}`, value);
        return value;
    };
    const oneOf = (key: ConfigKey, allowed: number[], expected: string): number => {
        const n = integer(key, Math.min(...allowed), Math.max(...allowed), expected);
        if (!allowed.includes(n)) throw new ConfigError(key, expected, raw(key));
        return n;
    };
    const boolean = (key: ConfigKey): boolean => {
        const value = raw(key);
        if (value !== "true" && value !== "false") throw new ConfigError(key, "true or false", value);
        return value === "true";
    };
    const subnets = (key: ConfigKey, count: { atLeast: number } | { exactly: number }, expected: string): string[] => {
        const ids = raw(key).split(",").map((id) => id.trim());
        const enough = "exactly" in count ? ids.length === count.exactly : ids.length >= count.atLeast;
        if (!enough || new Set(ids).size !== ids.length || !ids.every((id) => subnetIdPattern.test(id))) {
            throw new ConfigError(key, expected, raw(key));
        }
        return ids;
    };
    const awsNetwork = (): AwsNetwork => {
        const existing = optional("awsVpcId", vpcIdPattern, "create a VPC");
        if (existing === undefined) {
            // The VPC is cut into four equal subnets (/+2): from /24 on, the smallest is a /26.
            const cidr = raw("awsVpcCidr");
            if (!vpcCidrBlock.test(cidr) || Number(cidr.split("/")[1]) > 24) {
                throw new ConfigError("awsVpcCidr", "an IPv4 CIDR block from /16 to /24 whose address is the network's (no host bits), like \"10.40.0.0/16\"", cidr);
            }
            return { kind: "new", cidr };
        }
        return {
            kind: "existing",
            vpcId: existing,
            // The load balancer needs subnets in two AZs at least.
            publicSubnetIds: subnets("awsPublicSubnetIds", { atLeast: 2 }, "at least two distinct comma-separated subnet IDs in different AZs when dle:awsVpcId is set"),
            // OpenSearch takes exactly one subnet per zone of the domain, which spans two.
            privateSubnetIds: subnets("awsPrivateSubnetIds", { exactly: 2 }, "exactly two distinct comma-separated subnet IDs, in different AZs, when dle:awsVpcId is set (the OpenSearch domain spans two zones and takes one subnet per zone)"),
        };
    };
    const fargateSize = (): { cpu: number; memoryMb: number } => {
        const cpus = Object.keys(fargateMemoryByCpu).map(Number);
        const cpu = oneOf("forwarderCpu", cpus, `Fargate CPU units: ${cpus.join(", ").replace(/, (\d+)$/, " or $1")}`);
        const memoryMb = oneOf("forwarderMemoryMb", [...fargateMemoryByCpu[cpu]], `MiB of memory that Fargate allows with ${cpu} CPU units (${fargateMemoryInWords(cpu)})`);
        return { cpu, memoryMb };
    };
    const archiveLifecycle = (): AwsSettings["archive"] => {
        // S3 refuses a transition to STANDARD_IA before 30 days.
        const transitionDays = integer("archiveTransitionDays", 30, 36500, s3StandardIaTransitionDays.expected);
        const expirationDays = integer("archiveExpirationDays", 1, 36500, "a whole number of days from 1 to 36500");
        if (expirationDays <= transitionDays) {
            throw new ConfigError("archiveExpirationDays", `more days than dle:archiveTransitionDays (${transitionDays})`, raw("archiveExpirationDays"));
        }
        return { versioning: boolean("archiveVersioning"), transitionDays, expirationDays };
    };
    const forwarderSize = fargateSize();

    const config: StackConfig = {
        target: choice("target", targets),
        images: {
            nginx: image("nginxImage"),
            fluentd: image("fluentdImage"),
            mongo: image("mongoImage"),
            elasticsearch: image("elasticsearchImage"),
            kibana: image("kibanaImage"),
            s3: image("s3Image"),
            node: image("nodeImage"),
            prometheus: image("prometheusImage"),
            grafana: image("grafanaImage"),
            blackbox: image("blackboxImage"),
            cloudwatchAgent: image("cloudwatchAgentImage"),
        },
        ports: {
            webapp: port("webappPort"),
            search: port("searchPort"),
            archive: port("archivePort"),
            store: port("storePort"),
            agent: port("agentPort"),
            kibana: port("kibanaPort"),
            prometheus: port("prometheusPort"),
            grafana: port("grafanaPort"),
        },
        failover: {
            heartbeatIntervalSeconds: duration("heartbeatIntervalSeconds", 60),
            hardTimeoutSeconds: duration("failoverTimeoutSeconds", 600),
            connectTimeoutSeconds: duration("forwardConnectTimeoutSeconds", 60),
            recoverWaitSeconds: seconds("recoverWaitSeconds", 600),
            ackTimeoutSeconds: seconds("ackTimeoutSeconds", 600),
        },
        flush: {
            agentSeconds: seconds("agentFlushSeconds", 3600),
            forwarderSeconds: duration("forwarderFlushSeconds", 3600),
            archiveSliceSeconds: seconds("archiveSliceSeconds"),
            archiveFlushSeconds: seconds("archiveFlushSeconds", 3600),
        },
        store: {
            database: satisfying("storeDatabase", mongoName),
            collection: satisfying("storeCollection", mongoName),
            retentionDays: integer("storeRetentionDays", 1, 36500, "a whole number of days from 1 to 36500"),
        },
        search: {
            indexPrefix: satisfying("searchIndexPrefix", searchIndexPrefix),
            retentionDays: integer("searchRetentionDays", 1, 36500, "a whole number of days from 1 to 36500"),
        },
        archive: {
            bucket: satisfying("archiveBucket", s3BucketName),
            keyPrefix: satisfying("archiveKeyPrefix", s3KeyPrefix),
        },
        aws: {
            network: awsNetwork(),
            webappTasks: integer("webappTasks", 1, 100, "a whole number of tasks from 1 to 100"),
            forwarderCpu: forwarderSize.cpu,
            forwarderMemoryMb: forwarderSize.memoryMb,
            forwarderBufferStorage: choice("forwarderBufferStorage", forwarderBufferStorages),
            forwarderEphemeralStorageGb: integer("forwarderEphemeralStorageGb", fargateEphemeralStorageGib.min, fargateEphemeralStorageGib.max, `GiB of Fargate ephemeral storage from ${fargateEphemeralStorageGib.min} to ${fargateEphemeralStorageGib.max}`),
            forwarderBufferBackup: boolean("forwarderBufferBackup"),
            documentDb: {
                engineVersion: satisfying("documentDbEngineVersion", documentDbEngineVersion),
                instanceClass: satisfying("documentDbInstanceClass", documentDbInstanceClass),
                instances: integer("documentDbInstances", 1, 16, documentDbInstanceCount.expected),
            },
            openSearch: {
                engineVersion: satisfying("openSearchEngineVersion", openSearchEngineVersion),
                instanceType: satisfying("openSearchInstanceType", openSearchInstanceType),
                // Even counts only: the domain spreads its nodes evenly over the two AZs (zone awareness).
                instances: oneOf("openSearchInstances", [2, 4, 6, 8, 10], "an even number of data nodes from 2 to 10 (one per AZ, alike)"),
                volumeGb: integer("openSearchVolumeGb", 10, 1024, "GiB of EBS storage per node from 10 to 1024"),
            },
            logRetentionDays: oneOf("logRetentionDays", [...cloudWatchLogRetentionDays], cloudWatchLogRetention.expected),
            archive: archiveLifecycle(),
            verifierPrincipalArn: optional("verifierPrincipalArn", iamPrincipalArn),
            verifierSecurityGroupId: optional("verifierSecurityGroupId", securityGroupIdPattern),
            rdsCaBundleSha256: matching("rdsCaBundleSha256", sha256Hex, "a SHA-256 checksum of 64 lowercase hex digits (`sha256sum global-bundle.pem`)"),
            alarmEmail: optional("alarmEmail", snsEmailEndpoint),
        },
    };

    if (config.failover.heartbeatIntervalSeconds >= config.failover.hardTimeoutSeconds) {
        throw new ConfigError(
            "heartbeatIntervalSeconds",
            `fewer seconds than dle:failoverTimeoutSeconds (${config.failover.hardTimeoutSeconds}), or a dead primary is never detected in time`,
            raw("heartbeatIntervalSeconds"),
        );
    }
    if (config.failover.connectTimeoutSeconds >= config.failover.hardTimeoutSeconds) {
        throw new ConfigError(
            "forwardConnectTimeoutSeconds",
            `fewer seconds than dle:failoverTimeoutSeconds (${config.failover.hardTimeoutSeconds}): each heartbeat to a hung forwarder waits this long, and the detach needs more than one`,
            raw("forwardConnectTimeoutSeconds"),
        );
    }
    if (config.target === "aws") {
        // The forwarders read ARCHIVE_KEY_PREFIX, and an ECS task gets no variable whose value is empty.
        if (!ecsEnvironmentValue.test(config.archive.keyPrefix)) {
            throw new ConfigError("archiveKeyPrefix", "a key prefix ending in / on the aws stack, like \"logs/\" (ECS drops an empty environment variable, and the forwarders need ARCHIVE_KEY_PREFIX)", raw("archiveKeyPrefix"));
        }
        if (!s3BucketPrefix.test(archiveBucketPrefix(config.archive.bucket))) {
            throw new ConfigError("archiveBucket", `at most ${s3BucketPrefixMaxLength - archiveBucketPrefix("").length} characters on the aws stack (the bucket is named <archiveBucket>-<suffix>, and S3's bucketPrefix allows ${s3BucketPrefixMaxLength})`, raw("archiveBucket"));
        }
    }
    if (tagOf(config.images.kibana) !== tagOf(config.images.elasticsearch)) {
        throw new ConfigError("kibanaImage", `the tag of dle:elasticsearchImage (${tagOf(config.images.elasticsearch)}): Kibana runs only against its own version`, raw("kibanaImage"));
    }
    const published = Object.entries(config.ports);
    for (const [name, value] of published) {
        const clash = published.find(([other, v]) => other !== name && v === value);
        if (clash) {
            throw new ConfigError(`${name}Port` as ConfigKey, `a port no other part publishes (dle:${clash[0]}Port also uses it)`, String(value));
        }
    }
    return config;
}
