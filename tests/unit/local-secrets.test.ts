/**
 * Credentials are files in the local stack's containers, never environment variables (which `docker inspect` shows
 * to anyone who can reach the Docker engine): the shared key and the MongoDB, Elasticsearch and S3 credentials
 * are uploaded as secret inputs, readable by their owner only, where a *_FILE variable (or the server's own flag)
 * names them.
 */
import { RecordedResource, containerUploads, containerEnv, containerFiles, generatedSecretMarker, installMocks, plainSecretPaths, programLoadTimeoutMs, runProgram, unwrapSecrets } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "local" });

beforeAll(async () => {
    await runProgram();
}, programLoadTimeoutMs);

const containers = () => resources.filter((r) => r.type === "docker:index/container:Container");
type Upload = { file: string; content: string; permissions?: string };

describe("local credentials as files", () => {
    it("puts no generated credential in any container's environment", () => {
        const inEnvironment = containers().flatMap((c) => ((unwrapSecrets(c.inputs.envs) ?? []) as string[])
            .filter((pair) => pair.includes(generatedSecretMarker))
            .map((pair) => `${c.name}: ${pair.slice(0, pair.indexOf("="))}`));
        expect(inEnvironment).toEqual([]);
    });

    it.each([
        ["dle-log-store", ["dle-log-store-root-password"]],
        ["dle-log-search", ["dle-log-search-elastic-password"]],
        ["dle-log-archive", ["dle-log-archive-access-key", "dle-log-archive-secret-key"]],
        ["dle-log-archive-credentials", ["dle-log-archive-access-key", "dle-log-archive-secret-key", "dle-log-archive-credentials-token"]],
        ["dle-log-agent", ["dle-forward-security-shared-key"]],
        ["dle-log-forwarder-pri", ["dle-forward-security-shared-key", "dle-log-store-root-password", "dle-log-search-elastic-password", "dle-log-archive-credentials-token"]],
        ["dle-log-forwarder-sec", ["dle-forward-security-shared-key", "dle-log-store-root-password", "dle-log-search-elastic-password", "dle-log-archive-credentials-token"]],
    ])("hands %s its credentials as files, secret inputs readable by their owner only", (name, credentials) => {
        const uploads = unwrapSecrets(containerUploads(resources, name)) as Upload[];
        for (const credential of credentials) {
            const holding = uploads.filter((u) => u.content.includes(`${generatedSecretMarker}${credential}`));
            expect(holding.map((u) => `${u.file} ${u.permissions}`)).toEqual([expect.stringMatching(/ 0400$/)]);
        }
        // Secret inputs (encrypted in the state): no credential anywhere in the uploads outside a secret.
        expect(plainSecretPaths(containerUploads(resources, name))).toEqual([]);
    });

    it("points every *_FILE variable at a file the container gets", () => {
        const dangling = containers().flatMap((c) => {
            const files = containerFiles(resources, c.name);
            return Object.entries(containerEnv(resources, c.name))
                .filter(([variable, file]) => variable.endsWith("_FILE") && files[file] === undefined)
                .map(([variable, file]) => `${c.name}: ${variable}=${file}`);
        });
        expect(dangling).toEqual([]);
    });

    it.each([
        ["dle-log-store", "mongodb", "MONGO_INITDB_ROOT_PASSWORD_FILE"],
        ["dle-log-search", "1000:0", "ELASTIC_PASSWORD_FILE"],
    ])("starts %s by handing its password file to %s before the image's entrypoint", (name, owner, variable) => {
        const container = containers().find((c) => c.name === name)!;
        const entrypoint = container.inputs.entrypoints as string[];
        const file = containerEnv(resources, name)[variable];
        // sh -c <script> dle-secret-files <owner> <file>... -- <image entrypoint>
        expect(entrypoint.slice(3, entrypoint.indexOf("--"))).toEqual(["dle-secret-files", owner, file]);
    });

    it("runs Elasticsearch as its own user, never as root, after the hand-over", () => {
        const search = containers().find((c) => c.name === "dle-log-search")!;
        const entrypoint = search.inputs.entrypoints as string[];
        expect(search.inputs.user).toBe("0:0");
        expect(entrypoint.slice(entrypoint.indexOf("--") + 1)).toEqual([
            "setpriv", "--reuid=1000", "--regid=0", "--clear-groups", "--", "/bin/tini", "--", "/usr/local/bin/docker-entrypoint.sh",
        ]);
        expect(search.inputs.command).toEqual(["eswrapper"]);
    });
});
