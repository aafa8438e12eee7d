/**
 * The canary's metrics as the service serves and publishes them (components/canary/service/metrics.ts) against the
 * metric catalogue (components/monitoring/metrics.json), which the alerts, the dashboards and docs/monitoring.md use:
 * the same names, types and help, and the same CloudWatch metric names.
 */
import { Registry } from "prom-client";
import { CloudWatchFigures } from "../../components/canary/service/cloudwatch";
import { prometheusRecorder } from "../../components/canary/service/metrics";
import { metricCatalogue } from "../../components/monitoring";

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
