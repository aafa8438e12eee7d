/**
 * Each Docker policy of the pack fails on a violating input: the local stack as the mocked program registers it, with
 * one resource changed. Each case expects exactly the violations of that slip, from the whole pack.
 */
import * as path from "path";
import { asLines, policyViolations, withChange } from "../support/policy-harness";
import { RecordedResource, installMocks, programLoadTimeoutMs, runProgram } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "local" });

beforeAll(async () => {
    await runProgram();
}, programLoadTimeoutMs);

type Change = Parameters<typeof withChange>[3];
const container = "docker:index/container:Container";
const image = "docker:index/image:Image";

describe("the policy pack on a changed local stack", () => {
    it.each<[string, string, string, Change, string[]]>([
        ["a port published on every interface", container, "dle-webapp", (i) => { (i.ports as { ip?: string }[])[0].ip = "0.0.0.0"; }, [
            "docker-ports-on-loopback dle-webapp: port 80 is published on 0.0.0.0: expected 127.0.0.1",
        ]],
        ["a port published without an address", container, "dle-log-agent", (i) => { delete (i.ports as { ip?: string }[])[0].ip; }, [
            "docker-ports-on-loopback dle-log-agent: port 24224 is published on every interface (no ip): expected 127.0.0.1",
        ]],
        ["a container with a writable root filesystem", container, "dle-canary", (i) => { delete i.readOnly; }, [
            "docker-read-only-root dle-canary: readOnly undefined: expected true, the paths the container writes as volumes",
        ]],
        ["a files container that would run, read-only", container, "dle-webapp-files", (i) => { i.start = true; i.readOnly = true; }, [
            "docker-uploads-in-volumes dle-webapp-files: 3 upload(s) into a container that runs: expected them in a files container (start and mustRun false) whose volumes it mounts",
        ]],
        ["a files container that would run, writable", container, "dle-webapp-files", (i) => { delete i.mustRun; }, [
            "docker-read-only-root dle-webapp-files: readOnly undefined: expected true, the paths the container writes as volumes",
            "docker-uploads-in-volumes dle-webapp-files: 3 upload(s) into a container that runs: expected them in a files container (start and mustRun false) whose volumes it mounts",
        ]],
        ["an upload outside the files container's volumes", container, "dle-webapp-files", (i) => { i.volumes = []; }, [
            "docker-uploads-in-volumes dle-webapp-files: upload /etc/nginx/nginx.conf is in no writable volume: expected it under one of (no volume)",
            "docker-uploads-in-volumes dle-webapp-files: upload /etc/nginx/api-upstream.conf is in no writable volume: expected it under one of (no volume)",
            "docker-uploads-in-volumes dle-webapp-files: upload /etc/nginx/html/index.html is in no writable volume: expected it under one of (no volume)",
        ]],
        ["an upload into a read-only volume", container, "dle-log-agent-files", (i) => {
            for (const v of i.volumes as { containerPath: string; readOnly?: boolean }[]) if (v.containerPath === "/fluentd/etc/secrets") v.readOnly = true;
        }, [
            "docker-uploads-in-volumes dle-log-agent-files: upload /fluentd/etc/secrets/forward-shared-key is in no writable volume: expected it under one of /fluentd/etc/tls",
        ]],
        ["a health check interval Docker reads back otherwise, and a memory limit without a swap limit", container, "dle-log-search", (i) => {
            (i.healthcheck as Record<string, string>).interval = "60s";
            delete i.memorySwap;
        }, [
            "docker-read-back-forms dle-log-search: healthcheck.interval \"60s\": expected whole seconds in Go's form, as Docker reports them back (\"30s\", \"1m0s\", \"1h0m0s\", not \"60s\") (Docker Engine API, HealthConfig (durations), as pulumi-docker reads them back)",
            "docker-read-back-forms dle-log-search: memory 1536 with memorySwap undefined: expected memorySwap equal to memory, as Docker reads it back",
        ]],
        ["a build from an absolute path, for no platform", image, "dle-fluentd", (i) => {
            const build = i.build as Record<string, unknown>;
            build.context = path.resolve("fluentd");
            delete build.platform;
        }, [
            `docker-builds-relative-with-platform dle-fluentd: build.context ${JSON.stringify(path.resolve("fluentd"))}: expected a path relative to the project`,
            "docker-builds-relative-with-platform dle-fluentd: build.platform: expected an explicit platform, like \"linux/amd64\"",
        ]],
        ["a container on a floating tag", container, "dle-webapp", (i) => { i.image = "nginx:latest"; }, [
            expect.stringMatching(/^images-pinned dle-webapp: image "nginx:latest": expected an image reference with a pinned tag/),
        ]],
        ["a build from a base without a tag", image, "dle-api-image", (i) => { (i.build as { args: Record<string, string> }).args.NODE_IMAGE = "node"; }, [
            expect.stringMatching(/^images-pinned dle-api-image: build argument NODE_IMAGE "node": expected an image reference with a pinned tag/),
        ]],
        ["a password in a container's environment", container, "dle-log-search", (i) => { (i.envs as string[]).push("ELASTIC_PASSWORD=hunter2"); }, [
            "no-plaintext-secrets dle-log-search: envs: ELASTIC_PASSWORD holds a credential in plain text: expected it as a file (locally) or an ECS secret (on AWS)",
        ]],
        ["the archive's credentials token in a forwarder's environment, and keys in its endpoint's URI", container, "dle-log-forwarder-pri", (i) => {
            const envs = i.envs as string[];
            envs.push("AWS_CONTAINER_AUTHORIZATION_TOKEN=abc123");
            const at = envs.findIndex((e) => e.startsWith("AWS_CONTAINER_CREDENTIALS_FULL_URI="));
            envs[at] = "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://AKID:secret@169.254.170.2:8080/v1/credentials/dle-forwarder";
        }, [
            "no-plaintext-secrets dle-log-forwarder-pri: envs: AWS_CONTAINER_AUTHORIZATION_TOKEN holds a credential in plain text: expected it as a file (locally) or an ECS secret (on AWS)",
            expect.stringMatching(/^no-plaintext-secrets dle-log-forwarder-pri: envs\[\d+\] holds a URI with a password in plain text$/),
        ]],
        ["a private key in a command line", container, "dle-log-agent", (i) => { i.command = ["fluentd", "--key", "-----BEGIN EC PRIVATE KEY-----\nMHc...\n-----END EC PRIVATE KEY-----"]; }, [
            "no-plaintext-secrets dle-log-agent: command[2] holds a private key in plain text",
        ]],
    ])("reports %s", async (_, resourceType, name, change, expected) => {
        expect(asLines(await policyViolations(withChange(resources, resourceType, name, change)))).toEqual(expected);
    });
});
