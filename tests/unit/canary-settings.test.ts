/**
 * The canary's settings (components/canary/service/settings.ts) and its figures (metrics.ts): which sinks it reads and
 * with which credentials, the errors that name a wrong variable, its Prometheus metrics, and what it publishes to
 * CloudWatch.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Registry } from "prom-client";
import { CloudWatchFigures, prometheusRecorder } from "../../components/canary/service/metrics";
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
            intervalSeconds: 1, waitSeconds: 60, pollSeconds: 1, lateWindowSeconds: 3600, metricsPort: 9464, cloudwatchNamespace: undefined,
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
            [v.cloudwatchNamespace]: "dle/canary",
        });
        expect(settings.sinks.search).toEqual({ url: "https://vpc-search.es.amazonaws.com", indexPrefix: "logstash", auth: "aws-sigv4", region: "eu-west-1" });
        expect(settings.sinks.archive).toEqual({ endpoint: undefined, region: "eu-west-1", bucket: "applogs-abc", keyPrefix: "", accessKeyId: undefined, secretAccessKey: undefined });
        expect(settings.sinks.store!.connectionString).toContain("tls=true");
        expect(settings.cloudwatchNamespace).toBe("dle/canary");
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
            'dle_canary_latency_seconds_bucket{le="1.5",sink="store"} 1',
            'dle_canary_latency_seconds_bucket{le="1",sink="store"} 0',
            'dle_canary_last_event_timestamp_seconds{sink="store"} 1700000005',
        ]) expect(after).toContain(line);
    });
});

describe("the canary's CloudWatch figures", () => {
    const sinks = ["store", "search"];

    it("publishes the counts since the last time (zeros too), the latencies as values and counts, and each sink's last event's age", () => {
        const figures = new CloudWatchFigures(sinks, 0);
        figures.sent();
        figures.received("store", 1.234);
        figures.received("store", 1.231);
        figures.received("store", 2);
        figures.missing("search");
        figures.lastEvent("store", 50_000);
        const datums = figures.datums(figures.take(), 60_000);
        const find = (name: string, sink?: string) => datums.filter((d) => d.MetricName === name && d.Dimensions?.[0]?.Value === sink);
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

    it("puts back what a failed publication took, added to what came since", () => {
        const figures = new CloudWatchFigures(sinks, 0);
        figures.sent();
        figures.received("search", 3);
        const taken = figures.take();
        figures.sent();
        figures.received("search", 3);
        figures.putBack(taken);
        const datums = figures.datums(figures.take(), 1_000);
        expect(datums.find((d) => d.MetricName === "Sent")!.Value).toBe(2);
        expect(datums.find((d) => d.MetricName === "LatencySeconds")).toMatchObject({ Values: [3], Counts: [2] });
        expect(datums.find((d) => d.MetricName === "Received" && d.Dimensions![0].Value === "search")!.Value).toBe(2);
    });

    it("splits more than 150 distinct latencies over several datums (PutMetricData's limit)", () => {
        const figures = new CloudWatchFigures(["archive"], 0);
        for (let i = 0; i < 160; i++) figures.received("archive", i / 10);
        const latency = figures.datums(figures.take(), 1_000).filter((d) => d.MetricName === "LatencySeconds");
        expect(latency.map((d) => d.Values!.length)).toEqual([150, 10]);
    });
});
