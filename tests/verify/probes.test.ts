/**
 * The verification suite's probes and delivery check, driven against the stand-ins and s3rver through
 * the same code that checks a deployed stack.
 */
import { gzipSync } from "zlib";
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Client } from "@elastic/elasticsearch";
import { MongoClient } from "mongodb";
import { accessEventProblems, assertDelivered, assertParsedAndTyped, formatReport, markersFor, waitForDelivery } from "./delivery";
import { assertApiEvents, formatApiReport, waitForApiEvents } from "./apps";
import { SinkUnreachableError, newRunId, probesFor, sightingsOf, storeProbe, withProbes } from "./probes";
import { StackOutputs } from "./outputs";
import { freePort } from "../support/fluentd-process";
import { LoopbackSinks, startLoopbackSinks } from "../support/sinks";
import { ElasticsearchStandin, startElasticsearchStandin } from "../standins/elasticsearch-standin";
import { newRequestId, storedAccessEvent } from "../support/log-lines";

let sinks: LoopbackSinks;
let outputs: StackOutputs;

beforeAll(async () => {
    sinks = await startLoopbackSinks();
    outputs = { ...sinks.outputs, webappUrl: "http://127.0.0.1:1", forwarderControl: "docker", forwarderPrimary: "p", forwarderSecondary: "s" };
});
afterAll(() => sinks.stop());

const today = () => new Date().toISOString().slice(0, 10);
type Event = Record<string, unknown>;
const record = (marker: string, forwarder = "primary"): Event => storedAccessEvent({ marker }, forwarder);

/** Writes events to the three sinks the way the forwarders do (with `@timestamp` as each sink has it). */
async function deliverEvents(events: { store: Event[]; search: Event[]; archive: Event[] }, key: string) {
    const mongo = new MongoClient(outputs.storeConnectionString);
    if (events.store.length > 0) await mongo.db("applogs").collection("docker").insertMany(events.store.map((e) => ({ ...e, "@timestamp": new Date() })));
    await mongo.close();
    const es = new Client({ node: outputs.searchUrl, auth: { username: outputs.searchUsername!, password: outputs.searchPassword! } });
    const index = `logstash-${today().replace(/-/g, ".")}`;
    const timestamp = new Date().toISOString();
    if (events.search.length > 0) await es.bulk({ refresh: true, operations: events.search.flatMap((e) => [{ index: { _index: index } }, { ...e, "@timestamp": timestamp }]) });
    await es.close();
    const s3 = new S3Client({ endpoint: outputs.archiveEndpoint, region: "us-east-1", forcePathStyle: true,
        credentials: { accessKeyId: outputs.archiveAccessKeyId!, secretAccessKey: outputs.archiveSecretAccessKey! } });
    await s3.send(new CreateBucketCommand({ Bucket: "applogs" })).catch(() => undefined);
    await s3.send(new PutObjectCommand({
        Bucket: "applogs",
        Key: `logs/${today()}/${key}`,
        Body: gzipSync(events.archive.map((e) => JSON.stringify({ ...e, "@timestamp": timestamp })).join("\n") + "\n"),
    }));
    s3.destroy();
}

/** Writes each marker's access event to the sinks (the search copies through the secondary). */
function deliver(markers: { store: string[]; search: string[]; archive: string[] }, key: string) {
    return deliverEvents({
        store: markers.store.map((m) => record(m)),
        search: markers.search.map((m) => record(m, "secondary")),
        archive: markers.archive.map((m) => record(m)),
    }, key);
}

const since = () => new Date(Date.now() - 60_000);

