/**
 * The canary's settings (components/canary/service/settings.ts) and its figures (metrics.ts): which sinks it reads and
 * with which credentials, the errors that name a wrong variable, its Prometheus metrics, and what it publishes to
 * CloudWatch.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Registry } from "prom-client";
import type { MetricDatum } from "@aws-sdk/client-cloudwatch";
import { CloudWatchFigures, PendingRequests, putMetricDataLimits, putMetricDataRequests } from "../../components/canary/service/cloudwatch";
import { prometheusRecorder } from "../../components/canary/service/metrics";
import { canaryVariables as v, readSettings } from "../../components/canary/service/settings";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-canary-settings-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, `${content}\n`);
    return p;
};

const local = (): Record<string, string | undefined> => ({
    [`${v.storeConnectionString}_FILE`]: file("store", "mongodb://dle-canary:pw@store:27017/applogs?authSource=admin"),
    [v.storeDatabase]: "applogs",
    [v.storeCollection]: "docker",
    [v.searchUrl]: "http://search:9200",
    [v.searchIndexPrefix]: "logstash",
    [v.searchAuth]: "basic",
    [v.searchUsername]: "dle-canary",
    [`${v.searchPassword}_FILE`]: file("search", "search-pw"),
    [v.archiveEndpoint]: "http://archive:9000",
    [v.archiveRegion]: "us-east-1",
    [v.archiveBucket]: "applogs",
    [v.archiveKeyPrefix]: "logs/",
    [`${v.archiveAccessKeyId}_FILE`]: file("key-id", "READERKEY"),
    [`${v.archiveSecretAccessKey}_FILE`]: file("secret", "reader-secret"),
});

describe("the canary's settings", () => {
    it("reads every sink, with the credentials from their files, and the defaults of the rest", () => {
        expect(readSettings(local())).toEqual({
            intervalSeconds: 1, waitSeconds: 60, pollSeconds: 1, lateWindowSeconds: 3600, metricsPort: 9464,
            sinks: {
                store: { connectionString: "mongodb://dle-canary:pw@store:27017/applogs?authSource=admin", database: "applogs", collection: "docker" },
                search: { url: "http://search:9200", indexPrefix: "logstash", auth: "basic", username: "dle-canary", password: "search-pw" },
                archive: { endpoint: "http://archive:9000", region: "us-east-1", bucket: "applogs", keyPrefix: "logs/", accessKeyId: "READERKEY", secretAccessKey: "reader-secret" },
            },
        });
    });

    it("takes AWS's way: credentials from the variables ECS fills from Secrets Manager, the search signed, S3 with the task role", () => {
        const settings = readSettings({
            [v.storeConnectionString]: "mongodb://dle-canary:pw@docdb:27017/applogs?tls=true",
            [v.storeDatabase]: "applogs", [v.storeCollection]: "docker",
            [v.searchUrl]: "https://vpc-search.es.amazonaws.com", [v.searchIndexPrefix]: "logstash", [v.searchAuth]: "aws-sigv4", [v.searchRegion]: "eu-west-1",
            [v.archiveRegion]: "eu-west-1", [v.archiveBucket]: "applogs-abc", [v.archiveKeyPrefix]: "",
            [v.cloudwatchNamespace]: "dle/canary", [v.cloudwatchStack]: "prod-eu",
        });
        expect(settings.sinks.search).toEqual({ url: "https://vpc-search.es.amazonaws.com", indexPrefix: "logstash", auth: "aws-sigv4", region: "eu-west-1" });
        expect(settings.sinks.archive).toEqual({ endpoint: undefined, region: "eu-west-1", bucket: "applogs-abc", keyPrefix: "", accessKeyId: undefined, secretAccessKey: undefined });
        expect(settings.sinks.store!.connectionString).toContain("tls=true");
        expect(settings.cloudwatch).toEqual({ namespace: "dle/canary", stack: "prod-eu" });
    });

    it("publishes to CloudWatch only with the stack's name, a dimension value CloudWatch takes", () => {
        const aws = { ...local(), [v.cloudwatchNamespace]: "dle/canary" };
        expect(() => readSettings(aws)).toThrow(`The canary needs the environment variable ${v.cloudwatchStack}.`);
        expect(() => readSettings({ ...aws, [v.cloudwatchStack]: "x".repeat(256) })).toThrow(`The canary's ${v.cloudwatchStack} is CloudWatch's Stack dimension, and must be 1 to 255 characters, got 256.`);
        expect(() => readSettings({ ...aws, [v.cloudwatchStack]: "pröd" })).toThrow("must be printable ASCII characters only");
        expect(() => readSettings({ ...aws, [v.cloudwatchStack]: "   " })).toThrow("must have a character that is not a space");
    });

    it("reads only the sinks whose variables are set", () => {
        const env = local();
        delete env[v.searchUrl];
        delete env[v.archiveBucket];
        expect(Object.keys(readSettings(env).sinks)).toEqual(["store"]);
    });

    it.each([
        [{ [v.waitSeconds]: "0" }, `The canary's ${v.waitSeconds} must be a whole number from 1 to 86400, got "0".`],
        [{ [v.intervalSeconds]: "1.5" }, `The canary's ${v.intervalSeconds} must be a whole number from 1 to 3600, got "1.5".`],
        [{ [v.waitSeconds]: "120", [v.lateWindowSeconds]: "60" }, `The canary's ${v.lateWindowSeconds} (60) must be at least ${v.waitSeconds} (120): a late event comes after the wait.`],
        [{ [v.searchAuth]: "token" }, `The canary's ${v.searchAuth} must be "basic" or "aws-sigv4", got "token".`],
        [{ [v.storeDatabase]: "" }, `The canary needs the environment variable ${v.storeDatabase}.`],
        [{ [`${v.searchPassword}_FILE`]: "/nonexistent/pw" }, `The canary cannot read ${v.searchPassword}_FILE (/nonexistent/pw): ENOENT`],
    ])("stops on %j, naming the variable", (change, message) => {
        expect(() => readSettings({ ...local(), ...change })).toThrow(message);
    });

    it("stops when no sink is set", () => {
        expect(() => readSettings({})).toThrow(`The canary has no sink to read: set ${v.storeConnectionString}_FILE, ${v.searchUrl} or ${v.archiveBucket}.`);
    });
});

describe("the canary's Prometheus metrics", () => {
    it("has every sink's series from the start, the last event at the start time, then counts what happened", async () => {
        const registry = new Registry();
        const recorder = prometheusRecorder(registry, ["store", "archive"], 1_700_000_000_000);
        const text = await registry.metrics();
        expect(text).toContain('dle_canary_missing_total{sink="archive"} 0');
        expect(text).toContain('dle_canary_last_event_timestamp_seconds{sink="store"} 1700000000');
        expect(text).toContain('dle_canary_latency_seconds_count{sink="store"} 0');
        recorder.sent();
        recorder.received("store", 1.2);
        recorder.missing("archive");
        recorder.late("archive");
        recorder.duplicated("archive", 2);
        recorder.readError("archive");
        recorder.lastEvent("store", 1_700_000_005_000);
        const after = await registry.metrics();
        for (const line of [
            "dle_canary_sent_total 1",
            'dle_canary_received_total{sink="store"} 1',
            'dle_canary_missing_total{sink="archive"} 1',
            'dle_canary_late_total{sink="archive"} 1',
            'dle_canary_duplicated_total{sink="archive"} 2',
            'dle_canary_read_errors_total{sink="archive"} 1',
            'dle_canary_latency_seconds_bucket{le="2",sink="store"} 1',
            'dle_canary_latency_seconds_bucket{le="1",sink="store"} 0',
            'dle_canary_last_event_timestamp_seconds{sink="store"} 1700000005',
        ]) expect(after).toContain(line);
    });
});

describe("the canary's CloudWatch figures", () => {
    const sinks = ["store", "search"];

    it("publishes the counts since the last time (zeros too), the latencies as values and counts, and each sink's last event's age", () => {
        const figures = new CloudWatchFigures(sinks, 0, "prod");
        figures.sent();
        figures.received("store", 1.234);
        figures.received("store", 1.231);
        figures.received("store", 2);
        figures.missing("search");
        figures.lastEvent("store", 50_000);
        const datums = figures.datums(figures.take(), 60_000);
        const find = (name: string, sink?: string) => datums.filter((d) => d.MetricName === name && d.Dimensions?.[1]?.Value === sink);
        // Every figure names the stack; the per-sink ones the sink after it.
        expect(datums.filter((d) => d.Dimensions?.[0]?.Name !== "Stack" || d.Dimensions[0].Value !== "prod")).toEqual([]);
        expect(find("Sent")[0].Dimensions).toEqual([{ Name: "Stack", Value: "prod" }]);
        expect(find("Received", "store")[0].Dimensions).toEqual([{ Name: "Stack", Value: "prod" }, { Name: "Sink", Value: "store" }]);
        expect(find("Sent")[0].Value).toBe(1);
        expect(find("Received", "store")[0].Value).toBe(3);
        expect(find("Missing", "search")[0].Value).toBe(1);
        expect(find("Missing", "store")[0].Value).toBe(0);
        expect(find("LatencySeconds", "store")).toEqual([expect.objectContaining({ Values: [1.23, 2], Counts: [2, 1], Unit: "Seconds" })]);
        expect(find("LatencySeconds", "search")).toEqual([]);
        expect(find("LastEventAgeSeconds", "store")[0].Value).toBe(10);
        expect(find("LastEventAgeSeconds", "search")[0].Value).toBe(60);
        // Taken: the next publication starts from nothing.
        expect(figures.datums(figures.take(), 61_000).find((d) => d.MetricName === "Sent")!.Value).toBe(0);
    });

    it("splits more than 150 distinct latencies over several datums (PutMetricData's limit)", () => {
        const figures = new CloudWatchFigures(["archive"], 0, "prod");
        for (let i = 0; i < 160; i++) figures.received("archive", i / 10);
        const latency = figures.datums(figures.take(), 1_000).filter((d) => d.MetricName === "LatencySeconds");
        expect(latency.map((d) => d.Values!.length)).toEqual([150, 10]);
    });
});

describe("the canary's PutMetricData requests", () => {
    const latencyDatum = (values: number): MetricDatum => ({
        MetricName: "LatencySeconds", Dimensions: [{ Name: "Stack", Value: "prod" }, { Name: "Sink", Value: "archive" }], Unit: "Seconds",
        Values: Array.from({ length: values }, (_, i) => 1000 + i / 100), Counts: Array.from({ length: values }, () => 1),
    });

    it("are one request for a minute's figures", () => {
        const figures = new CloudWatchFigures(["store", "search", "archive"], 0, "prod");
        for (let i = 0; i < 60; i++) figures.received("archive", 1 + i / 10);
        const requests = putMetricDataRequests("dle/canary", figures.datums(figures.take(), 60_000));
        expect(requests).toHaveLength(1);
        expect(requests[0].Namespace).toBe("dle/canary");
    });

    it("stay within PutMetricData's limits however much was kept: at most 1000 datums and well under 1 MB each", () => {
        const many = Array.from({ length: 2500 }, () => latencyDatum(150));
        const requests = putMetricDataRequests("dle/canary", many);
        expect(requests.flatMap((r) => r.MetricData!)).toEqual(many);
        for (const request of requests) {
            expect(request.MetricData!.length).toBeLessThanOrEqual(putMetricDataLimits.datumsPerRequest);
            // The longest encoding (the query protocol's), spelt out as the SDK sends it.
            const query = request.MetricData!.flatMap((d, i) => [
                `MetricData.member.${i + 1}.MetricName=${d.MetricName}`,
                ...d.Dimensions!.flatMap((dim, j) => [`MetricData.member.${i + 1}.Dimensions.member.${j + 1}.Name=${dim.Name}`, `MetricData.member.${i + 1}.Dimensions.member.${j + 1}.Value=${dim.Value}`]),
                ...d.Values!.map((v, j) => `MetricData.member.${i + 1}.Values.member.${j + 1}=${v}`),
                ...d.Counts!.map((c, j) => `MetricData.member.${i + 1}.Counts.member.${j + 1}=${c}`),
            ]).join("&");
            expect(query.length).toBeLessThan(putMetricDataLimits.requestBytes);
        }
        const small = Array.from({ length: 2500 }, (_, i): MetricDatum => ({ MetricName: "Received", Value: i }));
        expect(putMetricDataRequests("dle/canary", small).map((r) => r.MetricData!.length)).toEqual([1000, 1000, 500]);
    });

    it("refuse a datum with more values than PutMetricData takes", () => {
        expect(() => putMetricDataRequests("dle/canary", [latencyDatum(151)])).toThrow("A datum of LatencySeconds has 151 values: PutMetricData takes at most 150.");
    });

    it("that fail are sent again later, in order, and those that went through never again", async () => {
        const pending = new PendingRequests();
        const request = (n: number) => ({ Namespace: "dle/canary", MetricData: [{ MetricName: "Sent", Value: n }] });
        const sent: number[] = [];
        let up = false;
        const send = async (r: { MetricData?: MetricDatum[] }) => {
            if (!up && r.MetricData![0].Value === 2) throw new Error("throttled");
            sent.push(r.MetricData![0].Value!);
        };
        pending.add([request(1), request(2), request(3)]);
        await expect(pending.sendWith(send)).rejects.toThrow("throttled");
        expect([sent, pending.length]).toEqual([[1], 2]);
        up = true;
        pending.add([request(4)]);
        await pending.sendWith(send);
        expect([sent, pending.length]).toEqual([[1, 2, 3, 4], 0]);
    });

    it("are kept up to their limit, the oldest dropped and counted", () => {
        const pending = new PendingRequests(2);
        pending.add([1, 2, 3].map((n) => ({ Namespace: "dle/canary", MetricData: [{ MetricName: "Sent", Value: n }] })));
        expect([pending.length, pending.dropped]).toEqual([2, 1]);
    });
});
