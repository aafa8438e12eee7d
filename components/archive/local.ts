import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ArchiveEndpoint } from "../endpoints";
import { localContainer, localVolume, publishedHost } from "../platform/local-container";
import { ArchiveArgs } from "./index";
import { LocalPlatform } from "../platform/local";
import { On } from "../platform";

const s3Port = 9000;
const region = "us-east-1";

/** MinIO on the local Docker network; its root credentials are generated and are the forwarders' keys. */
export function createLocalArchive(name: string, parent: pulumi.Resource, args: On<ArchiveArgs, LocalPlatform>): ArchiveEndpoint {
    const { config, platform } = args;
    const accessKey = new random.RandomString(`${name}-access-key`, { length: 20, special: false, upper: true, lower: false }, { parent });
    const secretKey = new random.RandomPassword(`${name}-secret-key`, { length: 40, special: false }, { parent });
    // Both keys are credentials: secret from the start (RandomString's result is not secret by itself).
    const accessKeyId = pulumi.secret(accessKey.result);
    const secretAccessKey = pulumi.secret(secretKey.result);
    const data = localVolume(`${name}-data`, parent);

    const minio = localContainer(name, {
        platform,
        image: config.images.s3,
        alias: "archive",
        command: ["server", "/data"],
        envs: pulumi.secret(pulumi.all([accessKeyId, secretAccessKey]).apply(([id, key]) => [
            `MINIO_ROOT_USER=${id}`,
            `MINIO_ROOT_PASSWORD=${key}`,
            `MINIO_REGION=${region}`,
        ])),
        // The image has no curl; its own client checks readiness.
        healthcheck: ["mc", "ready", "local"],
        publish: [{ internal: s3Port, external: config.ports.archive }],
        volumes: [{ volume: data, containerPath: "/data" }],
    }, parent);

    return {
        region: pulumi.output(region),
        bucket: pulumi.output(config.archive.bucket),
        keyPrefix: config.archive.keyPrefix,
        access: {
            kind: "keys",
            endpoint: pulumi.interpolate`http://${minio.host}:${s3Port}`,
            publishedEndpoint: pulumi.output(`http://${publishedHost}:${config.ports.archive}`),
            accessKeyId,
            secretAccessKey,
        },
    };
}
