/**
 * The environment of dle's fluentd containers: the one place where the variable names that
 * fluentd/agent.conf and fluentd/forwarder.conf read are defined, and where their values come from.
 * A unit test parses the config files for `ENV.fetch('...')` and compares the names with these.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig, Target } from "./config";
import { ArchiveEndpoint, ForwarderEndpoints, SearchEndpoint, StoreEndpoint } from "./endpoints";

/** Where things are inside the fluentd image (fluentd/Dockerfile). */
export const fluentdContainer = {
    /** The forward protocol's port, on the agent and on both forwarders. */
    forwardPort: 24224,
    /** monitor_agent's HTTP port: health checks and metrics. */
    monitorPort: 24220,
    bufferDir: "/fluentd/buffer",
    /** The Amazon RDS CA bundle that DocumentDB's TLS certificates chain to (added by fluentd/Dockerfile). */
    rdsCaBundle: "/fluentd/etc/rds-global-bundle.pem",
    /** Where FireLens runs agent.conf from: its generated fluent.conf @includes this file. */
    agentConfPath: "/fluentd/etc/agent.conf",
} as const;

/** Environment variables, by name; values may be secret Outputs. */
export type FluentdEnv = Record<string, pulumi.Input<string>>;

/** What every dle fluentd process reads. */
function commonEnv(target: Target): FluentdEnv {
    return {
        DLE_TARGET: target,
        FLUENTD_BIND: "0.0.0.0",
        FLUENTD_MONITOR_PORT: String(fluentdContainer.monitorPort),
        FLUENTD_BUFFER_DIR: fluentdContainer.bufferDir,
    };
}

/** The log agent's environment (fluentd/agent.conf). */
export function agentEnv(config: StackConfig, forwarders: ForwarderEndpoints): FluentdEnv {
    const f = config.failover;
    return {
        ...commonEnv(config.target),
        // Locally the image's entrypoint runs agent.conf itself, with its own forward source. On AWS FireLens
        // runs the image with the fluent.conf it generates (its sources, then an @include of agent.conf), so
        // FLUENTD_CONF must stay at the image's default there.
        ...(config.target === "local" ? { FLUENTD_CONF: "agent.conf", AGENT_PORT: String(fluentdContainer.forwardPort) } : {}),
        FORWARDER_PRIMARY_HOST: forwarders.primary.host,
        FORWARDER_PRIMARY_PORT: forwarders.primary.port.apply(String),
        FORWARDER_SECONDARY_HOST: forwarders.secondary.host,
        FORWARDER_SECONDARY_PORT: forwarders.secondary.port.apply(String),
        FAILOVER_HEARTBEAT_INTERVAL: String(f.heartbeatIntervalSeconds),
        FAILOVER_HARD_TIMEOUT: String(f.hardTimeoutSeconds),
        FAILOVER_RECOVER_WAIT: String(f.recoverWaitSeconds),
        FAILOVER_ACK_TIMEOUT: String(f.ackTimeoutSeconds),
        AGENT_FLUSH_INTERVAL: String(config.flush.agentSeconds),
    };
}

export interface ForwarderSinks {
    store: StoreEndpoint;
    search: SearchEndpoint;
    archive: ArchiveEndpoint;
}

/** A forwarder's environment (fluentd/forwarder.conf); `name` is "primary" or "secondary". */
export function forwarderEnv(config: StackConfig, name: string, sinks: ForwarderSinks): FluentdEnv {
    const { store, search, archive } = sinks;
    return {
        ...commonEnv(config.target),
        FLUENTD_CONF: "forwarder.conf",
        FORWARDER_NAME: name,
        FORWARDER_PORT: String(fluentdContainer.forwardPort),
        FORWARDER_FLUSH_INTERVAL: String(config.flush.forwarderSeconds),
        STORE_CONNECTION_STRING: store.connectionString,
        STORE_COLLECTION: store.collection,
        STORE_RETENTION_SECONDS: String(store.retentionDays * 86400),
        ...searchEnv(search),
        ARCHIVE_BUCKET: archive.bucket,
        ARCHIVE_KEY_PREFIX: archive.keyPrefix,
        ARCHIVE_SLICE_SECONDS: String(config.flush.archiveSliceSeconds),
        ARCHIVE_FLUSH_INTERVAL: String(config.flush.archiveFlushSeconds),
        ARCHIVE_REGION: archive.region,
        ...archiveAccessEnv(archive),
    };
}

/** Where the search sink is, and its credentials (targets/local/search.conf) or region (targets/aws/search.conf). */
function searchEnv(search: SearchEndpoint): FluentdEnv {
    const auth: FluentdEnv = search.auth.kind === "basic"
        ? { SEARCH_USER: search.auth.username, SEARCH_PASSWORD: search.auth.password }
        // SigV4 signs for a region; the credentials are the task role's, found by the plugin itself.
        : { SEARCH_REGION: search.auth.region };
    return {
        SEARCH_HOST: search.host,
        SEARCH_PORT: search.port.apply(String),
        SEARCH_SCHEME: search.scheme,
        SEARCH_INDEX_PREFIX: search.indexPrefix,
        ...auth,
    };
}

/** An endpoint and keys (targets/local/archive-access.conf), or nothing: the AWS SDK's default credential chain. */
function archiveAccessEnv(archive: ArchiveEndpoint): FluentdEnv {
    const access = archive.access;
    return access.kind === "keys"
        ? { ARCHIVE_ENDPOINT: access.endpoint, ARCHIVE_ACCESS_KEY_ID: access.accessKeyId, ARCHIVE_SECRET_ACCESS_KEY: access.secretAccessKey }
        : {};
}

/** An ECS container's `environment` and `secrets` entries. */
export interface EcsEnvironment {
    environment: pulumi.Output<{ name: string; value: string }[]>;
    secrets: pulumi.Output<{ name: string; valueFrom: string }[]>;
}

/**
 * Splits an environment for an ECS container: the names in `fromSecrets` are read by ECS from Secrets Manager
 * (by ARN) when the task starts, so their values never appear in the task definition; the rest are plain.
 */
export function ecsEnvironment(env: FluentdEnv, fromSecrets: Record<string, pulumi.Input<string>> = {}): EcsEnvironment {
    const plain = Object.entries(env).filter(([name]) => !(name in fromSecrets));
    return {
        environment: pulumi.all(plain.map(([name, value]) => pulumi.output(value).apply((v) => ({ name, value: v }))))
            .apply((entries) => entries.sort((a, b) => a.name.localeCompare(b.name))),
        secrets: pulumi.all(Object.entries(fromSecrets).map(([name, arn]) => pulumi.output(arn).apply((valueFrom) => ({ name, valueFrom })))),
    };
}

/** `NAME=value` pairs for a Docker container; secret as a whole when any value is secret. */
export function dockerEnvs(env: FluentdEnv): pulumi.Output<string[]> {
    return pulumi
        .all(Object.entries(env).map(([name, value]) => pulumi.output(value).apply((v) => `${name}=${v}`)))
        .apply((pairs) => pairs.sort());
}

/** A health check for the fluentd image (which has ruby but no curl): monitor_agent answers. */
export const fluentdHealthcheck = [
    "ruby", "-rnet/http", "-e",
    `exit Net::HTTP.get_response(URI("http://127.0.0.1:${fluentdContainer.monitorPort}/api/plugins.json")).is_a?(Net::HTTPSuccess)`,
];
