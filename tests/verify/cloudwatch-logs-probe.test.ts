/**
 * The cloudwatch sink's probe against the CloudWatch Logs stand-in, with events put there through the real AWS SDK as
 * the forwarders' output stores them (the JSON record as the message, one group per application and log type, one
 * stream per forwarder): it finds a run's markers and request ids in every group of the stack, reads every page of a
 * scan that returns empty pages with a token, splits long request-id searches into filter patterns FilterLogEvents
 * takes, and ignores other stacks' groups and events before `since`.
 */
import {
    CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CloudWatchLogsLocation, anyOfPatterns, cloudWatchLogsProbe, maxFilterPatternLength } from "./cloudwatch-logs-probe";
import { SinkProbe, SinkUnreachableError, newRunId } from "./probes";
import { probesFor } from "./probes";
import { StackOutputs } from "./outputs";
import { CloudWatchLogsStandin, startCloudWatchLogsStandin } from "../standins/cloudwatch-logs-standin";
import { freePort } from "../support/fluentd-process";

let standin: CloudWatchLogsStandin;
let client: CloudWatchLogsClient;
const prefix = "/dle/test/logs/";
const keys = { accessKeyId: "AKID", secretAccessKey: "secret" };
const location = (): CloudWatchLogsLocation => ({ region: "us-east-1", groupPrefix: prefix, endpoint: standin.url, ...keys });

/** Puts records into a group's stream as fluent-plugin-cloudwatch-logs does: each a JSON message, in time order. */
async function put(group: string, stream: string, records: Record<string, unknown>[], timestamp = Date.now()) {
    await client.send(new CreateLogGroupCommand({ logGroupName: group })).catch(() => undefined);
    await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream })).catch(() => undefined);
    await client.send(new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: stream,
        logEvents: records.map((r, i) => ({ timestamp: timestamp + i, message: JSON.stringify(r) })),
    }));
}

const access = (marker: string, forwarder: string, requestId = `r-${marker}`) =>
    ({ app: "webapp", log_type: "nginx_access", log: `GET /?dle-verify=${marker} HTTP/1.1`, status: 200, request_id: requestId, forwarder });

async function withProbe<T>(use: (probe: SinkProbe) => Promise<T>, at = location()): Promise<T> {
    const probe = cloudWatchLogsProbe(at);
    try {
        return await use(probe);
    } finally {
        await probe.close();
    }
}

beforeAll(async () => {
    // Each FilterLogEvents call scans 3 stored events: most pages are partial, some empty, all with a nextToken.
    standin = await startCloudWatchLogsStandin({ scanEvents: 3 });
    client = new CloudWatchLogsClient({ endpoint: standin.url, region: "us-east-1", credentials: keys, maxAttempts: 1 });
});

afterAll(async () => {
    client?.destroy();
    await standin?.stop();
});

