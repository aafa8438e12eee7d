/**
 * The environment of dle's fluentd containers: the one place where the variable names that
 * fluentd/agent.conf and fluentd/forwarder.conf read are defined, and where their values come from.
 * A unit test parses the config files for `ENV.fetch('...')` and compares the names with these.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig, Target } from "./config";
import { ArchiveEndpoint, CloudWatchLogsEndpoint, ForwarderEndpoints, SearchEndpoint, SqlEndpoint, StoreEndpoint } from "./endpoints";
import { EcsEnvironment } from "./fargate-container";

/**
 * Where the forward protocol's TLS files are, inside a fluentd container (fluentd/Dockerfile creates it): uploaded
 * by the local stack; written from the environment by fluentd/dle-entrypoint.sh on AWS.
 */
const tlsDir = "/fluentd/etc/tls";
/** Where the credentials the configs read are, inside a fluentd container (fluentd/Dockerfile creates it). */
const secretsDir = "/fluentd/etc/secrets";

/** Where things are inside the fluentd image (fluentd/Dockerfile). */
export const fluentdContainer = {
    /** The forward protocol's port, on the agent and on both forwarders. */
    forwardPort: 24224,
    /** The agent's forward port for applications that log straight to it (the api); locally only, not published. */
    appPort: 24225,
    /**
     * The agent takes records an application logs straight to it as app.<application> (fluentd/agent-log-types.conf):
     * the local input adds this prefix itself (fluentd/targets/local/agent-input.conf); on AWS the application does.
     */
    appTagPrefix: "app",
    /** Where the configs, parsers and the search index template are (fluentd/Dockerfile copies them). */
    confDir: "/fluentd/etc",
    /** monitor_agent's HTTP port: health checks and metrics. */
    monitorPort: 24220,
    /** Prometheus metrics (fluentd/metrics.conf): /metrics, scraped inside the stack's network or the task only. */
    metricsPort: 24231,
    /** Where fluentd's file buffers and error paths are (FLUENTD_BUFFER_DIR): a volume locally, EFS or ephemeral storage on AWS. */
    bufferDir: "/fluentd/buffer",
    /** fluentd's temporary files (TMPDIR in fluentd/Dockerfile: out_s3 writes each upload there first), fluent's own. */
    tmpDir: "/fluentd/tmp",
    /**
     * The image's `fluent` user and group, as the official image creates them (`useradd -r`: the first system IDs);
     * fluentd/Dockerfile's build stops if the base image gives them others. The forwarders' EFS access points act as them.
     */
    fluentUser: { uid: 999, gid: 999 },
    /** The Amazon RDS CA bundle that DocumentDB's TLS certificates chain to (added by fluentd/Dockerfile). */
    rdsCaBundle: "/fluentd/etc/rds-global-bundle.pem",
    /** Where FireLens runs agent.conf from: its generated fluent.conf @includes this file. */
    agentConfPath: "/fluentd/etc/agent.conf",
    /** The CA certificate that every certificate on the link chains to; both ends verify their peer with it. */
    tlsCaCert: `${tlsDir}/ca.crt`,
    /** This container's own certificate and private key: a forwarder's server certificate, the agent's client one. */
    tlsCert: `${tlsDir}/tls.crt`,
    tlsKey: `${tlsDir}/tls.key`,
    /** Credential files, one value each: never in the container's environment, where `docker inspect` shows it. */
    secretFiles: {
        sharedKey: `${secretsDir}/forward-shared-key`,
        storeConnectionString: `${secretsDir}/store-connection-string`,
        searchPassword: `${secretsDir}/search-password`,
        /** The local stack's container credentials endpoint's token (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE). */
        archiveCredentialsToken: `${secretsDir}/archive-credentials-token`,
        sqlPassword: `${secretsDir}/sql-password`,
    },
    /** The agent's name in the forward protocol's handshake (`<security> self_hostname`). */
    agentSelfHostname: "log-agent",
} as const;