describe("delivery check", () => {
    it("finds every marker in every sink, and says through which forwarder", async () => {
        const runId = newRunId();
        const markers = markersFor(runId, 0, 20);
        await deliver({ store: markers, search: markers, archive: markers }, "10_primary_0.gz");
        const rows = await withProbes(outputs, (probes) => waitForDelivery(probes, runId, markers, { timeoutMs: 10_000, pollMs: 200, since: since() }));

        expect(rows.map((r) => [r.sink, r.found, r.missing, r.duplicates])).toEqual([
            ["store", 20, [], 0], ["search", 20, [], 0], ["archive", 20, [], 0],
        ]);
        expect(rows.map((r) => r.byForwarder)).toEqual([{ primary: 20 }, { secondary: 20 }, { primary: 20 }]);
        expect(() => assertDelivered(rows)).not.toThrow();
        expect(formatReport("run", rows)).toMatch(/^store\s+20\s+20\s+0\s+0\s+\d+\.\d/m);
    });

    it("names the missing markers and counts duplicates, within the time bound", async () => {
        const runId = newRunId();
        const markers = markersFor(runId, 0, 10);
        await deliver({
            store: [...markers, markers[3], markers[3]],
            search: markers.filter((m) => m !== markers[7]),
            archive: markers.slice(0, 5),
        }, "11_secondary_0.gz");
        const started = Date.now();
        const rows = await withProbes(outputs, (probes) => waitForDelivery(probes, runId, markers, { timeoutMs: 1_500, pollMs: 500, since: since() }));
        const waited = Date.now() - started;

        // It gives up by itself once the time is up, rather than waiting the default 180 s: the bound leaves room for
        // a slow final poll on a loaded machine.
        expect(waited).toBeLessThan(1_500 + 30_000);
        const [store, search, archive] = rows;
        expect(store).toMatchObject({ found: 10, missing: [], duplicates: 2 });
        expect(search).toMatchObject({ found: 9, missing: [markers[7]] });
        expect(search.seconds).toBeUndefined();
        expect(archive.missing).toEqual(markers.slice(5));
        expect(() => assertDelivered(rows)).toThrow(`search: 1 of 10 missing (first: ${markers[7]})`);
        expect(() => assertDelivered(rows)).toThrow(`archive: 5 of 10 missing (first: ${markers.slice(5).join(", ")})`);
    });

    it("reads an archive object that is still being written at the next poll, and names one that is not gzip", async () => {
        const runId = newRunId();
        const markers = markersFor(runId, 0, 3);
        // A key prefix of this test's own, so that its odd objects meet no other test's probe.
        const mine = { ...outputs, archiveKeyPrefix: "unfinished/" };
        const s3 = new S3Client({ endpoint: outputs.archiveEndpoint, region: "us-east-1", forcePathStyle: true,
            credentials: { accessKeyId: outputs.archiveAccessKeyId!, secretAccessKey: outputs.archiveSecretAccessKey! } });
        await s3.send(new CreateBucketCommand({ Bucket: "applogs" })).catch(() => undefined);
        const key = `unfinished/${today()}/10_primary_0.gz`;
        const whole = gzipSync(markers.map((m) => JSON.stringify(record(m))).join("\n") + "\n");
        await s3.send(new PutObjectCommand({ Bucket: "applogs", Key: key, Body: whole.subarray(0, whole.length - 8) }));
        const archive = probesFor(mine).find((p) => p.sink === "archive")!;
        expect(await archive.sightings(runId, since())).toEqual([]);
        await s3.send(new PutObjectCommand({ Bucket: "applogs", Key: key, Body: whole }));
        expect((await archive.sightings(runId, since())).map((s) => s.marker)).toEqual(markers);
        await s3.send(new PutObjectCommand({ Bucket: "applogs", Key: `unfinished/${today()}/11_primary_0.gz`, Body: "not gzip" }));
        await expect(archive.sightings(runId, since())).rejects.toThrow(`The archive object ${outputs.archiveEndpoint}/applogs/unfinished/${today()}/11_primary_0.gz is not gzip`);
        await archive.close();
        s3.destroy();
    });

    it("reads an archive object again once it changes (a new ETag), and no more than the latest listing's objects", async () => {
        const runId = newRunId();
        const [first, second] = markersFor(runId, 0, 2);
        const mine = { ...outputs, archiveKeyPrefix: "rewritten/" };
        const s3 = new S3Client({ endpoint: outputs.archiveEndpoint, region: "us-east-1", forcePathStyle: true,
            credentials: { accessKeyId: outputs.archiveAccessKeyId!, secretAccessKey: outputs.archiveSecretAccessKey! } });
        await s3.send(new CreateBucketCommand({ Bucket: "applogs" })).catch(() => undefined);
        const key = `rewritten/${today()}/10_primary_0.gz`;
        const put = (markers: string[]) => s3.send(new PutObjectCommand({ Bucket: "applogs", Key: key, Body: gzipSync(markers.map((m) => JSON.stringify(record(m))).join("\n") + "\n") }));
        const archive = probesFor(mine).find((p) => p.sink === "archive")!;
        await put([first]);
        expect((await archive.sightings(runId, since())).map((s) => s.marker)).toEqual([first]);
        await put([first, second]);
        expect((await archive.sightings(runId, since())).map((s) => s.marker)).toEqual([first, second]);
        await s3.send(new DeleteObjectCommand({ Bucket: "applogs", Key: key }));
        expect(await archive.sightings(runId, since())).toEqual([]);
        await archive.close();
        s3.destroy();
    });

    it("finds a run's markers wherever the line has them (the canary's dle-canary=, the suite's dle-verify=), never inside a longer word", () => {
        const runId = newRunId();
        const log = `{"level":"info","message":"canary event dle-canary=${runId}-7"} dle-verify=${runId}-12 x${runId}-3 ${runId}-`;
        expect(sightingsOf({ log, forwarder: "secondary" }, runId).map((s) => [s.marker, s.forwarder])).toEqual([[`${runId}-7`, "secondary"], [`${runId}-12`, "secondary"]]);
    });

    it("ignores other runs' markers", async () => {
        const mine = newRunId();
        const other = newRunId();
        await deliver({ store: markersFor(other, 0, 3), search: [], archive: [] }, "12_primary_0.gz");
        const probe = storeProbe({ connectionString: outputs.storeConnectionString, database: "applogs", collection: "docker" });
        expect(await probe.sightings(mine, since())).toEqual([]);
        await probe.close();
    });
});

