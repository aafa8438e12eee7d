/**
 * The api part on the aws stack, under Pulumi's mock runtime: a container of each webapp task beside nginx and the
 * agent, logging to FireLens's forward source in the task and through the awsfirelens driver.
 */
import * as fs from "fs";
import * as path from "path";
import { apiDir, apiPort } from "../../components/api";
import { defaults } from "../../components/config";
import { fluentdContainer } from "../../components/fluentd-env";
import { webappFiles } from "../../components/webapp";
import { taskDefinitionsRegistered } from "../support/aws-tasks";
import { RecordedResource, installMocks, mockAccount, mockRegion, mockRepoDigest, programLoadTimeoutMs, runProgram, unwrapSecrets } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws", searchRetentionDays: "14" });

beforeAll(async () => {
    await runProgram();
    await taskDefinitionsRegistered(resources);
}, programLoadTimeoutMs);

interface ContainerDefinition {
    name: string;
    image: string;
    environment: { name: string; value: string }[];
    healthCheck: { command: string[] };
    logConfiguration: { logDriver: string; options: Record<string, string> };
    dependsOn?: { containerName: string; condition: string }[];
    portMappings: unknown[];
}
const one = (type: string, name: string) => resources.find((r) => r.type === type && r.name === name)!;
const containersOf = (taskDefinition: string): ContainerDefinition[] =>
    JSON.parse(unwrapSecrets(one("aws:ecs/taskDefinition:TaskDefinition", taskDefinition).inputs.containerDefinitions) as string);
const webappTask = () => containersOf("dle-webapp");
const api = () => webappTask().find((c) => c.name === "api")!;
const env = (c: ContainerDefinition) => Object.fromEntries(c.environment.map((e) => [e.name, e.value]));

describe("the api (aws)", () => {
    it("runs in each webapp task, beside nginx, the agent and the metrics collector", () => {
        expect(webappTask().map((c) => c.name).sort()).toEqual(["api", "log-router", "metrics-collector", "webapp"]);
        expect(api().portMappings).toEqual([]);
        expect(api().healthCheck.command.join(" ")).toContain(`http://127.0.0.1:${apiPort}/api/health`);
        expect(api().dependsOn).toEqual([{ containerName: "log-router", condition: "HEALTHY" }]);
    });

    it("is built from components/api on the pinned Node.js image and pushed to its own repository, which the task may pull", () => {
        const image = one("docker:index/image:Image", "dle-api");
        const build = image.inputs.build as { context: string; args: Record<string, string> };
        expect(path.resolve(build.context)).toBe(apiDir);
        expect(build.args).toEqual({ NODE_IMAGE: defaults.nodeImage });
        expect(api().image).toBe(mockRepoDigest("dle-api", `${mockAccount}.dkr.ecr.${mockRegion}.amazonaws.com/dle-api`));
        const policy = JSON.parse(unwrapSecrets(one("aws:iam/rolePolicy:RolePolicy", "dle-webapp-execution").inputs.policy) as string);
        const pull = policy.Statement.find((s: { Action: string[] }) => s.Action.includes("ecr:BatchGetImage"));
        expect(pull.Resource).toContain("arn:aws:ecr:us-east-1:111111111111:dle-api");
    });

    it("sends its records to FireLens's forward source in the task, tagged app.api itself (that source adds no prefix)", () => {
        expect(env(api())).toEqual({
            DLE_API_PORT: String(apiPort),
            DLE_AGENT_HOST: "127.0.0.1",
            DLE_AGENT_PORT: String(fluentdContainer.forwardPort),
            DLE_LOG_TAG: `${fluentdContainer.appTagPrefix}.api`,
        });
    });

    it("sends its stdout and stderr to the agent through the awsfirelens driver, like nginx's", () => {
        expect(api().logConfiguration).toEqual(webappTask().find((c) => c.name === "webapp")!.logConfiguration);
    });

    it("is where the nginx image's api-upstream.conf sends /api/: the task's localhost", () => {
        expect(fs.readFileSync(webappFiles.apiUpstream("aws"), "utf8")).toContain(`"127.0.0.1:${apiPort}"`);
        expect(fs.readFileSync(path.join(path.dirname(webappFiles.nginxConf), "Dockerfile"), "utf8"))
            .toContain("COPY targets/aws/api-upstream.conf /etc/nginx/api-upstream.conf");
    });

    it.each([["dle-log-forwarder-pri"], ["dle-log-forwarder-sec"]])("gives %s the search retention", (name) => {
        const forwarder = containersOf(name).find((c) => c.name === "forwarder")!;
        expect(env(forwarder).SEARCH_RETENTION_DAYS).toBe("14");
    });
});
