/**
 * The typed stack configuration: the one place where dle's settings and their defaults live.
 *
 * Every key is read from the `dle` namespace of the stack config (`pulumi config set dle:<key> <value>`).
 * Both stacks read the same keys; `Pulumi.<stack>.yaml` sets only what differs from the defaults below.
 * A bad value fails `pulumi preview` with a {@link ConfigError} naming the key and what it expected.
 */

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
    /** Local S3-compatible archive. */
    s3: string;
}

/** Host ports published on 127.0.0.1 by the local stack. */
export interface Ports {
    webapp: number;
    search: number;
    archive: number;
    store: number;
    /** Where Docker's fluentd log driver reaches the agent. */
    agent: number;
}

/** How fast the agent gives up on the primary forwarder and comes back to it (fluentd out_forward). */
export interface Failover {
    /** Seconds between heartbeats to each forwarder. */
    heartbeatIntervalSeconds: number;
    /** Seconds without an answer after which the primary is detached and the standby takes over (the seed: 5). */
    hardTimeoutSeconds: number;
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
}

export interface ArchiveSettings {
    bucket: string;
    /** Objects are written as `<keyPrefix><UTC date>/<hour>_<forwarder>_<n>.gz`. */
    keyPrefix: string;
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
}

/** Every key that dle reads, with its default. Kept flat so that `pulumi config set dle:<key>` is all a user needs. */
export const defaults = {
    target: "local",
    nginxImage: "nginx:1.28.0-alpine",
    fluentdImage: "fluent/fluentd:v1.16.11-debian-1.0",
    mongoImage: "mongo:7.0.14",
    elasticsearchImage: "elasticsearch:8.19.2",
    s3Image: "minio/minio:RELEASE.2025-04-22T22-12-26Z",
    webappPort: "8000",
    searchPort: "9200",
    archivePort: "9000",
    storePort: "27017",
    agentPort: "24224",
    heartbeatIntervalSeconds: "1",
    failoverTimeoutSeconds: "5",
    recoverWaitSeconds: "3",
    ackTimeoutSeconds: "10",
    agentFlushSeconds: "1",
    forwarderFlushSeconds: "1",
    archiveSliceSeconds: "3600",
    archiveFlushSeconds: "10",
    storeDatabase: "applogs",
    storeCollection: "docker",
    storeRetentionDays: "30",
    searchIndexPrefix: "logstash",
    archiveBucket: "applogs",
    archiveKeyPrefix: "logs/",
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

// name[:tag] where the tag is pinned: no `latest`/`stable`, which have moved or vanished under users before
// (the seed's fluent/fluentd:stable no longer exists).
const pinnedImage = /^[a-z0-9]+(?:[._\-/][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const floatingTags = new Set(["latest", "stable", "edge", "mainline"]);
// MongoDB database and collection names: no spaces, dots ($ and . have meaning in MongoDB namespaces).
const mongoName = /^[A-Za-z0-9_-]{1,63}$/;
// Elasticsearch index names are lowercase and may not contain these characters.
const indexPrefix = /^[a-z0-9][a-z0-9_-]{0,200}$/;
// S3 bucket naming rules (the DNS-compatible subset).
const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const keyPrefix = /^(?:[A-Za-z0-9!_.*'()-]+\/)*$/;

/** Parses and validates the whole stack config. Throws a {@link ConfigError} on the first bad key. */
export function parseStackConfig(source: ConfigSource): StackConfig {
    const raw = (key: ConfigKey): string => source(key) ?? defaults[key];

    const target = (): Target => {
        const value = raw("target");
        if (!(targets as readonly string[]).includes(value)) {
            throw new ConfigError("target", `one of ${targets.map((t) => `"${t}"`).join(", ")}`, value);
        }
        return value as Target;
    };
    const image = (key: ConfigKey): string => {
        const value = raw(key);
        const tag = value.slice(value.lastIndexOf(":") + 1);
        if (!pinnedImage.test(value) || floatingTags.has(tag)) {
            throw new ConfigError(key, "an image reference with a pinned tag, like \"nginx:1.28.0-alpine\"", value);
        }
        return value;
    };
    const integer = (key: ConfigKey, min: number, max: number, expected: string): number => {
        const value = raw(key);
        const n = Number(value);
        if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
            throw new ConfigError(key, expected, value);
        }
        return n;
    };
    const port = (key: ConfigKey) => integer(key, 1, 65535, "an integer port from 1 to 65535");
    const seconds = (key: ConfigKey, max = 86400) => integer(key, 1, max, `a positive whole number of seconds (at most ${max})`);
    const matching = (key: ConfigKey, pattern: RegExp, expected: string): string => {
        const value = raw(key);
        if (!pattern.test(value)) {
            throw new ConfigError(key, expected, value);
        }
        return value;
    };

    const config: StackConfig = {
        target: target(),
        images: {
            nginx: image("nginxImage"),
            fluentd: image("fluentdImage"),
            mongo: image("mongoImage"),
            elasticsearch: image("elasticsearchImage"),
            s3: image("s3Image"),
        },
        ports: {
            webapp: port("webappPort"),
            search: port("searchPort"),
            archive: port("archivePort"),
            store: port("storePort"),
            agent: port("agentPort"),
        },
        failover: {
            heartbeatIntervalSeconds: seconds("heartbeatIntervalSeconds", 60),
            hardTimeoutSeconds: seconds("failoverTimeoutSeconds", 600),
            recoverWaitSeconds: seconds("recoverWaitSeconds", 600),
            ackTimeoutSeconds: seconds("ackTimeoutSeconds", 600),
        },
        flush: {
            agentSeconds: seconds("agentFlushSeconds", 3600),
            forwarderSeconds: seconds("forwarderFlushSeconds", 3600),
            archiveSliceSeconds: seconds("archiveSliceSeconds"),
            archiveFlushSeconds: seconds("archiveFlushSeconds", 3600),
        },
        store: {
            database: matching("storeDatabase", mongoName, "a MongoDB database name of letters, digits, _ or -"),
            collection: matching("storeCollection", mongoName, "a MongoDB collection name of letters, digits, _ or -"),
            retentionDays: integer("storeRetentionDays", 1, 36500, "a whole number of days from 1 to 36500"),
        },
        search: {
            indexPrefix: matching("searchIndexPrefix", indexPrefix, "a lowercase index prefix of letters, digits, _ or -"),
        },
        archive: {
            bucket: matching("archiveBucket", bucketName, "an S3 bucket name (3-63 lowercase letters, digits, . or -)"),
            keyPrefix: matching("archiveKeyPrefix", keyPrefix, "empty or a key prefix ending in /, like \"logs/\""),
        },
    };

    if (config.failover.heartbeatIntervalSeconds >= config.failover.hardTimeoutSeconds) {
        throw new ConfigError(
            "heartbeatIntervalSeconds",
            `fewer seconds than dle:failoverTimeoutSeconds (${config.failover.hardTimeoutSeconds}), or a dead primary is never detected in time`,
            raw("heartbeatIntervalSeconds"),
        );
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
