/**
 * The environment of dle's fluentd containers: the one place where the variable names that
 * fluentd/agent.conf and fluentd/forwarder.conf read are defined, and where their values come from.
 * A unit test parses the config files for `ENV.fetch('...')` and compares the names with these.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig, Target } from "./config";
import { ArchiveEndpoint, ForwarderEndpoints, SearchEndpoint, StoreEndpoint } from "./endpoints";

/**
 * Where the forward protocol's TLS files are, inside a fluentd container (fluentd/Dockerfile creates it): uploaded
 * by the local stack; written from the environment by fluentd/dle-entrypoint.sh on AWS.
 */
const tlsDir = "/fluentd/etc/tls";

/** Where things are inside the fluentd image (fluentd/Dockerfile). */
export const fluentdContainer = {
    /** The forward protocol's port, on the agent and on both forwarders. */
    forwardPort: 24224,
    /** monitor_agent's HTTP port: health checks and metrics. */
    monitorPort: 24220,
    /** Prometheus metrics (fluentd/metrics.conf): /metrics, scraped inside the stack's network or the task only. */
    metricsPort: 24231,
    bufferDir: "/fluentd/buffer",
    /** The Amazon RDS CA bundle that DocumentDB's TLS certificates chain to (added by fluentd/Dockerfile). */
    rdsCaBundle: "/fluentd/etc/rds-global-bundle.pem",
    /** Where FireLens runs agent.conf from: its generated fluent.conf @includes this file. */
    agentConfPath: "/fluentd/etc/agent.conf",
    /** The CA certificate that every certificate on the link chains to; both ends verify their peer with it. */
    tlsCaCert: `${tlsDir}/ca.crt`,
    /** This container's own certificate and private key: a forwarder's server certificate, the agent's client one. */
    tlsCert: `${tlsDir}/tls.crt`,
    tlsKey: `${tlsDir}/tls.key`,
    /** The image's unprivileged user and group `fluent` (fluentd/Dockerfile checks the IDs), which owns the key file. */
    fluentUserId: 999,
    /** The agent's name in the forward protocol's handshake (`<security> self_hostname`). */
    agentSelfHostname: "log-agent",
} as const;

/** Environment variables, by name; values may be secret Outputs. */
export type FluentdEnv = Record<string, pulumi.Input<string>>;

/** What every dle fluentd process reads. */
function commonEnv(target: Target): FluentdEnv {
    return {
        DLE_TARGET: target,
        FLUENTD_BIND: "0.0.0.0",
        FLUENTD_MONITOR_PORT: String(fluentdContainer.monitorPort),
        FLUENTD_METRICS_PORT: String(fluentdContainer.metricsPort),
        FLUENTD_BUFFER_DIR: fluentdContainer.bufferDir,
    };
}

/** Where the forward protocol's TLS files are: the same three on both ends of the link. */
function tlsFileEnv(): FluentdEnv {
    return {
        FORWARD_TLS_CA_PATH: fluentdContainer.tlsCaCert,
        FORWARD_TLS_CERT_PATH: fluentdContainer.tlsCert,
        FORWARD_TLS_KEY_PATH: fluentdContainer.tlsKey,
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
        // Mutual TLS to the forwarders (their certificates verified against the stack's CA, the agent's own
        // certificate presented), then the shared key (agent.conf's <security>).
        ...tlsFileEnv(),
        FORWARD_SELF_HOSTNAME: fluentdContainer.agentSelfHostname,
        FORWARD_SHARED_KEY: forwarders.security.sharedKey,
    };
}

export interface ForwarderSinks {
    store: StoreEndpoint;
    search: SearchEndpoint;
    archive: ArchiveEndpoint;
}

/** What a forwarder's end of the forward protocol needs besides its certificate files. */
export interface ForwarderSecurityEnv {
    /** The name the agent reaches the forwarder by (and its certificate is issued for). */
    selfHostname: pulumi.Input<string>;
    /** Secret. */
    sharedKey: pulumi.Input<string>;
}

/** A forwarder's environment (fluentd/forwarder.conf); `name` is "primary" or "secondary". */
export function forwarderEnv(config: StackConfig, name: string, sinks: ForwarderSinks, security: ForwarderSecurityEnv): FluentdEnv {
    const { store, search, archive } = sinks;
    return {
        ...commonEnv(config.target),
        FLUENTD_CONF: "forwarder.conf",
        FORWARDER_NAME: name,
        FORWARDER_PORT: String(fluentdContainer.forwardPort),
        // Mutual TLS (the forwarder's own certificate; clients' verified against the stack's CA), then the shared
        // key (forwarder.conf's <transport tls>, <security>).
        ...tlsFileEnv(),
        FORWARD_SELF_HOSTNAME: security.selfHostname,
        FORWARD_SHARED_KEY: security.sharedKey,
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

/**
 * Variables read by fluentd/dle-entrypoint.sh, not by the configs: the content of a PEM file, by the variable (read by
 * the configs) that names the file the entrypoint writes it to before fluentd starts. For Fargate, which cannot
 * upload files into a container; the local stack uploads the files instead and sets none of these.
 */
export const pemContentEnv = {
    FORWARD_TLS_CA_PATH: "FORWARD_TLS_CA_PEM",
    FORWARD_TLS_CERT_PATH: "FORWARD_TLS_CERT_PEM",
    FORWARD_TLS_KEY_PATH: "FORWARD_TLS_KEY_PEM",
} as const;

/** The file a PEM is written to, by the variable the configs read. */
export type PemPathVariable = keyof typeof pemContentEnv;

/** The entrypoint's variables for these files' contents. */
export function pemFileEnv(contents: Partial<Record<PemPathVariable, pulumi.Input<string>>>): FluentdEnv {
    return Object.fromEntries(Object.entries(contents).map(([pathVariable, pem]) => [pemContentEnv[pathVariable as PemPathVariable], pem!]));
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
