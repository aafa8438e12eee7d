/**
 * The cloudwatch sink's output (fluentd/sinks/cloudwatch.conf, fluentd/plugins/out_dle_cloudwatch_logs.rb on
 * fluent-plugin-cloudwatch-logs) in real fluentd against the CloudWatch Logs stand-in, with the environment the aws
 * stack's forwarders get (the groups it creates, which the stand-in has too); the AWS SDK inside fluentd is pointed at
 * the stand-in with AWS_ENDPOINT_URL_CLOUDWATCH_LOGS. Every event lands once, in the group of its application and log
 * type and the forwarder's stream; the stand-in throttling for a while, or down for a while, loses none and doubles none.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { FluentClient } from "@fluent-org/logger";
import { CloudWatchLogsStandin, startCloudWatchLogsStandin } from "../standins/cloudwatch-logs-standin";
import { describeWithFluentd } from "../support/fluentd";
import { fluentdDir } from "../support/fluentd-config";
import { FluentdProcess, freePort, startFluentd } from "../support/fluentd-process";
import { taskDefinitionsRegistered } from "../support/aws-tasks";
import { RecordedResource, installMocks, programLoadTimeoutMs, runProgram, unwrapSecrets } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws", sinks: "store,search,archive,cloudwatch" });
const report = (text: string) => process.stdout.write(`\n${text}\n`);

/** The aws stack's primary forwarder's environment, as its task definition gives it. */
function forwarderEnv(): Record<string, string> {
    const task = resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === "dle-log-forwarder-pri")!;
    const containers = JSON.parse(unwrapSecrets(task.inputs.containerDefinitions) as string) as { name: string; environment: { name: string; value: string }[] }[];
    return Object.fromEntries(containers.find((c) => c.name === "forwarder")!.environment.map((e) => [e.name, e.value]));
}

/** The events' applications and log types: the known ones, one of an application without a group, and one of none. */
const kinds = [
    { app: "webapp", log_type: "nginx_access", group: "webapp/nginx_access" },
    { app: "webapp", log_type: "nginx_error", group: "webapp/nginx_error" },
    { app: "api", log_type: "app", group: "api/app" },
    { app: "batch-job", log_type: "app", group: "other" },
    { group: "other" },
];

