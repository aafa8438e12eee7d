/**
 * The canary on the local stack, under Pulumi's mock runtime: its image and container, that it logs exactly as the
 * applications do (Docker's fluentd log driver, to the agent), the settings it gets from the stack config, that it
 * reads every sink with users of its own that may only read (and never gets an admin credential), and that Prometheus
 * scrapes it.
 */
import * as path from "path";
import { canaryDir } from "../../components/canary";
import { canaryCommand, canaryMetricsPort, canaryReaderName } from "../../components/canary/args";
import { canaryReaderRole, canarySecretsDir } from "../../components/canary/local";
import { canaryVariables as v } from "../../components/canary/service/settings";
import { defaults } from "../../components/config";
import { localImagePlatform } from "../../components/platform/build-context";
import { asUser } from "../../components/platform/local-container";
import { RecordedResource, containerUploads, containerEnv, containerFiles, generatedSecretMarker, installMocks, mockRepoDigest, plainSecretPaths, programLoadTimeoutMs, registered, runProgram, unwrapSecrets } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "local", canaryIntervalSeconds: "2", canaryWaitSeconds: "45" });

beforeAll(() => runProgram(), programLoadTimeoutMs);

const { ofType, one } = registered(resources);
const canary = () => one("docker:index/container:Container", "dle-canary").inputs;
const readers = () => unwrapSecrets(one("pulumi-nodejs:dynamic/canary:CanaryReaders", "dle-canary-readers").inputs) as {
    store: { address: string; admin: { username: string; password: string }; reader: { username: string; password: string }; database: string };
    search: { url: string; superuser: { username: string; password: string }; role: { name: string; indexPattern: string }; user: { username: string; password: string } };
};
const secret = (name: string) => `${generatedSecretMarker}${name}`;