describe("the cloudwatch sink's probe", () => {
    it("finds every marker of a run over the stack's groups and streams, each once, typed, with its forwarder, across empty pages", async () => {
        const runId = newRunId();
        const since = new Date(Date.now() - 1_000);
        // Another run's events and events of no run around them, so that matches are spread over many scanned pages.
        await put(`${prefix}webapp/nginx_access`, "primary", [
            ...Array.from({ length: 7 }, (_, i) => access(`${newRunId()}-${i}`, "primary")),
            ...Array.from({ length: 5 }, (_, i) => access(`${runId}-${i}`, "primary")),
            { log: "no marker here" },
        ]);
        await put(`${prefix}webapp/nginx_access`, "secondary", Array.from({ length: 4 }, (_, i) => access(`${runId}-${5 + i}`, "secondary")));
        await put(`${prefix}other`, "primary", [access(`${runId}-9`, "primary")]);
        // Another stack's group, and this stack's event from before `since`: not this run's.
        await put("/dle/elsewhere/logs/webapp/nginx_access", "primary", [access(`${runId}-10`, "primary")]);
        await put(`${prefix}api/app`, "primary", [access(`${runId}-11`, "primary")], since.getTime() - 60_000);

        const sightings = await withProbe((probe) => probe.sightings(runId, since));

        expect(sightings.map((s) => s.marker).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `${runId}-${i}`).sort());
        expect(sightings.filter((s) => s.forwarder === "secondary").map((s) => s.marker).sort()).toEqual([5, 6, 7, 8].map((i) => `${runId}-${i}`).sort());
        const first = sightings.find((s) => s.marker === `${runId}-0`)!;
        expect(first.event).toMatchObject({ status: 200, app: "webapp", log_group: `${prefix}webapp/nginx_access` });
    });

    it("finds the events of many request ids, over as many filter patterns as their length needs", async () => {
        const runId = newRunId();
        const since = new Date(Date.now() - 1_000);
        const requestIds = Array.from({ length: 60 }, (_, i) => `${runId}${"0".repeat(24)}${String(i).padStart(3, "0")}`);
        expect(anyOfPatterns(requestIds).length).toBeGreaterThan(1);
        await put(`${prefix}api/app`, "primary", requestIds.map((id, i) => ({ ...access(`${runId}-${i}`, "primary", id), app: "api", log_type: "app" })));
        // A record that merely contains one of the ids in its text is not that request's event.
        await put(`${prefix}other`, "primary", [{ log: `see ${requestIds[0]}`, request_id: "another" }]);

        const events = await withProbe((probe) => probe.eventsOfRequests(requestIds, since));

        expect(events.map((e) => e.request_id).sort()).toEqual([...requestIds].sort());
    });

    it("builds filter patterns FilterLogEvents takes, and refuses a term it cannot quote", () => {
        const terms = Array.from({ length: 100 }, (_, i) => `term-${i}-${"x".repeat(30)}`);
        const patterns = anyOfPatterns(terms);
        for (const pattern of patterns) expect(pattern.length).toBeLessThanOrEqual(maxFilterPatternLength);
        expect(patterns.join(" ").split(" ")).toEqual(terms.map((t) => `?"${t}"`));
        expect(() => anyOfPatterns(['a"b'])).toThrow(/quote/);
    });

    it("checks the service, and names the endpoint and the groups when it cannot reach it", async () => {
        await withProbe((probe) => probe.check());
        const closed = `http://127.0.0.1:${await freePort()}`;
        await withProbe(async (probe) => {
            const error = await probe.check().catch((e: unknown) => e);
            expect(error).toBeInstanceOf(SinkUnreachableError);
            expect((error as Error).message).toContain(`The cloudwatch sink at ${closed} ${prefix}* is unreachable`);
        }, { ...location(), endpoint: closed });
    });

    it("is one of `npm run verify`'s probes exactly when the outputs name the sink's groups", () => {
        const base = {
            webappUrl: "http://127.0.0.1:1", storeConnectionString: "mongodb://127.0.0.1:1", storeDatabase: "applogs", storeCollection: "docker",
            searchUrl: "http://127.0.0.1:1", searchAuth: "aws-sigv4", searchIndexPrefix: "logstash", searchRegion: "eu-west-1",
            archiveRegion: "eu-west-1", archiveBucket: "b", archiveKeyPrefix: "logs/",
            forwarderControl: "ecs", forwarderPrimary: "p", forwarderSecondary: "s",
        } satisfies StackOutputs;
        const sinksOf = (outputs: StackOutputs) => {
            const probes = probesFor(outputs);
            void Promise.all(probes.map((p) => p.close()));
            return probes.map((p) => [p.sink, p.endpoint]);
        };
        expect(sinksOf(base).map(([sink]) => sink)).toEqual(["store", "search", "archive"]);
        expect(sinksOf({ ...base, cloudwatchLogGroupPrefix: prefix, cloudwatchLogsRegion: "eu-west-1" }).at(-1))
            .toEqual(["cloudwatch", `https://logs.eu-west-1.amazonaws.com ${prefix}*`]);
    });
});
