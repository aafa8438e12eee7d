/**
 * Keyless S3 on the local stack: the forwarders get the archive's keys as an ECS task gets its role's, from a
 * container credentials endpoint, and hold none themselves: not in their environment, not in a file uploaded to them.
 * The endpoint sits where the AWS SDK for Ruby accepts a plain-HTTP AWS_CONTAINER_CREDENTIALS_FULL_URI (ECS's
 * link-local address), on an internal network that only the forwarders join.
 */
import * as fs from "fs";
import * as path from "path";
import { credentialsEndpoint } from "../../components/archive/local";
import { endpointVariables, readProfile } from "../../components/archive/credentials-endpoint/endpoint";
import { fluentdContainer } from "../../components/fluentd-env";
import { RecordedResource, containerEnv, containerFiles, containerUploads, generatedSecretMarker, installMocks, plainSecretPaths, programLoadTimeoutMs, runProgram, unwrapSecrets } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "local" });

beforeAll(async () => {
    await runProgram();
}, programLoadTimeoutMs);

const containers = () => resources.filter((r) => r.type === "docker:index/container:Container");
const container = (name: string) => {
    const found = containers().find((c) => c.name === name);
    if (!found) throw new Error(`no container ${name}; have ${containers().map((c) => c.name).join(", ")}`);
    return found;
};
type Upload = { file: string; content: string; permissions?: string };
type Attachment = { name: string; aliases?: string[]; ipv4Address?: string };
const networksOf = (name: string) => container(name).inputs.networksAdvanced as Attachment[];
const archiveKeys = ["dle-log-archive-access-key", "dle-log-archive-secret-key"].map((k) => `${generatedSecretMarker}${k}`);
const forwarders = ["dle-log-forwarder-pri", "dle-log-forwarder-sec"];
const endpointName = "dle-log-archive-credentials";

describe("the forwarders hold no archive key", () => {
    it.each(forwarders)("%s has neither key in its environment or its uploaded files", (name) => {
        const env = JSON.stringify(unwrapSecrets(container(name).inputs.envs));
        const uploads = JSON.stringify(unwrapSecrets(containerUploads(resources, name)));
        for (const key of archiveKeys) {
            expect(env).not.toContain(key);
            expect(uploads).not.toContain(key);
        }
        // Nor any variable the AWS SDK would take keys from.
        expect(Object.keys(containerEnv(resources, name)).filter((v) => /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|SHARED_CREDENTIALS_FILE)$/.test(v))).toEqual([]);
    });

    it.each(forwarders)("%s asks the endpoint at ECS's address, with the token from a file", (name) => {
        const env = containerEnv(resources, name);
        const uri = new URL(env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
        // aws-sdk-core takes plain HTTP only to loopback, 169.254.170.2 (ECS) or 169.254.170.23 (EKS).
        expect(uri.protocol).toBe("http:");
        expect(uri.hostname).toBe("169.254.170.2");
        expect(`${uri.port}`).toBe(String(credentialsEndpoint.port));
        expect(uri.pathname).toBe(credentialsEndpoint.path);
        expect(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE).toBe(fluentdContainer.secretFiles.archiveCredentialsToken);
        // Never the token itself in the environment: the SDK reads the file at every request.
        expect(env.AWS_CONTAINER_AUTHORIZATION_TOKEN).toBeUndefined();
        expect(containerFiles(resources, name)[env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE]).toBe(`${generatedSecretMarker}dle-log-archive-credentials-token`);
    });
});

describe("the container credentials endpoint", () => {
    it("is on an internal network of its own, on ECS's link-local subnet, at ECS's endpoint address", () => {
        const network = resources.find((r) => r.type === "docker:index/network:Network" && r.name === endpointName)!;
        expect(network.inputs).toEqual(expect.objectContaining({
            internal: true,
            ipamConfigs: [{ subnet: "169.254.170.0/24", gateway: "169.254.170.1" }],
        }));
        expect(networksOf(endpointName)).toEqual([{ name: endpointName, aliases: ["archive-credentials"], ipv4Address: "169.254.170.2" }]);
    });

    it("is reached by the two forwarders only", () => {
        const joined = containers().filter((c) => ((c.inputs.networksAdvanced ?? []) as Attachment[]).some((n) => n.name === endpointName)).map((c) => c.name);
        expect(joined.sort()).toEqual([endpointName, ...forwarders].sort());
        // The stack's network stays the forwarders' first: its alias is their name there.
        for (const name of forwarders) expect(networksOf(name)[0].name).toBe("dle");
    });

    it("serves the archive's writer keys from a secret shared-credentials file, and expects the forwarders' token", () => {
        const env = containerEnv(resources, endpointName);
        const files = containerFiles(resources, endpointName);
        const keys = readProfile(files[env[endpointVariables.credentialsFile]], env[endpointVariables.profile]);
        expect(keys).toEqual({ accessKeyId: archiveKeys[0], secretAccessKey: archiveKeys[1] });
        expect(files[env[endpointVariables.tokenFile]]).toBe(`${generatedSecretMarker}dle-log-archive-credentials-token`);
        const uploads = unwrapSecrets(containerUploads(resources, endpointName)) as Upload[];
        for (const file of [env[endpointVariables.credentialsFile], env[endpointVariables.tokenFile]]) {
            expect(uploads.find((u) => u.file === file)?.permissions).toBe("0400");
        }
        expect(plainSecretPaths(containerUploads(resources, endpointName))).toEqual([]);
        expect(JSON.stringify(unwrapSecrets(container(endpointName).inputs.envs))).not.toContain(generatedSecretMarker);
    });

    it("runs the repository's endpoint source as it is, in the pinned Node.js image, as the image's node user", () => {
        const endpoint = container(endpointName);
        const uploads = unwrapSecrets(containerUploads(resources, endpointName)) as Upload[];
        for (const source of ["endpoint.ts", "server.ts"]) {
            const uploaded = uploads.find((u) => u.file === `${credentialsEndpoint.dir}/${source}`);
            expect(uploaded?.content).toBe(fs.readFileSync(path.join(__dirname, "../../components/archive/credentials-endpoint", source), "utf8"));
        }
        expect(endpoint.inputs.command).toEqual(["node", "--disable-warning=MODULE_TYPELESS_PACKAGE_JSON", `${credentialsEndpoint.dir}/server.ts`]);
        const entrypoint = endpoint.inputs.entrypoints as string[];
        expect(entrypoint.slice(entrypoint.indexOf("--") + 1)).toEqual(["su", "-s", "/bin/sh", "-c", 'exec "$0" "$@"', "--", "node", "docker-entrypoint.sh"]);
        expect(endpoint.inputs.ports ?? []).toEqual([]);
    });
});
