import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { dockerEnvs } from "../fluentd-env";
import { On } from "../platform";
import { localImagePlatform, projectRelative } from "../platform/build-context";
import { LocalPlatform } from "../platform/local";
import { asUser, fluentdLogDriver, localContainer } from "../platform/local-container";
import { CanaryArgs, CanaryOutputs, canaryCommand, canaryContainerName, canaryDir, canaryEnv, canaryHealthcheck, canaryMetricsPort, canaryReaderName } from "./args";
import { CanaryReaders } from "./local-providers";
import { canaryVariables as v, fileSuffix } from "./service/settings";
import { credentialsOf, withCredentials, withoutCredentials } from "./service/store-reader";

/** Where the canary's container reads its credentials: files readable by its user only, never the environment. */
export const canarySecretsDir = "/etc/dle-canary";
/** The Elasticsearch role of the canary's user: `read` on the log indices, nothing else. */
export const canaryReaderRole = "dle-canary-reader";
/** The user the Node.js image runs as; the container starts as root only to hand it the credential files. */
const canaryRunsAs = "node";

/**
 * The canary container on the stack's network, logging through Docker's fluentd log driver exactly as the webapp and
 * the api do, under its own tag. It reads the sinks with its own users, which may only read: a MongoDB user with the
 * role `read` on the log database and an Elasticsearch user with `read` on the log indices (both set up from the
 * machine running Pulumi, ./local-providers.ts), and the S3 gateway's reader keys. It publishes nothing: Prometheus
 * scrapes its metrics on the network.
 */
export function createLocalCanary(name: string, parent: pulumi.Resource, args: On<CanaryArgs, LocalPlatform>): CanaryOutputs {
    const { config, platform, agent, store, search, archive } = args;
    if (search.auth.kind !== "basic" || archive.access.kind !== "keys") {
        throw new Error(`The local canary \`${name}\` reads a search index with a login and an S3-compatible archive with keys.`);
    }
    const opts = { parent };
    const password = (suffix: string) => pulumi.secret(new random.RandomPassword(`${name}-${suffix}`, { length: 32, special: false }, opts).result);
    const storeReaderPassword = password("store-reader-password");
    const storeReader = pulumi.secret(pulumi.all([store.connectionString, storeReaderPassword])
        .apply(([connectionString, secret]) => withCredentials(connectionString, canaryReaderName, secret)));
    const searchReaderPassword = password("search-reader-password");

    const readers = new CanaryReaders(`${name}-readers`, {
        store: {
            address: store.publishedConnectionString.apply(withoutCredentials),
            admin: pulumi.secret(store.publishedConnectionString.apply(credentialsOf)),
            reader: { username: canaryReaderName, password: storeReaderPassword },
            database: config.store.database,
        },
        search: {
            // The published port, once the Elasticsearch container is up (its host output carries that dependency).
            url: pulumi.all([search.host, search.publishedUrl]).apply(([, url]) => url),
            superuser: { username: search.auth.username, password: search.auth.password },
            role: { name: canaryReaderRole, indexPattern: `${search.indexPrefix}-*` },
            user: { username: canaryReaderName, password: searchReaderPassword },
        },
    }, opts);

    const image = new docker.Image(`${name}-image`, {
        imageName: `${name}:local`,
        build: {
            context: projectRelative(canaryDir),
            dockerfile: projectRelative(path.join(canaryDir, "Dockerfile")),
            args: { NODE_IMAGE: config.images.node },
            target: "local",
            platform: localImagePlatform(),
        },
        // The image stays on this Docker host: there is no registry to push to locally.
        skipPush: true,
    }, opts);

    const credentials: [string, pulumi.Input<string>][] = [
        [v.storeConnectionString, storeReader],
        [v.searchPassword, searchReaderPassword],
        [v.archiveAccessKeyId, archive.access.reader.accessKeyId],
        [v.archiveSecretAccessKey, archive.access.reader.secretAccessKey],
    ];
    const fileOf = (variable: string) => `${canarySecretsDir}/${variable.toLowerCase()}`;
    const canary = localContainer(name, {
        platform,
        // Its ID (sha256:…): the container is replaced whenever the image changes.
        image: image.repoDigest,
        alias: canaryContainerName,
        envs: dockerEnvs({
            ...canaryEnv(config, { search, archive }),
            ...Object.fromEntries(credentials.map(([variable]) => [`${variable}${fileSuffix}`, fileOf(variable)])),
        }),
        command: canaryCommand,
        // The Docker provider may give an upload any owner: the container starts as root, hands the credential files
        // to the image's node user, mode 0400, and runs the canary as node (see SecretFiles).
        user: "0:0",
        secretFiles: {
            owner: canaryRunsAs,
            imageEntrypoint: [...asUser(canaryRunsAs), "docker-entrypoint.sh"],
            files: credentials.map(([variable, content]) => ({ file: fileOf(variable), content })),
        },
        healthcheck: canaryHealthcheck,
        // The credential files' directory; it writes nothing else.
        writablePaths: [canarySecretsDir],
        memoryMb: 256,
        // Its lines take the applications' way: dockerd hands them to the agent.
        ...fluentdLogDriver(agent, canaryContainerName),
        // Its users must exist before it reads with them.
        after: [readers],
    }, parent);
    return {
        name: canary.container.name,
        metricsAddress: pulumi.interpolate`${canary.host}:${canaryMetricsPort}`,
    };
}