describeWithFluentd("the cloudwatch sink in real fluentd, against the CloudWatch Logs stand-in", (fluentd) => {
    let standin: CloudWatchLogsStandin;
    let forwarder: FluentdProcess;
    let client: FluentClient;
    let dir: string;
    let prefix: string;
    let sent = 0;

    beforeAll(async () => {
        await runProgram();
        await taskDefinitionsRegistered(resources);
        const env = forwarderEnv();
        prefix = env.CLOUDWATCH_LOG_GROUP_PREFIX;
        standin = await startCloudWatchLogsStandin();
        // The groups the stack creates.
        for (const group of env.CLOUDWATCH_LOG_GROUPS.split(",")) standin.store.set(`${prefix}${group}`, new Map());
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-cloudwatch-"));
        const port = await freePort();
        const monitorPort = await freePort();
        const config = path.join(dir, "fluent.conf");
        // The forwarder's cloudwatch <store>, as forwarder.conf's copy includes it, behind a plain forward input.
        fs.writeFileSync(config, [
            "<source>\n  @type forward\n  bind 127.0.0.1\n  port " + port + "\n</source>",
            "<source>\n  @type monitor_agent\n  bind 127.0.0.1\n  port " + monitorPort + "\n</source>",
            `<match test.**>\n  @type copy\n  @include ${path.join(fluentdDir, "sinks", "cloudwatch.conf")}\n</match>`,
        ].join("\n"));
        forwarder = await startFluentd({
            fluentd, name: "forwarder", dir, config,
            env: {
                FLUENTD_MONITOR_PORT: String(monitorPort),
                FLUENTD_BUFFER_DIR: path.join(dir, "buffer"),
                FORWARDER_FLUSH_INTERVAL: "1",
                FORWARDER_NAME: env.FORWARDER_NAME,
                CLOUDWATCH_REGION: "us-east-1",
                CLOUDWATCH_LOG_GROUP_PREFIX: prefix,
                CLOUDWATCH_LOG_GROUPS: env.CLOUDWATCH_LOG_GROUPS,
                AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: standin.url,
                AWS_ACCESS_KEY_ID: "AKIDSTANDIN", AWS_SECRET_ACCESS_KEY: "standin-secret",
            },
        });
        client = new FluentClient(null, { socket: { host: "127.0.0.1", port, timeout: 10_000 } });
    }, programLoadTimeoutMs + 90_000);

    afterAll(async () => {
        await client?.disconnect();
        await forwarder?.stop();
        await standin?.stop();
    }, 60_000);

    afterEach(() => {
        const state = expect.getState();
        if (state.assertionCalls !== state.numPassingAsserts) report(forwarder?.tail(80) ?? "(fluentd did not start)");
    });

    /** Sends `count` events, round the kinds, each with a marker of `run`. */
    async function send(run: string, count: number): Promise<void> {
        for (let i = 0; i < count; i++) {
            const { group: _, ...fields } = kinds[i % kinds.length];
            await client.emit("test.forwarded", { ...fields, marker: `${run}-${i}`, log: `line ${i} of ${run}` });
            sent++;
        }
    }

    /** Per marker of `run`: the groups and streams it landed in (once each, when all is well). */
    function landed(run: string): Map<string, string[]> {
        const seen = new Map<string, string[]>();
        for (const [group, streams] of standin.store) {
            for (const [stream, events] of streams) {
                for (const e of events) {
                    const record = JSON.parse(e.message) as { marker?: string };
                    if (record.marker?.startsWith(`${run}-`)) seen.set(record.marker, [...(seen.get(record.marker) ?? []), `${group} ${stream}`]);
                }
            }
        }
        return seen;
    }

    async function waitForAll(run: string, count: number, timeoutMs: number): Promise<Map<string, string[]>> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const seen = landed(run);
            if (seen.size >= count || Date.now() > deadline) return seen;
            await sleep(250);
        }
    }

    /** Every marker once, in the group of its kind and the primary's stream. */
    function expectEachOnceInItsGroup(run: string, count: number, seen: Map<string, string[]>): void {
        const wrong: string[] = [];
        for (let i = 0; i < count; i++) {
            const expected = [`${prefix}${kinds[i % kinds.length].group} primary`];
            const got = seen.get(`${run}-${i}`) ?? [];
            if (JSON.stringify(got) !== JSON.stringify(expected)) wrong.push(`${run}-${i}: ${got.length === 0 ? "missing" : got.join(", ")}`);
        }
        expect(wrong).toEqual([]);
    }

    it("puts every event once in the group of its application and log type, in the forwarder's stream", async () => {
        await send("plain", 500);
        const seen = await waitForAll("plain", 500, 60_000);
        expectEachOnceInItsGroup("plain", 500, seen);
        // The message is the event's JSON, with the time and the forwarder as the other sinks have them.
        const one = JSON.parse(standin.events(`${prefix}api/app`)[0].message) as Record<string, unknown>;
        expect(one).toEqual(expect.objectContaining({ app: "api", log_type: "app", forwarder: "primary", "@timestamp": expect.stringMatching(/Z$/) }));
        expect(one).not.toHaveProperty("dle_log_group");
    }, 90_000);

    it("loses and doubles nothing while CloudWatch throttles", async () => {
        const throttledBefore = standin.calls.throttled;
        standin.throttle(3);
        await send("throttled", 200);
        const seen = await waitForAll("throttled", 200, 90_000);
        report(`throttled calls: ${standin.calls.throttled - throttledBefore}`);
        expect(standin.calls.throttled - throttledBefore).toBe(3);
        expectEachOnceInItsGroup("throttled", 200, seen);
    }, 120_000);

    it("loses and doubles nothing while CloudWatch is down for a while", async () => {
        const port = standin.port;
        const store = standin.store;
        await standin.stop();
        await send("down", 200);
        // Down for longer than a few flushes: the chunks wait in the buffer and are retried.
        await sleep(8_000);
        expect(landed("down").size).toBe(0);
        standin = await startCloudWatchLogsStandin({ port, store });
        const seen = await waitForAll("down", 200, 90_000);
        expectEachOnceInItsGroup("down", 200, seen);
        // Each failed flush said why, and the chunk was retried.
        expect(fs.readFileSync(forwarder.logFile, "utf8")).toMatch(/\[cloudwatch\] failed to flush the buffer\. .*error_class=Seahorse::Client::NetworkingError/);
        report(`events sent: ${sent}`);
    }, 150_000);
});
