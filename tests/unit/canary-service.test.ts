/**
 * The canary service itself (components/canary/service/server.ts), run as its container runs it, against the loopback
 * sinks (the stand-ins and s3rver): its lines are put straight into the store and the search index (the test playing
 * the pipeline), never into the archive. It finds them there, counts the archive's as missing after the wait, and
 * serves it all as Prometheus metrics. The same service through the real fluentd pipeline: tests/e2e/canary.test.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "@elastic/elasticsearch";
import { MongoClient } from "mongodb";
import { canaryVariables as v } from "../../components/canary/service/settings";
import { CanaryProcess, canaryEnvFor, runCanaryToExit, startCanary } from "../support/canary-process";
import { pollUntil } from "../support/prometheus";
import { LoopbackSinks, startLoopbackSinks } from "../support/sinks";

let sinks: LoopbackSinks;
let canary: CanaryProcess;
let mongo: MongoClient;
let elasticsearch: Client;
const lines: string[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-canary-service-"));
const waitSeconds = 3;

beforeAll(async () => {
    sinks = await startLoopbackSinks();
    mongo = new MongoClient(sinks.outputs.storeConnectionString);
    elasticsearch = new Client({ node: sinks.outputs.searchUrl, auth: { username: sinks.outputs.searchUsername!, password: sinks.outputs.searchPassword! } });
    const index = `logstash-${new Date().toISOString().slice(0, 10).replace(/-/g, ".")}`;
    canary = await startCanary({ ...canaryEnvFor(sinks.outputs, dir), [v.waitSeconds]: String(waitSeconds) }, (line) => {
        lines.push(line);
        // As the forwarders would store the line: the record of the log type `app` with the line in `log`.
        const event = { ...JSON.parse(line), app: "canary", log_type: "app", log: line };
        void mongo.db("applogs").collection("docker").insertOne({ ...event, "@timestamp": new Date() });
        void elasticsearch.bulk({ refresh: true, operations: [{ index: { _index: index } }, { ...event, "@timestamp": new Date().toISOString() }] });
    });
}, 60_000);

afterAll(async () => {
    await canary?.stop();
    await mongo?.close();
    await elasticsearch?.close();
    await sinks?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
});

describe("the canary service", () => {
    it("logs one JSON line with the next marker every second", async () => {
        await pollUntil("three lines", async () => lines.length, (n) => n >= 3, 20_000);
        const markers = lines.slice(0, 3).map((l) => /dle-canary=(v\w+)-(\d+)/.exec(JSON.parse(l).message)!);
        expect(markers.map((m) => Number(m[2]))).toEqual([0, 1, 2]);
        expect(new Set(markers.map((m) => m[1])).size).toBe(1);
    }, 30_000);

    it("finds its events in the store and the search index, with their latency, and counts the archive's missing after the wait", async () => {
        const value = (metrics: Map<string, number>, series: string) => metrics.get(series) ?? 0;
        const metrics = await pollUntil("the archive's first missing events", () => canary.metrics(),
            (m) => value(m, 'dle_canary_missing_total{sink="archive"}') >= 2, 30_000);
        expect(value(metrics, 'dle_canary_received_total{sink="store"}')).toBeGreaterThanOrEqual(2);
        expect(value(metrics, 'dle_canary_received_total{sink="search"}')).toBeGreaterThanOrEqual(2);
        expect(value(metrics, 'dle_canary_latency_seconds_count{sink="store"}')).toBe(value(metrics, 'dle_canary_received_total{sink="store"}'));
        expect(value(metrics, 'dle_canary_missing_total{sink="store"}')).toBe(0);
        expect(value(metrics, 'dle_canary_missing_total{sink="search"}')).toBe(0);
        expect(value(metrics, 'dle_canary_received_total{sink="archive"}')).toBe(0);
        expect(value(metrics, "dle_canary_sent_total")).toBeGreaterThanOrEqual(value(metrics, 'dle_canary_received_total{sink="store"}'));
        expect(value(metrics, 'dle_canary_last_event_timestamp_seconds{sink="store"}')).toBeGreaterThan(Date.now() / 1000 - 30);
    }, 40_000);

    it("stops at start on a bad setting, naming the variable", async () => {
        const { code, stderr } = await runCanaryToExit({ ...canaryEnvFor(sinks.outputs, dir), [v.waitSeconds]: "soon" });
        expect(code).toBe(1);
        expect(JSON.parse(stderr.trim())).toEqual({ level: "fatal", message: `The canary's ${v.waitSeconds} must be a whole number from 1 to 86400, got "soon".` });
    }, 40_000);
});