describe("the canary (local)", () => {
    it("is built from components/canary's local stage on the pinned Node.js image, and runs server.ts as node", () => {
        const build = one("docker:index/image:Image", "dle-canary-image").inputs.build as { context: string; dockerfile: string; args: Record<string, string>; target: string; platform?: string };
        expect(path.resolve(build.context)).toBe(canaryDir);
        expect(path.resolve(build.dockerfile)).toBe(path.join(canaryDir, "Dockerfile"));
        expect(build.args).toEqual({ NODE_IMAGE: defaults.nodeImage });
        expect(build.target).toBe("local");
        expect(build.platform).toBe(localImagePlatform());
        expect(canary().image).toBe(mockRepoDigest("dle-canary-image"));
        expect(canary().command).toEqual(canaryCommand);
        const entrypoint = canary().entrypoints as string[];
        expect(entrypoint.slice(entrypoint.indexOf("--") + 1)).toEqual([...asUser("node"), "docker-entrypoint.sh"]);
    });

    it("logs through Docker's fluentd log driver to the agent, as the api does, under the tag canary", () => {
        expect(canary().logDriver).toBe("fluentd");
        const api = one("docker:index/container:Container", "dle-api").inputs.logOpts as Record<string, string>;
        expect(canary().logOpts).toEqual({ ...api, tag: "canary" });
        expect(canary().logOpts).toEqual(expect.objectContaining({ "fluentd-address": "127.0.0.1:24224", "fluentd-request-ack": "true" }));
    });

    it("gets its interval and wait from the stack config, and finds each sink by its name on the stack's network", () => {
        expect(containerEnv(resources, "dle-canary")).toEqual(expect.objectContaining({
            [v.intervalSeconds]: "2",
            [v.waitSeconds]: "45",
            [v.metricsPort]: String(canaryMetricsPort),
            [v.storeDatabase]: "applogs",
            [v.storeCollection]: "docker",
            [v.searchUrl]: "http://search:9200",
            [v.searchIndexPrefix]: "logstash",
            [v.searchAuth]: "basic",
            [v.searchUsername]: canaryReaderName,
            [v.archiveEndpoint]: "http://archive:9000",
            [v.archiveBucket]: "applogs",
            [v.archiveKeyPrefix]: "logs/",
        }));
    });

    it("reads with its own read-only credentials, as files only its user reads, never an admin's and never in its environment", () => {
        const env = containerEnv(resources, "dle-canary");
        const files = containerFiles(resources, "dle-canary");
        const fileOf = (variable: string) => files[env[`${variable}_FILE`]];
        expect(fileOf(v.storeConnectionString)).toBe(`mongodb://${canaryReaderName}:${secret("dle-canary-store-reader-password")}@store:27017/applogs?authSource=admin`);
        expect(fileOf(v.searchPassword)).toBe(secret("dle-canary-search-reader-password"));
        expect(fileOf(v.archiveAccessKeyId)).toBe(secret("dle-log-archive-reader-access-key"));
        expect(fileOf(v.archiveSecretAccessKey)).toBe(secret("dle-log-archive-reader-secret-key"));
        const everything = JSON.stringify(unwrapSecrets(canary()));
        for (const admin of ["dle-log-store-root-password", "dle-log-search-elastic-password", "dle-log-archive-access-key", "dle-log-archive-secret-key"]) {
            expect(everything).not.toContain(secret(admin));
        }
        expect(JSON.stringify(unwrapSecrets(canary().envs))).not.toContain(generatedSecretMarker);
        expect(plainSecretPaths(containerUploads(resources, "dle-canary"))).toEqual([]);
        const uploads = unwrapSecrets(containerUploads(resources, "dle-canary")) as { file: string; permissions: string }[];
        expect(uploads.map((u) => [path.posix.dirname(u.file), u.permissions])).toEqual(Array(4).fill([canarySecretsDir, "0400"]));
    });

    it("has its users set up first, with the admin credentials, from the published ports: MongoDB's and Elasticsearch's, read-only", () => {
        const setup = readers();
        // The logins apart from the address: no input holds a URI with a password (the policy pack's no-plaintext-secrets).
        expect(setup.store.address).toBe("mongodb://127.0.0.1:27017/applogs?authSource=admin");
        expect(setup.store.admin).toEqual({ username: "dle", password: secret("dle-log-store-root-password") });
        expect(setup.store.reader).toEqual({ username: canaryReaderName, password: secret("dle-canary-store-reader-password") });
        expect(setup.store.database).toBe("applogs");
        expect(setup.search).toEqual({
            url: "http://127.0.0.1:9200",
            superuser: { username: "elastic", password: secret("dle-log-search-elastic-password") },
            role: { name: canaryReaderRole, indexPattern: "logstash-*" },
            user: { username: canaryReaderName, password: secret("dle-canary-search-reader-password") },
        });
        expect(plainSecretPaths(one("pulumi-nodejs:dynamic/canary:CanaryReaders", "dle-canary-readers").inputs)).toEqual([]);
    });

    it("publishes nothing, has a health check on its metrics port, and is scraped by Prometheus there", () => {
        expect(canary().ports).toEqual([]);
        expect((canary().healthcheck as { tests: string[] }).tests.join(" ")).toContain(`http://127.0.0.1:${canaryMetricsPort}/health`);
        const upload = (unwrapSecrets(containerUploads(resources, "dle-monitoring-prometheus")) as { file: string; content: string }[])
            .find((u) => u.file === "/etc/prometheus/prometheus.yml")!;
        const jobs = JSON.parse(upload.content).scrape_configs as { job_name: string; static_configs: unknown }[];
        expect(jobs.find((j) => j.job_name === "canary")?.static_configs).toEqual([{ targets: [`canary:${canaryMetricsPort}`] }]);
    });

    it("exports that the stack runs it, and its wait, for npm run verify", async () => {
        const program = await runProgram();
        expect(program.canaryEnabled).toBe(true);
        expect(program.canaryWaitSeconds).toBe(45);
        expect(ofType("docker:index/container:Container").filter((c) => c.name.startsWith("dle-canary")).map((c) => c.name).sort()).toEqual(["dle-canary", "dle-canary-files"]);
    });
});