/**
 * Environment variables, by name; values may be secret Outputs. The credentials are here under their value variables
 * (secretFileEnv) beside the variables that name their files: the stacks hand them over as files (dockerFluentd,
 * ecsEnvironment with fluentd/dle-entrypoint.sh), never as values in the environment fluentd runs with.
 */
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
        ...(config.target === "local"
            ? { FLUENTD_CONF: "agent.conf", AGENT_PORT: String(fluentdContainer.forwardPort), AGENT_APP_PORT: String(fluentdContainer.appPort) }
            : {}),
        FORWARDER_PRIMARY_HOST: forwarders.primary.host,
        FORWARDER_PRIMARY_PORT: forwarders.primary.port.apply(String),
        FORWARDER_SECONDARY_HOST: forwarders.secondary.host,
        FORWARDER_SECONDARY_PORT: forwarders.secondary.port.apply(String),
        FAILOVER_HEARTBEAT_INTERVAL: String(f.heartbeatIntervalSeconds),
        FAILOVER_HARD_TIMEOUT: String(f.hardTimeoutSeconds),
        FAILOVER_CONNECT_TIMEOUT: String(f.connectTimeoutSeconds),
        FAILOVER_RECOVER_WAIT: String(f.recoverWaitSeconds),
        FAILOVER_ACK_TIMEOUT: String(f.ackTimeoutSeconds),
        AGENT_FLUSH_INTERVAL: String(config.flush.agentSeconds),
        // Mutual TLS to the forwarders (their certificates verified against the stack's CA, the agent's own
        // certificate presented), then the shared key (agent.conf's <security>).
        ...tlsFileEnv(),
        FORWARD_SELF_HOSTNAME: fluentdContainer.agentSelfHostname,
        ...secretFile("FORWARD_SHARED_KEY_FILE", fluentdContainer.secretFiles.sharedKey, forwarders.security.sharedKey),
    };
}

/** The sinks' endpoints: store, search and archive always (see dle:sinks), sql when dle:sinks chose it. */
export interface ForwarderSinks {
    store: StoreEndpoint;
    search: SearchEndpoint;
    archive: ArchiveEndpoint;
    sql?: SqlEndpoint;
    cloudwatch?: CloudWatchLogsEndpoint;
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
    const { store, search, archive, sql, cloudwatch } = sinks;
    return {
        ...commonEnv(config.target),
        FLUENTD_CONF: "forwarder.conf",
        // The sinks whose outputs forwarder.conf includes (fluentd/sinks/<sink>.conf).
        FORWARDER_SINKS: config.sinks.join(","),
        // The search index template and retention policy files are read by path.
        FLUENTD_CONF_DIR: fluentdContainer.confDir,
        FORWARDER_NAME: name,
        FORWARDER_PORT: String(fluentdContainer.forwardPort),
        // Mutual TLS (the forwarder's own certificate; clients' verified against the stack's CA), then the shared
        // key (forwarder.conf's <transport tls>, <security>).
        ...tlsFileEnv(),
        FORWARD_SELF_HOSTNAME: security.selfHostname,
        ...secretFile("FORWARD_SHARED_KEY_FILE", fluentdContainer.secretFiles.sharedKey, security.sharedKey),
        FORWARDER_FLUSH_INTERVAL: String(config.flush.forwarderSeconds),
        FORWARDER_WORKERS: String(config.forwarderWorkers),
        ...secretFile("STORE_CONNECTION_STRING_FILE", fluentdContainer.secretFiles.storeConnectionString, store.connectionString),
        STORE_COLLECTION: store.collection,
        STORE_RETENTION_SECONDS: String(store.retentionDays * 86400),
        ...searchEnv(search),
        ARCHIVE_BUCKET: archive.bucket,
        ARCHIVE_KEY_PREFIX: archive.keyPrefix,
        ARCHIVE_SLICE_SECONDS: String(config.flush.archiveSliceSeconds),
        ARCHIVE_FLUSH_INTERVAL: String(config.flush.archiveFlushSeconds),
        ARCHIVE_REGION: archive.region,
        ...archiveAccessEnv(archive),
        ...(sql === undefined ? {} : sqlEnv(sql)),
        ...(cloudwatch === undefined ? {} : cloudwatchEnv(cloudwatch)),
    };
}

