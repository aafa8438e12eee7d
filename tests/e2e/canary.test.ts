/**
 * The canary on the real pipeline on loopback (tests/support/canary-pipeline.ts): the service itself, with its
 * container's environment from the mocked local stack, its lines through the real agent and forwarders (fluentd) into
 * the stand-ins and s3rver, read back with the shared probes (its search user a read-only one). It sees every event in
 * all three sinks, none missing or twice, its lines parsed as the log type `app`; Prometheus scrapes it, no canary alert
 * fires, and the verification suite's canary check passes on what Prometheus collected.
 * The same with a sink down longer than the wait: tests/faults/canary.test.ts.
 */
import { canaryVariables as v } from "../../components/canary/service/settings";
import { canarySinks } from "../../components/canary";
import { assertCanaryFoundEverything, canaryFromPrometheus } from "../verify/canary";
import { withProbes } from "../verify/probes";
import { CanaryMetrics } from "../support/canary-process";
import { CanaryPipeline, canaryAlerts, noPrometheusReason, prometheusForCanary, startCanaryPipeline } from "../support/canary-pipeline";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { installMocks, runProgram } from "../support/mocks";
import { pipelineStartTimeoutMs } from "../support/pipeline-suite";
import { pollUntil } from "../support/prometheus";
import { describeWhen } from "../support/tools";

// Archive uploads every 2 s, so the archive's latency is seconds, not the stack's 10 s.
const resources = installMocks({ target: "local", archiveFlushSeconds: "2" });
const waitSeconds = 20;
const report = (text: string) => process.stdout.write(`\n${text}\n`);
const count = (metrics: CanaryMetrics, name: string, sink: string) => metrics.get(`${name}{sink="${sink}"}`) ?? 0;

describeWithFluentdAndOpenssl("the canary on the pipeline on loopback, in real fluentd", (fluentd) => {
    describeWhen(prometheusForCanary(), "scraped by Prometheus", noPrometheusReason, (prometheus) => {
        let running: CanaryPipeline;
        const started = Date.now();

        beforeAll(async () => {
            await runProgram();
            running = await startCanaryPipeline(fluentd, prometheus, resources, { [v.waitSeconds]: String(waitSeconds) });
        }, pipelineStartTimeoutMs + 90_000);

        afterAll(() => running?.stop(), 60_000);

        afterEach(() => {
            const state = expect.getState();
            if (state.assertionCalls !== state.numPassingAsserts) report(running?.logs() ?? "(the pipeline did not start)");
        });

        it("finds every event in the store, the search index and the archive: none missing, none twice, each with its latency", async () => {
            // Events logged over at least two waits, all of them past their wait: every one was found, or counted missing.
            await pollUntil("two waits of events", async () => running.linesSent(), (n) => n >= 2 * waitSeconds, 4 * waitSeconds * 1000);
            const metrics = await pollUntil("every sink's events of the first wait found", () => running.canary.metrics(),
                (m) => canarySinks.every((sink) => count(m, "dle_canary_received_total", sink) >= waitSeconds), 60_000);
            const sent = metrics.get("dle_canary_sent_total")!;
            report(`canary: ${sent} sent; ${canarySinks.map((sink) => `${sink} ${count(metrics, "dle_canary_received_total", sink)} found, ` +
                `${count(metrics, "dle_canary_missing_total", sink)} missing, p50 bucket ≤ ${medianBucket(metrics, sink)} s`).join("; ")}`);
            for (const sink of canarySinks) {
                expect([sink, count(metrics, "dle_canary_missing_total", sink), count(metrics, "dle_canary_duplicated_total", sink), count(metrics, "dle_canary_read_errors_total", sink)])
                    .toEqual([sink, 0, 0, 0]);
                expect(count(metrics, "dle_canary_latency_seconds_count", sink)).toBe(count(metrics, "dle_canary_received_total", sink));
                // Found after its logging, within the wait.
                expect(count(metrics, "dle_canary_latency_seconds_sum", sink) / count(metrics, "dle_canary_latency_seconds_count", sink)).toBeLessThan(waitSeconds);
                expect(count(metrics, "dle_canary_last_event_timestamp_seconds", sink)).toBeGreaterThan(started / 1000);
            }
        }, 240_000);

        it("reaches every sink as the log type app of the application canary, parsed, through the forwarders", async () => {
            const sightings = await withProbes(running.pipeline.outputs, (probes) =>
                Promise.all(probes.map(async (probe) => [probe.sink, await probe.sightings(running.runId(), new Date(started - 60_000))] as const)));
            for (const [sink, found] of sightings) {
                expect([sink, found.length > 0]).toEqual([sink, true]);
                expect(found[0].event).toEqual(expect.objectContaining({ app: "canary", log_type: "app", level: "info", container_name: "/dle-canary", source: "stdout", forwarder: "primary" }));
                expect(found[0].event.message).toBe(`canary event dle-canary=${found[0].marker}`);
                expect([sink, found.filter((s) => s.event.parse_error !== undefined)]).toEqual([sink, []]);
            }
        }, 60_000);

        it("is scraped by Prometheus, fires no canary alert, and passes the verification suite's canary check", async () => {
            const rows = await pollUntil("the canary's counts in Prometheus", () => canaryFromPrometheus(running.prometheus.url, running.login.username, running.login.password, (Date.now() - started) / 1000),
                (r) => r.length === canarySinks.length && r.every((row) => row.received > 0), 60_000);
            report(`verify's canary check: ${rows.map((r) => `${r.sink} ${r.received} found, ${r.missing} missing`).join("; ")}`);
            expect(() => assertCanaryFoundEverything(rows)).not.toThrow();
            expect(await running.prometheus.value('up{job="canary"}')).toBe(1);
            expect(await canaryAlerts(running.prometheus)).toEqual([]);
        }, 90_000);
    });
});

/** The upper bound of the latency bucket that holds a sink's median: what the benchmark compares its own p50 with. */
function medianBucket(metrics: CanaryMetrics, sink: string): string {
    const buckets = [...metrics].filter(([series]) => series.startsWith("dle_canary_latency_seconds_bucket{") && series.includes(`sink="${sink}"`))
        .map(([series, n]) => [/le="([^"]+)"/.exec(series)![1], n] as const);
    const total = buckets.find(([le]) => le === "+Inf")?.[1] ?? 0;
    return buckets.find(([, n]) => n >= total / 2)?.[0] ?? "?";
}
