import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { ArchiveEndpoint } from "../endpoints";
import { asUser, localContainer, localVolume, publishedHost } from "../platform/local-container";
import { endpointVariables } from "./credentials-endpoint/endpoint";
import { ArchiveArgs } from "./args";
import { LocalPlatform } from "../platform/local";
import { On } from "../platform";

const s3Port = 9000;
const region = "us-east-1";
/** Where the S3 gateway reads its identities (seaweedfs `-s3.config`): the only copy of the keys in the container. */
const s3ConfigFile = "/etc/seaweedfs/s3.json";

/**
 * The container credentials endpoint (./credentials-endpoint/): the forwarders' AWS SDK asks it for their keys, as it
 * asks ECS's for a task role's. Its network is its own, on the subnet ECS's endpoint is at: the AWS SDK for Ruby
 * takes a plain-HTTP AWS_CONTAINER_CREDENTIALS_FULL_URI only on a loopback address or ECS's and EKS's link-local ones
 * (aws-sdk-core's ECSCredentials#validate_full_uri!), and a container's loopback is its own.
 */
export const credentialsEndpoint = {
    subnet: "169.254.170.0/24",
    gateway: "169.254.170.1",
    /** ECS's address for its credentials endpoint. */
    address: "169.254.170.2",
    port: 8080,
    path: "/v1/credentials/dle-forwarder",
    /** Where its files are in the container (the stock Node.js image). */
    dir: "/dle",
    /** The profile of its credentials file that it serves. */
    profile: "dle-archive",
    /** The Node.js image's user, which it runs as. */
    user: "node",
} as const;

/** The endpoint's source files, uploaded as they are: Node.js runs them with its type stripping. */
const endpointSources = ["endpoint.ts", "server.ts"];

/** An AWS shared-credentials file with one profile. */
export function sharedCredentialsFile(profile: string, keys: { accessKeyId: string; secretAccessKey: string }): string {
    return `[${profile}]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`;
}

/**
 * The S3 gateway's identities (SeaweedFS's s3.json): the forwarders', with the generated keys, that may create buckets
 * and read, list, tag and write objects; and a reader's, with keys of its own, that may only read and list them (the
 * canary's). No anonymous identity: every request must be signed with one of those keys.
 */
export function seaweedfsS3Config(writer: { accessKeyId: string; secretAccessKey: string }, reader: { accessKeyId: string; secretAccessKey: string }): string {
    return JSON.stringify({
        identities: [
            {
                name: "dle",
                credentials: [{ accessKey: writer.accessKeyId, secretKey: writer.secretAccessKey }],
                actions: ["Admin", "Read", "List", "Tagging", "Write"],
            },
            {
                name: "dle-reader",
                credentials: [{ accessKey: reader.accessKeyId, secretKey: reader.secretAccessKey }],
                actions: ["Read", "List"],
            },
        ],
    }, null, 2);
}

/**
 * SeaweedFS (master, volume server, filer and S3 gateway in one process) on the local Docker network, with
 * generated keys, which are the forwarders' keys. Only the S3 gateway listens beyond the container's loopback:
 * the filer's and master's HTTP APIs have no authentication of their own. (Its gRPC port, 10000 above the S3 port,
 * binds where the gateway does and takes identity changes unauthenticated: SeaweedFS has no flag to bind it to the
 * loopback. Only the stack's containers reach it; nothing publishes it.)
 */