/**
 * The cloudwatch sink's region and groups (fluentd/sinks/cloudwatch.conf): the credentials are the task role's, found
 * by the AWS SDK itself. CLOUDWATCH_LOG_GROUPS lists the groups under the prefix that the stack created, so that the
 * output sends each event to one of them (fluentd/plugins/out_dle_cloudwatch_logs.rb).
 */
function cloudwatchEnv(cloudwatch: CloudWatchLogsEndpoint): FluentdEnv {
    return {
        CLOUDWATCH_REGION: cloudwatch.region,
        CLOUDWATCH_LOG_GROUP_PREFIX: cloudwatch.groupPrefix,
        CLOUDWATCH_LOG_GROUPS: pulumi.all(cloudwatch.groups.map((g) => g.name))
            .apply((names) => names.map((n) => n.slice(cloudwatch.groupPrefix.length)).join(",")),
    };
}

/** Where the sql sink is, and how it is reached (fluentd/sinks/sql.conf). */
function sqlEnv(sql: SqlEndpoint): FluentdEnv {
    return {
        SQL_HOST: sql.host,
        SQL_PORT: sql.port.apply(String),
        SQL_DATABASE: sql.database,
        SQL_USER: sql.username,
        SQL_SSLMODE: sql.sslmode,
        // Read only with verify-full; the same path on both targets (the image holds the bundle either way).
        SQL_SSLROOTCERT: fluentdContainer.rdsCaBundle,
        ...secretFile("SQL_PASSWORD_FILE", fluentdContainer.secretFiles.sqlPassword, sql.password),
    };
}

/** Where the search sink is, and its credentials (targets/local/search.conf) or region (targets/aws/search.conf). */
function searchEnv(search: SearchEndpoint): FluentdEnv {
    const auth: FluentdEnv = search.auth.kind === "basic"
        ? { SEARCH_USER: search.auth.username, ...secretFile("SEARCH_PASSWORD_FILE", fluentdContainer.secretFiles.searchPassword, search.auth.password) }
        // SigV4 signs for a region; the credentials are the task role's, found by the plugin itself.
        : { SEARCH_REGION: search.auth.region };
    return {
        SEARCH_HOST: search.host,
        SEARCH_PORT: search.port.apply(String),
        SEARCH_SCHEME: search.scheme,
        SEARCH_INDEX_PREFIX: search.indexPrefix,
        SEARCH_RETENTION_DAYS: String(search.retentionDays),
        ...auth,
    };
}

/**
 * Keys never: the archive output takes the AWS SDK's default credentials, a container credentials endpoint's. On AWS
 * ECS gives the task that (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, its task role); locally the archive's own endpoint
 * does (the full URI and the token's file), and the S3-compatible server's endpoint is named
 * (targets/local/archive-access.conf).
 */
function archiveAccessEnv(archive: ArchiveEndpoint): FluentdEnv {
    const access = archive.access;
    return access.kind === "keys"
        ? {
            ARCHIVE_ENDPOINT: access.endpoint,
            AWS_CONTAINER_CREDENTIALS_FULL_URI: access.credentialsEndpoint.fullUri,
            ...secretFile("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", fluentdContainer.secretFiles.archiveCredentialsToken, access.credentialsEndpoint.token),
        }
        : {};
}

/**
 * Variables the AWS SDK inside fluentd reads, not the configs: the local stack's container credentials endpoint and
 * its token's file (aws-sdk-core's ECSCredentials).
 */
export const awsSdkEnv: readonly string[] = ["AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"];

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

/**
 * Read by fluentd/dle-entrypoint.sh, not by the configs: the user fluentd runs as once the entrypoint (root) has put
 * its files in place. The image's default is `fluent`; FireLens's log router sets `root`.
 */