describe("parsed and typed events", () => {
    it("passes events stored with their typed fields, in every sink", async () => {
        const runId = newRunId();
        const markers = markersFor(runId, 0, 5);
        await deliver({ store: markers, search: markers, archive: markers }, "13_primary_0.gz");
        const rows = await withProbes(outputs, (probes) => waitForDelivery(probes, runId, markers, { timeoutMs: 10_000, pollMs: 200, since: since() }));
        assertDelivered(rows);
        expect(accessEventProblems(rows)).toEqual([]);
        // MongoDB gives the time back as a date, the others as text; each has one.
        expect(rows[0].events.get(markers[0])!["@timestamp"]).toBeInstanceOf(Date);
    });

    it("names the sink, the marker and the field of an event that arrived unparsed or mistyped", async () => {
        const runId = newRunId();
        const [typed, asText, unparsed] = markersFor(runId, 0, 3);
        const line = record(unparsed).log;
        await deliverEvents({
            store: [record(typed), { ...record(asText), status: "200", request_time: "0.002" }],
            search: [{ container_name: "/dle-webapp", source: "stdout", log: line, app: "webapp", log_type: "nginx_access", event_id: "x", parse_error: "not a JSON object" }],
            archive: [],
        }, "14_primary_0.gz");
        const rows = await withProbes(outputs, (probes) => waitForDelivery(probes, runId, [typed, asText, unparsed], { timeoutMs: 1_000, pollMs: 500, since: since() }));
        const problems = accessEventProblems(rows);
        expect(problems).toEqual(expect.arrayContaining([
            `store: ${asText}: status is "200" (string), expected the integer 200`,
            `store: ${asText}: request_time is "0.002" (string), expected a number of seconds`,
            `search: ${unparsed}: status is missing, expected the integer 200`,
            `search: ${unparsed}: parse_error is "not a JSON object" (string), expected none`,
        ]));
        expect(problems.filter((p) => p.includes(typed))).toEqual([]);
        expect(() => assertParsedAndTyped(rows)).toThrow(/^Events not parsed and typed as they should be \(\d+\):\nstore: /);
    });
});

describe("the api's requests", () => {
    /** nginx's line of a request to the api and the api's record of it, sharing the request id. */
    const eventsOf = (route: string, status: number, marker: string, requestId: string): Event[] => [
        storedAccessEvent({ marker, path: route, status, requestId }, "primary"),
        {
            container_name: "/dle-api", app: "api", log_type: "app", level: status >= 500 ? "error" : "info", message: `GET ${route} ${status}`,
            request_id: requestId, route, duration_ms: 0.4, event_id: newRequestId(), forwarder: "primary", log: "{}",
            ...(status >= 500 ? { error_type: "DeliberateFailure", stack: "DeliberateFailure: boom\n    at failOnPurpose (server.ts:1:1)" } : {}),
        },
    ];

    it("finds nginx's line and the api's record of each request in every sink, by the shared request id", async () => {
        const runId = newRunId();
        const requests = [
            { marker: `${runId}-0`, route: "/api/hello", status: 200, requestId: newRequestId() },
            { marker: `${runId}-1`, route: "/api/fail", status: 500, requestId: newRequestId() },
        ];
        const events = requests.flatMap((r) => eventsOf(r.route, r.status, r.marker, r.requestId));
        await deliverEvents({ store: events, search: events, archive: events }, "15_primary_0.gz");
        const rows = await withProbes(outputs, (probes) => waitForApiEvents(probes, requests, { timeoutMs: 10_000, pollMs: 200, since: since() }));
        expect(rows.map((r) => [r.sink, r.found, r.missing, r.problems])).toEqual([
            ["store", 2, [], []], ["search", 2, [], []], ["archive", 2, [], []],
        ]);
        expect(() => assertApiEvents(rows)).not.toThrow();
        expect(formatApiReport("api", rows)).toMatch(/^store\s+2\s+2\s+0\s+0\s+\d+\.\d/m);
    });

    it("names a request whose api record is missing, and an error recorded without its stack trace", async () => {
        const runId = newRunId();
        const lonely = { marker: `${runId}-0`, route: "/api/hello", status: 200, requestId: newRequestId() };
        const failed = { marker: `${runId}-1`, route: "/api/fail", status: 500, requestId: newRequestId() };
        const [failLine, failRecord] = eventsOf(failed.route, failed.status, failed.marker, failed.requestId);
        const { stack: _, ...withoutStack } = failRecord;
        const events = [eventsOf(lonely.route, lonely.status, lonely.marker, lonely.requestId)[0], failLine, withoutStack];
        await deliverEvents({ store: events, search: [], archive: [] }, "16_primary_0.gz");
        const rows = await withProbes({ ...outputs }, async (probes) => waitForApiEvents(probes.filter((p) => p.sink === "store"), [lonely, failed], { timeoutMs: 1_000, pollMs: 500, since: since() }));
        expect(rows[0].missing).toEqual([lonely.requestId]);
        expect(rows[0].problems).toEqual([`${failed.requestId}: the api's stack is undefined, expected a multi-line stack trace, in one event`]);
        expect(() => assertApiEvents(rows)).toThrow(`store: 1 of 2 requests lack nginx's line or the api's record (first: ${lonely.requestId})`);
    });
});

