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
        FLUENTD_CONF: "agent.conf",
        ...(config.target === "local" ? { AGENT_PORT: String(fluentdContainer.forwardPort) } : {}),
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
        SEARCH_HOST: search.host,
        SEARCH_PORT: search.port.apply(String),
        SEARCH_SCHEME: search.scheme,
        SEARCH_USER: search.username,
        SEARCH_PASSWORD: search.password,
        SEARCH_INDEX_PREFIX: search.indexPrefix,
        ARCHIVE_BUCKET: archive.bucket,
        ARCHIVE_KEY_PREFIX: archive.keyPrefix,
        ARCHIVE_SLICE_SECONDS: String(config.flush.archiveSliceSeconds),
        ARCHIVE_FLUSH_INTERVAL: String(config.flush.archiveFlushSeconds),
        ARCHIVE_ENDPOINT: archive.endpoint,
        ARCHIVE_REGION: archive.region,
        ARCHIVE_ACCESS_KEY_ID: archive.accessKeyId,
        ARCHIVE_SECRET_ACCESS_KEY: archive.secretAccessKey,
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