export const fluentdUserEnv = "DLE_FLUENTD_USER";

/** The file a PEM is written to, by the variable the configs read. */
export type PemPathVariable = keyof typeof pemContentEnv;

/**
 * The credentials the configs read from files (`File.read(ENV.fetch('..._FILE'))`), by the variable that names the
 * file, and the variable their value travels in: on AWS an ECS secret, which fluentd/dle-entrypoint.sh writes to the
 * file and removes from the environment before fluentd starts; locally the file is uploaded (dockerFluentd) and the
 * value variable is never set.
 */
export const secretFileEnv = {
    FORWARD_SHARED_KEY_FILE: "FORWARD_SHARED_KEY",
    STORE_CONNECTION_STRING_FILE: "STORE_CONNECTION_STRING",
    SEARCH_PASSWORD_FILE: "SEARCH_PASSWORD",
    // Read by the AWS SDK, not a config; its value variable is dle's own, never the SDK's AWS_CONTAINER_AUTHORIZATION_TOKEN.
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "ARCHIVE_CREDENTIALS_TOKEN",
    SQL_PASSWORD_FILE: "SQL_PASSWORD",
} as const;

/** Every file fluentd/dle-entrypoint.sh writes from a variable, by the variable that names the file. */
export const fileContentEnv = { ...pemContentEnv, ...secretFileEnv } as const;

/** A credential the config reads from the file `file`: the variable naming the file, and the value's variable. */
function secretFile(pathVariable: keyof typeof secretFileEnv, file: string, value: pulumi.Input<string>): FluentdEnv {
    return { [pathVariable]: file, [secretFileEnv[pathVariable]]: pulumi.secret(value) };
}

/**
 * What a fluentd container writes besides its buffers, on both stacks (their root filesystems are read-only, FSBP
 * ECS.5): the TLS files and the credentials (uploaded there by the local stack, written at start by dle-entrypoint.sh on
 * AWS; either way the entrypoint hands them to fluentd's user), fluentd's temporary files, and /tmp, where fluentd's
 * supervisor opens its socket manager's socket (serverengine's socket_manager.rb: '/tmp' unless
 * SERVERENGINE_SOCKETMANAGER_SOCK_DIR; without it fluentd stops at start with "Read-only file system - connect(2) for
 * /tmp/SERVERENGINE_SOCKETMANAGER_…", as tests/docker/read-only-roots.test.ts found).
 */
export const fluentdWritablePaths: readonly string[] = [tlsDir, secretsDir, fluentdContainer.tmpDir, "/tmp"];

/** The entrypoint's variables for these files' contents. */
export function pemFileEnv(contents: Partial<Record<PemPathVariable, pulumi.Input<string>>>): FluentdEnv {
    return Object.fromEntries(Object.entries(contents).map(([pathVariable, pem]) => [pemContentEnv[pathVariable as PemPathVariable], pem!]));
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

/**
 * A local fluentd container's environment, without the credentials' values, and the credential files to upload in
 * their place, where the variables naming them point.
 */
export function dockerFluentd(env: FluentdEnv): { envs: pulumi.Output<string[]>; secretFiles: { file: string; content: pulumi.Input<string> }[] } {
    const valueVariables = new Set<string>(Object.values(secretFileEnv));
    const secretFiles = Object.entries(secretFileEnv)
        .filter(([pathVariable]) => env[pathVariable] !== undefined)
        .map(([pathVariable, valueVariable]) => ({ file: env[pathVariable] as string, content: env[valueVariable] }));
    return { envs: dockerEnvs(Object.fromEntries(Object.entries(env).filter(([name]) => !valueVariables.has(name)))), secretFiles };
}

/** A health check for the fluentd image (which has ruby but no curl): monitor_agent answers. */
export const fluentdHealthcheck = [
    "ruby", "-rnet/http", "-e",
    `exit Net::HTTP.get_response(URI("http://127.0.0.1:${fluentdContainer.monitorPort}/api/plugins.json")).is_a?(Net::HTTPSuccess)`,
];
