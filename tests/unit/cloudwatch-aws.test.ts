/**
 * The aws stack with the cloudwatch sink (dle:sinks store,search,archive,cloudwatch), as the mocked program registers
 * it: a log group per application and log type and one for the rest, with the configured retention; the forwarders
 * told which groups exist; their task role allowed the output's calls on those groups only. The local stack refuses
 * the sink (tests/unit/config.test.ts names the key's error), and so does the part itself.
 */
import { CloudWatchLogs, cloudwatchLogTypes } from "../../components/cloudwatch-logs";
import { ConfigKey, parseStackConfig } from "../../components/config";
import { cloudWatchLogRetentionDays } from "../../components/constraints";
import { RecordedResource, installMocks, mockAccount, mockRegion, programLoadTimeoutMs, runProgram, valueOf } from "../support/mocks";
import { asLines, policyViolations } from "../support/policy-harness";

const resources: RecordedResource[] = installMocks({ target: "aws", sinks: "store,search,archive,cloudwatch", cloudwatchRetentionDays: "90" });

let program: Record<string, unknown>;

beforeAll(async () => {
    program = await runProgram();
}, programLoadTimeoutMs);

const groups = () => resources.filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && String(r.inputs.name).startsWith("/dle/test/logs/"));
const forwarderEnv = (name: string) => {
    const task = resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === name)!.inputs;
    const c = (JSON.parse(task.containerDefinitions as string) as Record<string, unknown>[]).find((d) => d.name === "forwarder")!;
    return Object.fromEntries((c.environment as { name: string; value: string }[]).map((v) => [v.name, v.value]));
};
type Statement = { Sid: string; Action: string[]; Resource: string | string[] };
const sinkStatements = (): Statement[] => {
    const policy = resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "dle-log-forwarder-sinks")!;
    return (JSON.parse(policy.inputs.policy as string) as { Statement: Statement[] }).Statement;
};

describe("the cloudwatch sink on AWS", () => {
    it("creates a log group per application and log type, and one for the rest, each with the configured retention", () => {
        const names = groups().map((g) => g.inputs.name).sort();
        expect(names).toEqual([...cloudwatchLogTypes.map((t) => `/dle/test/logs/${t.app}/${t.logType}`), "/dle/test/logs/other"].sort());
        for (const g of groups()) expect(g.inputs.retentionInDays).toBe(90);
        // Only values PutRetentionPolicy takes.
        expect(cloudWatchLogRetentionDays).toContain(90);
    });

    it("tells each forwarder its region and exactly the groups that exist, and its output's sink", () => {
        for (const name of ["dle-log-forwarder-pri", "dle-log-forwarder-sec"]) {
            const env = forwarderEnv(name);
            expect(env.FORWARDER_SINKS).toBe("store,search,archive,cloudwatch");
            expect(env.CLOUDWATCH_LOG_GROUP_PREFIX).toBe("/dle/test/logs/");
            expect(env.CLOUDWATCH_LOG_GROUPS.split(",").sort()).toEqual(groups().map((g) => String(g.inputs.name).slice("/dle/test/logs/".length)).sort());
            expect(env.CLOUDWATCH_REGION).toEqual(expect.any(String));
        }
    });

    it("lets the forwarders' task role write to those groups only, and check that a group exists", () => {
        const statements = sinkStatements().filter((s) => s.Sid.startsWith("CloudWatchLogs"));
        const write = statements.find((s) => s.Sid === "CloudWatchLogsWrite")!;
        expect(write.Action.sort()).toEqual(["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]);
        expect((write.Resource as string[]).sort()).toEqual(groups().map((g) => `arn:aws:logs:${mockRegion}:${mockAccount}:log-group:${g.inputs.name}:*`).sort());
        const check = statements.find((s) => s.Sid === "CloudWatchLogsGroupCheck")!;
        expect(check.Action).toEqual(["logs:DescribeLogGroups"]);
        expect(check.Resource).toBe(`arn:aws:logs:${mockRegion}:${mockAccount}:log-group:*`);
        // No group creation, no retention change, nothing account-wide that writes.
        const actions = sinkStatements().flatMap((s) => s.Action);
        expect(actions.filter((a) => /^logs:(CreateLogGroup|PutRetentionPolicy|DeleteLogGroup|\*)$/.test(a))).toEqual([]);
    });

    it("passes the policy pack: the groups' names and retention are ones CloudWatch takes, nothing mandatory fails", async () => {
        const mandatory = asLines(await policyViolations(resources)).filter((line) => !line.startsWith("(advisory)"));
        expect(mandatory).toEqual([]);
        // The rule that would refuse a name or retention CloudWatch does not take sees these groups.
        expect(asLines(await policyViolations(resources.map((r) => groups().includes(r) ? { ...r, inputs: { ...r.inputs, retentionInDays: 31 } } : r))))
            .toEqual(expect.arrayContaining([expect.stringMatching(/^cloudwatch-names-and-retention dle-log-cloudwatch-webapp-nginx-access: retentionInDays 31/)]));
    });

    it("outputs the groups' prefix and region, which `npm run verify` reads the sink with", async () => {
        expect(program.cloudwatchLogGroupPrefix).toBe("/dle/test/logs/");
        expect(await valueOf(program.cloudwatchLogsRegion as string)).toBe(mockRegion);
        // Every group the stack created is under that prefix, so the probe's DescribeLogGroups by prefix finds them all.
        for (const g of groups()) expect(String(g.inputs.name).startsWith(program.cloudwatchLogGroupPrefix as string)).toBe(true);
    });

    it("is refused by the part itself on the local stack, naming the key", () => {
        const values: Partial<Record<ConfigKey, string>> = { target: "aws", sinks: "store,search,archive,cloudwatch" };
        const config = parseStackConfig((key) => values[key]);
        expect(() => new CloudWatchLogs("x", { config, platform: { kind: "local" } as never })).toThrow(
            "The cloudwatch sink `x` is AWS only: remove `cloudwatch` from dle:sinks on the local stack, or deploy it with dle:target aws.");
    });
});
