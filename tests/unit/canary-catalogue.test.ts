/**
 * The canary's metrics as the service serves and publishes them (components/canary/service/metrics.ts) against the
 * metric catalogue (components/monitoring/metrics.json), which the alerts, the dashboards and docs/monitoring.md use:
 * the same names, types and help, and the same CloudWatch metric names.
 */
import { Registry } from "prom-client";
import { CloudWatchFigures } from "../../components/canary/service/cloudwatch";
import { latencyBuckets, prometheusRecorder } from "../../components/canary/service/metrics";
import { alertRules, metricCatalogue } from "../../components/monitoring";
import { canaryPollSeconds } from "../../components/canary/args";
import { defaults } from "../../components/config";

const catalogued = metricCatalogue().filter((m) => m.source === "dle-canary");

describe("the canary's metrics in the catalogue", () => {
    it("are exactly those it serves, with their types and help", async () => {
        const registry = new Registry();
        prometheusRecorder(registry, ["store"], 0);
        const served = (await registry.getMetricsAsJSON()).map((m) => ({ name: m.name, type: String(m.type), help: m.help }));
        expect(catalogued.map((m) => ({ name: m.name, type: m.type, help: m.help })).sort((a, b) => a.name.localeCompare(b.name)))
            .toEqual(served.sort((a, b) => a.name.localeCompare(b.name)));
    });

    it("name the CloudWatch metrics it publishes on AWS, each once", () => {
        const figures = new CloudWatchFigures(["store"], 0, "prod");
        figures.received("store", 1);
        const published = [...new Set(figures.datums(figures.take(), 1_000).map((d) => d.MetricName))].sort();
        expect(catalogued.map((m) => m.canaryCloudwatchMetric).sort()).toEqual(published);
    });
});

describe("the canary's latency buckets", () => {
    it("have the latency alert's threshold as a bound, where histogram_quantile is exact", () => {
        const rule = alertRules().find((r) => r.alert === "DleCanaryLatencyHigh")!;
        const threshold = Number(/\) > (\d+(?:\.\d+)?)$/.exec(rule.expr)![1]);
        expect(threshold).toBe(30);
        expect(latencyBuckets).toContain(threshold);
        expect(rule.expr).toContain("dle_canary_latency_seconds_bucket");
    });

    it("are a poll wide, no finer, up to the archive's upload interval, then wider up to the wait and the late window", () => {
        const widths = latencyBuckets.map((b, i) => b - (i === 0 ? 0 : latencyBuckets[i - 1]));
        const archive = Number(defaults.archiveFlushSeconds);
        expect(widths.filter((_, i) => latencyBuckets[i] <= archive)).toEqual(Array(archive / canaryPollSeconds).fill(canaryPollSeconds));
        expect(widths.every((w, i) => i === 0 || w >= widths[i - 1])).toBe(true);
        expect(latencyBuckets).toContain(Number(defaults.canaryWaitSeconds));
        expect(latencyBuckets.at(-1)).toBe(3600);
    });
});