export function createLocalArchive(name: string, parent: pulumi.Resource, args: On<ArchiveArgs, LocalPlatform>): ArchiveEndpoint {
    const { config, platform } = args;
    const accessKey = new random.RandomString(`${name}-access-key`, { length: 20, special: false, upper: true, lower: false }, { parent });
    const secretKey = new random.RandomPassword(`${name}-secret-key`, { length: 40, special: false }, { parent });
    const readerAccessKey = new random.RandomString(`${name}-reader-access-key`, { length: 20, special: false, upper: true, lower: false }, { parent });
    const readerSecretKey = new random.RandomPassword(`${name}-reader-secret-key`, { length: 40, special: false }, { parent });
    // Every key is a credential: secret from the start (RandomString's result is not secret by itself).
    const accessKeyId = pulumi.secret(accessKey.result);
    const secretAccessKey = pulumi.secret(secretKey.result);
    const reader = { accessKeyId: pulumi.secret(readerAccessKey.result), secretAccessKey: pulumi.secret(readerSecretKey.result) };
    const data = localVolume(`${name}-data`, parent);

    const seaweedfs = localContainer(name, {
        platform,
        image: config.images.s3,
        alias: "archive",
        // The image's entrypoint adds the data directory (/data) and volume sizing to `server`.
        command: [
            "server",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-s3", `-s3.port=${s3Port}`, "-s3.ip.bind=0.0.0.0", `-s3.config=${s3ConfigFile}`,
            // No IAM API on the S3 port (the identities are the file's), and no usage reports to the project.
            "-s3.iam=false", "-master.telemetry=false",
            // SeaweedFS 4.x also opens an Iceberg REST catalog (:8181) and a Lance namespace server (:9101) on the S3
            // gateway's address, unless their port is 0 (weed/command/server.go, -s3.port.iceberg, -s3.port.lance).
            "-s3.port.iceberg=0", "-s3.port.lance=0",
        ],
        // The image's entrypoint drops to its `seaweed` user, which reads the identities.
        secretFiles: {
            owner: "seaweed",
            imageEntrypoint: ["/entrypoint.sh"],
            files: [{
                file: s3ConfigFile,
                content: pulumi.all([accessKeyId, secretAccessKey, reader.accessKeyId, reader.secretAccessKey])
                    .apply(([id, key, readerId, readerKey]) => seaweedfsS3Config({ accessKeyId: id, secretAccessKey: key }, { accessKeyId: readerId, secretAccessKey: readerKey })),
            }],
        },
        // The S3 gateway's own health endpoint, unauthenticated.
        healthcheck: ["curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${s3Port}/healthz`],
        startPeriodSeconds: 30,
        publish: [{ internal: s3Port, external: config.ports.archive }],
        volumes: [{ volume: data, containerPath: "/data" }],
        // The identities file's directory, and /tmp.
        writablePaths: ["/etc/seaweedfs", "/tmp"],
    }, parent);

    const endpoint = createCredentialsEndpoint(name, parent, args, { accessKeyId, secretAccessKey });

    return {
        region: pulumi.output(region),
        bucket: pulumi.output(config.archive.bucket),
        keyPrefix: config.archive.keyPrefix,
        access: {
            kind: "keys",
            endpoint: pulumi.interpolate`http://${seaweedfs.host}:${s3Port}`,
            publishedEndpoint: pulumi.output(`http://${publishedHost}:${config.ports.archive}`),
            accessKeyId,
            secretAccessKey,
            reader,
            credentialsEndpoint: endpoint,
        },
    };
}

/**
 * The forwarders' container credentials endpoint, serving the writer's keys to whoever sends its generated token, on
 * an internal network of its own (no route out) that only the forwarders join. Its files (the token and a
 * shared-credentials file with the keys) are secret uploads, handed to the image's node user.
 */
function createCredentialsEndpoint(name: string, parent: pulumi.Resource, args: On<ArchiveArgs, LocalPlatform>,
    keys: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> }): ArchiveEndpointCredentials {
    const { config, platform } = args;
    const e = credentialsEndpoint;
    const network = new docker.Network(`${name}-credentials`, {
        name: `${name}-credentials`,
        driver: "bridge",
        internal: true,
        ipamConfigs: [{ subnet: e.subnet, gateway: e.gateway }],
    }, { parent });
    const tokenSecret = new random.RandomPassword(`${name}-credentials-token`, { length: 40, special: false }, { parent });
    const token = pulumi.secret(tokenSecret.result);
    const tokenFile = `${e.dir}/token`;
    const credentialsFile = `${e.dir}/credentials`;
    const container = localContainer(`${name}-credentials`, {
        platform,
        image: config.images.node,
        alias: "archive-credentials",
        network: { name: network.name, ipv4Address: e.address },
        command: ["node", "--disable-warning=MODULE_TYPELESS_PACKAGE_JSON", `${e.dir}/server.ts`],
        envs: [
            `${endpointVariables.port}=${e.port}`,
            `${endpointVariables.path}=${e.path}`,
            `${endpointVariables.tokenFile}=${tokenFile}`,
            `${endpointVariables.credentialsFile}=${credentialsFile}`,
            `${endpointVariables.profile}=${e.profile}`,
        ],
        uploads: endpointSources.map((file) => ({
            file: `${e.dir}/${file}`,
            content: fs.readFileSync(path.join(__dirname, "credentials-endpoint", file), "utf8"),
        })),
        secretFiles: {
            owner: e.user,
            imageEntrypoint: [...asUser(e.user), "docker-entrypoint.sh"],
            files: [
                { file: tokenFile, content: token },
                {
                    file: credentialsFile,
                    content: pulumi.all([keys.accessKeyId, keys.secretAccessKey])
                        .apply(([accessKeyId, secretAccessKey]) => sharedCredentialsFile(e.profile, { accessKeyId, secretAccessKey })),
                },
            ],
        },
        // The Node.js image is Alpine's, with BusyBox's wget.
        healthcheck: ["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${e.port}/healthz`],
        memoryMb: 128,
        // Its sources and secret files, uploaded: nothing else is written.
        writablePaths: [e.dir],
    }, parent);
    return {
        // From the container: the forwarders are created once it is up.
        fullUri: container.container.id.apply(() => `http://${e.address}:${e.port}${e.path}`),
        token,
        network: network.name,
    };
}

type ArchiveEndpointCredentials = Extract<ArchiveEndpoint["access"], { kind: "keys" }>["credentialsEndpoint"];
