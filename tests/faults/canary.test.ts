/**
 * The canary under a sink outage, on the real pipeline on loopback (tests/support/canary-pipeline.ts): with the store
 * down longer than the canary's wait, the canary counts missing events for the store alone (the search index and the
 * archive keep receiving), Prometheus fires DleCanaryEventsMissing for the store alone with the stack's own rules, and
 * once the store is back the forwarders' buffers deliver what they held: the late count catches up with the missing
 * count, and nothing is lost or stored twice. The rule is also run under `promtool test rules` on the real counters'
 * series, as Prometheus collected them: it fires for the store alone there too.
 *
 * DLE_FAULT_OUTAGE_SECONDS sets how long the store stays down beyond the wait (default 20).
 */
import { canaryVariables as v } from "../../components/canary/service/settings";
import { CanaryMetrics } from "../support/canary-process";
import { CanaryPipeline, canaryAlerts, noPrometheusReason, prometheusForCanary, startCanaryPipeline } from "../support/canary-pipeline";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { installMocks, runProgram } from "../support/mocks";
import { pipelineStartTimeoutMs } from "../support/pipeline-suite";
import * as fs from "fs";
import * as path from "path";
import { AlertRule, alertRules, monitoringFiles } from "../../components/monitoring";
import { findPromtool, pollUntil, promtool } from "../support/prometheus";
import { describeWhen } from "../support/tools";
import { setTimeout as sleep } from "timers/promises";

// Archive uploads every 2 s, so that only the store's outage makes anything wait.
const resources = installMocks({ target: "local", archiveFlushSeconds: "2" });
const waitSeconds = 8;
const beyondWaitSeconds = Number(process.env.DLE_FAULT_OUTAGE_SECONDS ?? 20);
const report = (text: string) => process.stdout.write(`\n${text}\n`);
const count = (metrics: CanaryMetrics, name: string, sink: string) => metrics.get(`dle_canary_${name}{sink="${sink}"}`) ?? 0;
const figures = (metrics: CanaryMetrics) => ["store", "search", "archive"].map((sink) =>
    `${sink}: ${count(metrics, "received_total", sink)} found, ${count(metrics, "missing_total", sink)} missing, ${count(metrics, "late_total", sink)} late, ` +
    `${count(metrics, "duplicated_total", sink)} twice, ${count(metrics, "read_errors_total", sink)} failed reads`).join("\n");