describe("an unreachable sink", () => {
    it.each([
        ["store", (port: number) => ({ storeConnectionString: `mongodb://dle:secret@127.0.0.1:${port}/applogs?authSource=admin` }), (port: number) => `mongodb://127.0.0.1:${port}/applogs?authSource=admin`],
        ["search", (port: number) => ({ searchUrl: `http://127.0.0.1:${port}` }), (port: number) => `http://127.0.0.1:${port}`],
        ["archive", (port: number) => ({ archiveEndpoint: `http://127.0.0.1:${port}` }), (port: number) => `http://127.0.0.1:${port}/applogs`],
    ])("fails fast naming the %s endpoint, without its password", async (sink, override, endpoint) => {
        // A free port is one with nothing listening.
        const port = await freePort();
        const started = Date.now();
        const error = await withProbes({ ...outputs, ...override(port) }, (probes) =>
            waitForDelivery(probes, newRunId(), ["x-0"], { timeoutMs: 60_000, pollMs: 1_000, since: since() })).catch((e: unknown) => e);

        expect(error).toBeInstanceOf(SinkUnreachableError);
        expect((error as SinkUnreachableError).sink).toBe(sink);
        expect((error as Error).message).toContain(`The ${sink} sink at ${endpoint(port)} is unreachable`);
        expect((error as Error).message).not.toContain("secret");
        expect(Date.now() - started).toBeLessThan(15_000);
    }, 20_000);
});

describe("an OpenSearch domain with IAM access (aws stack)", () => {
    const region = "eu-west-1";
    const accessKeyId = "AKIDSTANDIN";
    let standin: ElasticsearchStandin;
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

    beforeAll(async () => {
        standin = await startElasticsearchStandin({ sigV4: { region, accessKeyId } });
        // The default credential chain's first link, as on a verifier instance with keys in its environment.
        process.env.AWS_ACCESS_KEY_ID = accessKeyId;
        process.env.AWS_SECRET_ACCESS_KEY = "standin-secret";
    });
    afterAll(async () => {
        for (const [name, value] of [["AWS_ACCESS_KEY_ID", saved.id], ["AWS_SECRET_ACCESS_KEY", saved.secret]] as const) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
        await standin.stop();
    });

    /** The search probe of an aws stack whose domain is the stand-in, signing for `searchRegion`. */
    const searchProbe = (searchRegion: string) => probesFor({
        ...outputs, searchUrl: standin.url, searchAuth: "aws-sigv4", searchRegion, searchUsername: undefined, searchPassword: undefined,
    }).find((p) => p.sink === "search")!;

    it("is searched with requests signed for the outputs' region and the es service", async () => {
        const runId = newRunId();
        const markers = markersFor(runId, 0, 5);
        const name = `logstash-${today().replace(/-/g, ".")}`;
        const index = standin.store.ensureIndex(name);
        markers.forEach((m, i) => index.documents.set(`${runId}-${i}`, { index: name, id: `${runId}-${i}`, source: record(m, "secondary") }));
        const probe = searchProbe(region);
        await probe.check();
        const sightings = await probe.sightings(runId, since());
        await probe.close();
        expect(sightings.map((s) => s.marker).sort()).toEqual([...markers].sort());
        expect(new Set(sightings.map((s) => s.forwarder))).toEqual(new Set(["secondary"]));
    });

    it("is refused when the probe signs for another region, and says so naming the domain", async () => {
        const probe = searchProbe("us-east-1");
        const error = await probe.check().catch((e: unknown) => e);
        await probe.close();
        expect(error).toBeInstanceOf(SinkUnreachableError);
        expect((error as Error).message).toMatch(new RegExp(`The search sink at ${standin.url} is unreachable: .*security_exception`));
    });
});
