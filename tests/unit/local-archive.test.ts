/**
 * The local archive: SeaweedFS's S3 gateway (a maintained S3-compatible server; MinIO's community images stopped in
 * October 2025), with the generated keys in its identities file, never in its environment.
 */
import * as pulumi from "@pulumi/pulumi";
import { defaults } from "../../components/config";
import { seaweedfsS3Config } from "../../components/archive/local";
import { RecordedResource, containerUploads, generatedSecretMarker, installMocks, plainSecretPaths, programLoadTimeoutMs, runProgram, unwrapSecrets, valueOf } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "local" });
let program: Record<string, unknown>;

beforeAll(async () => {
    program = await runProgram();
}, programLoadTimeoutMs);

const archive = () => {
    const found = resources.find((r) => r.type === "docker:index/container:Container" && r.name === "dle-log-archive");
    if (!found) throw new Error("no dle-log-archive container");
    return found;
};
type Upload = { file: string; content: string; permissions?: string };
const flag = (name: string) => (archive().inputs.command as string[]).find((arg) => arg.startsWith(`-${name}=`))?.split("=")[1];

describe("local archive (SeaweedFS)", () => {
    it("runs the pinned SeaweedFS image as one server with its S3 gateway on port 9000", () => {
        expect(defaults.s3Image).toMatch(/^chrislusf\/seaweedfs:\d+\.\d+$/);
        expect(archive().inputs.image).toBe(defaults.s3Image);
        const command = archive().inputs.command as string[];
        expect(command[0]).toBe("server");
        expect(command).toContain("-s3");
        expect(flag("s3.port")).toBe("9000");
    });

    it("listens beyond its loopback with the S3 gateway only: the master's and filer's APIs have no authentication", () => {
        expect(flag("ip")).toBe("127.0.0.1");
        expect(flag("ip.bind")).toBe("127.0.0.1");
        expect(flag("s3.ip.bind")).toBe("0.0.0.0");
        expect(flag("s3.iam")).toBe("false");
    });

    it("turns off the Iceberg catalog and the Lance server that SeaweedFS 4.x opens beside the S3 gateway", () => {
        expect([flag("s3.port.iceberg"), flag("s3.port.lance")]).toEqual(["0", "0"]);
    });

    it("reads its identities, the forwarders' and the reader's, each with generated keys, from a secret file readable by its user only", () => {
        const uploads = unwrapSecrets(containerUploads(resources, "dle-log-archive")) as Upload[];
        const config = uploads.find((u) => u.file === flag("s3.config"));
        expect(config?.permissions).toBe("0400");
        expect(JSON.parse(config!.content)).toEqual({
            identities: [{
                name: "dle",
                credentials: [{ accessKey: `${generatedSecretMarker}dle-log-archive-access-key`, secretKey: `${generatedSecretMarker}dle-log-archive-secret-key` }],
                actions: ["Admin", "Read", "List", "Tagging", "Write"],
            }, {
                // The canary's: it may read and list, never write.
                name: "dle-reader",
                credentials: [{ accessKey: `${generatedSecretMarker}dle-log-archive-reader-access-key`, secretKey: `${generatedSecretMarker}dle-log-archive-reader-secret-key` }],
                actions: ["Read", "List"],
            }],
        });
        expect(plainSecretPaths(containerUploads(resources, "dle-log-archive"))).toEqual([]);
        // Not in the environment: `docker inspect` shows that.
        expect(JSON.stringify(unwrapSecrets(archive().inputs.envs) ?? [])).not.toContain(generatedSecretMarker);
        // The image's entrypoint drops to its seaweed user, which must be able to read it whoever owns the upload.
        expect(archive().inputs.entrypoints).toEqual(expect.arrayContaining(["seaweed", flag("s3.config"), "--", "/entrypoint.sh"]));
    });

    it("has no anonymous identity: an unsigned request is refused", () => {
        const identities = (JSON.parse(seaweedfsS3Config({ accessKeyId: "AKID", secretAccessKey: "secret" }, { accessKeyId: "READER", secretAccessKey: "reader-secret" })) as { identities: { name: string; credentials?: unknown[] }[] }).identities;
        expect(identities.filter((i) => !i.credentials?.length)).toEqual([]);
        expect(identities.map((i) => i.name)).not.toContain("anonymous");
    });

    it("checks health at the S3 gateway's own endpoint", () => {
        expect((archive().inputs.healthcheck as { tests: string[] }).tests).toEqual(["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9000/healthz"]);
    });

    it("keeps the outputs: the endpoint on 127.0.0.1, the keys as secrets", async () => {
        expect(await valueOf(program.archiveEndpoint as pulumi.Input<string>)).toBe("http://127.0.0.1:9000");
        expect(await pulumi.isSecret(program.archiveSecretAccessKey as pulumi.Output<string>)).toBe(true);
        expect(await pulumi.isSecret(program.archiveAccessKeyId as pulumi.Output<string>)).toBe(true);
    });
});