describeWithFluentdAndOpenssl("the canary with a sink down longer than its wait", (fluentd) => {
    describeWhen(prometheusForCanary(), "in real fluentd, scraped by Prometheus", noPrometheusReason, (prometheus) => {
        let running: CanaryPipeline;
        let startedAt: number;

        beforeAll(async () => {
            await runProgram();
            running = await startCanaryPipeline(fluentd, prometheus, resources, { [v.waitSeconds]: String(waitSeconds) });
            startedAt = Date.now();
        }, pipelineStartTimeoutMs + 90_000);

        afterAll(() => running?.stop(), 60_000);

        afterEach(() => {
            const state = expect.getState();
            if (state.assertionCalls !== state.numPassingAsserts) report(running?.logs() ?? "(the pipeline did not start)");
        });

        it("counts missing events for the store alone, fires DleCanaryEventsMissing for it alone, then counts late what the buffers deliver", async () => {
            const metrics = () => running.canary.metrics();
            // Every sink receives before the outage.
            await pollUntil("every sink receiving", metrics, (m) => ["store", "search", "archive"].every((sink) => count(m, "received_total", sink) >= 3), 120_000);

            await running.pipeline.sinks.takeDown("store");
            const downAt = Date.now();
            const during = await pollUntil("the store's events counted missing", metrics, (m) => count(m, "missing_total", "store") >= 3, (waitSeconds + 60) * 1000);
            const alerts = await pollUntil("DleCanaryEventsMissing firing", () => canaryAlerts(running.prometheus),
                (a) => a.includes("DleCanaryEventsMissing store firing"), 60_000);
            // Down for longer than the wait, with time for the other sinks to show they lost nothing meanwhile.
            await sleep(Math.max(0, downAt + (waitSeconds + beyondWaitSeconds) * 1000 - Date.now()));
            const beforeReturn = await metrics();
            report(`store down ${((Date.now() - downAt) / 1000).toFixed(0)} s (wait ${waitSeconds} s):\n${figures(beforeReturn)}\nalerts: ${alerts.join(", ")}`);
            expect(alerts.filter((a) => a.startsWith("DleCanaryEventsMissing"))).toEqual(["DleCanaryEventsMissing store firing"]);
            expect(count(during, "read_errors_total", "store")).toBeGreaterThan(0);
            for (const sink of ["search", "archive"]) {
                expect([sink, count(beforeReturn, "missing_total", sink), count(beforeReturn, "read_errors_total", sink)]).toEqual([sink, 0, 0]);
                expect(count(beforeReturn, "received_total", sink)).toBeGreaterThan(count(during, "received_total", sink));
            }
            const missing = count(beforeReturn, "missing_total", "store");
            expect(missing).toBeGreaterThanOrEqual(beyondWaitSeconds / 2);
            expect(count(beforeReturn, "late_total", "store")).toBe(0);

            // The same rule under promtool, on the real counters' series as Prometheus collected them.
            expect(await promtoolFires(running, startedAt, "DleCanaryEventsMissing")).toEqual(["store"]);

            await running.pipeline.sinks.bringBack("store");
            const backAt = Date.now();
            // The forwarders retry the store at most every 30 s: what they held arrives, and the canary finds it late.
            const after = await pollUntil("every missing store event found late", metrics,
                (m) => count(m, "late_total", "store") >= missing && count(m, "late_total", "store") === count(m, "missing_total", "store"), 180_000);
            report(`store back; ${((Date.now() - backAt) / 1000).toFixed(0)} s later:\n${figures(after)}`);
            expect(count(after, "late_total", "store")).toBe(count(after, "missing_total", "store"));
            for (const sink of ["store", "search", "archive"]) expect([sink, count(after, "duplicated_total", sink)]).toEqual([sink, 0]);
        }, 480_000);
    });
});

/**
 * The sinks `alert` fires for under `promtool test rules`, at the last sample of the canary's missing counts since
 * `fromMs` (every second, as Prometheus scraped them): each sink's series is tried as the rule's only input, and the
 * test passes for a sink when the alert fires on it with its labels and annotations.
 */
async function promtoolFires(running: CanaryPipeline, fromMs: number, alert: string): Promise<string[]> {
    const tool = findPromtool();
    if (tool === undefined) throw new Error("no promtool on PATH or in $PROMTOOL (Debian: apt-get install prometheus)");
    const rule = alertRules().find((r) => r.alert === alert) as AlertRule;
    // Prometheus scraped the canary every second: so are the series given to promtool.
    const step = 1;
    const { result } = await running.prometheus.api<{ result: { metric: Record<string, string>; values: [number, string][] }[] }>(
        `/api/v1/query_range?query=${encodeURIComponent('dle_canary_missing_total{job="canary"}')}&start=${fromMs / 1000}&end=${Date.now() / 1000}&step=${step}`);
    const firing: string[] = [];
    for (const series of result) {
        const { __name__: name, ...labels } = series.metric;
        const render = (text: string) => text.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, label: string) => labels[label] ?? "<no value>");
        const file = path.join(running.pipeline.dir, `promtool-${labels.sink}.json`);
        fs.writeFileSync(file, JSON.stringify({
            rule_files: [monitoringFiles.alertRules],
            evaluation_interval: `${step}s`,
            tests: [{
                interval: `${step}s`,
                input_series: [{ series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`, values: series.values.map(([, v]) => v).join(" ") }],
                alert_rule_test: [{
                    eval_time: `${(series.values.length - 1) * step}s`,
                    alertname: alert,
                    exp_alerts: [{ exp_labels: { ...labels, ...rule.labels }, exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, render(v)])) }],
                }],
            }],
        }));
        if (await promtool(tool, ["test", "rules", file]).then(() => true, () => false)) firing.push(labels.sink);
    }
    expect(result.map((r) => r.metric.sink).sort()).toEqual(["archive", "search", "store"]);
    return firing.sort();
}
