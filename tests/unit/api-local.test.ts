/**
 * The api part and the log-type wiring on the local stack, under Pulumi's mock runtime: the api container, how it
 * logs (straight to the agent's application input, and through the log driver), how nginx finds it, and what the
 * agent and the forwarders get for parsing, ids and search retention.
 */
import * as fs from "fs";
import * as path from "path";
import { apiDir, apiPort } from "../../components/api";
import { defaults } from "../../components/config";
import { fluentdContainer } from "../../components/fluentd-env";
import { webappFiles } from "../../components/webapp";
import { RecordedResource, containerUploads, containerEnv, installMocks, mockRepoDigest, programLoadTimeoutMs, runProgram, unwrapSecrets } from "../support/mocks";
import { fluentdDir } from "../support/fluentd-config";

const resources: RecordedResource[] = installMocks({ target: "local", searchRetentionDays: "14" });

beforeAll(() => runProgram(), programLoadTimeoutMs);

const container = (name: string) => {
    const found = resources.find((r) => r.type === "docker:index/container:Container" && r.name === name);
    if (!found) throw new Error(`no container ${name}`);
    return found.inputs;
};
const aliasOf = (name: string) => (container(name).networksAdvanced as { aliases: string[] }[])[0].aliases[0];

describe("the api (local)", () => {
    it("is built from components/api on the pinned Node.js image", () => {
        const image = resources.find((r) => r.type === "docker:index/image:Image" && r.name === "dle-api-image")!;
        const build = image.inputs.build as { context: string; dockerfile: string; args: Record<string, string> };
        expect(path.resolve(build.context)).toBe(apiDir);
        expect(path.resolve(build.dockerfile)).toBe(path.join(apiDir, "Dockerfile"));
        expect(build.args).toEqual({ NODE_IMAGE: defaults.nodeImage });
        expect(container("dle-api").image).toBe(mockRepoDigest("dle-api-image"));
    });

    it("publishes nothing and has a health check on its own port", () => {
        expect(container("dle-api").ports).toEqual([]);
        expect((container("dle-api").healthcheck as { tests: string[] }).tests.join(" ")).toContain(`http://127.0.0.1:${apiPort}/api/health`);
    });

    it("sends its records straight to the agent's application input, by the agent's alias, on a port the agent does not publish", () => {
        const env = containerEnv(resources, "dle-api");
        expect(env).toEqual({
            DLE_API_PORT: String(apiPort),
            DLE_AGENT_HOST: aliasOf("dle-log-agent"),
            DLE_AGENT_PORT: String(fluentdContainer.appPort),
            // The agent's input adds the app. prefix.
            DLE_LOG_TAG: "api",
        });
        expect(containerEnv(resources, "dle-log-agent").AGENT_APP_PORT).toBe(String(fluentdContainer.appPort));
        const published = (container("dle-log-agent").ports as { internal: number }[]).map((p) => p.internal);
        expect(published).not.toContain(fluentdContainer.appPort);
    });

    it("sends its stdout and stderr through Docker's fluentd log driver, tagged api, like the webapp's", () => {
        expect(container("dle-api").logDriver).toBe("fluentd");
        expect(container("dle-api").logOpts).toEqual({ ...(container("dle-webapp").logOpts as object), tag: "api" });
    });

    it("is where nginx's api-upstream.conf sends /api/: uploaded beside nginx.conf, naming the api's alias and port", () => {
        const uploads = unwrapSecrets(containerUploads(resources, "dle-webapp")) as { file: string; content: string }[];
        const upstream = uploads.find((u) => u.file === "/etc/nginx/api-upstream.conf")!;
        expect(upstream.content).toBe(fs.readFileSync(webappFiles.apiUpstream("local"), "utf8"));
        expect(upstream.content).toContain(`"${aliasOf("dle-api")}:${apiPort}"`);
        expect(fs.readFileSync(webappFiles.nginxConf, "utf8")).toMatch(/include api-upstream\.conf;/);
    });
});

describe("log types, ids and retention (local)", () => {
    it.each([["dle-log-forwarder-pri"], ["dle-log-forwarder-sec"]])("gives %s the search retention and where the template and policy files are", (name) => {
        const env = containerEnv(resources, name);
        expect(env.SEARCH_RETENTION_DAYS).toBe("14");
        expect(env.FLUENTD_CONF_DIR).toBe(fluentdContainer.confDir);
    });

    it("copies into the fluentd image every file the configs read by path, and the plugins", () => {
        const dockerfile = fs.readFileSync(path.join(__dirname, "..", "..", "fluentd", "Dockerfile"), "utf8");
        expect(dockerfile).toContain(`COPY --chown=fluent:fluent search/ ${fluentdContainer.confDir}/search/`);
        expect(dockerfile).toContain(`COPY --chown=fluent:fluent targets/ ${fluentdContainer.confDir}/targets/`);
        expect(dockerfile).toContain(`COPY --chown=fluent:fluent parsers/ ${fluentdContainer.confDir}/parsers/`);
        expect(dockerfile).toContain("COPY --chown=fluent:fluent plugins/ /fluentd/plugins/");
        // The concat filter the log types use is one of the image's pinned gems.
        expect(fs.readFileSync(path.join(fluentdDir, "Gemfile"), "utf8")).toMatch(/^gem "fluent-plugin-concat", "= \d/m);
    });
});
