/**
 * The monitoring's data files against each other: the Grafana panels' PromQL passes promtool's checks and uses only
 * metrics of the catalogue (components/monitoring/metrics.json, which the end-to-end metrics test checks against a
 * real fluentd's /metrics); the CloudWatch dashboard has a widget per Grafana panel and the alarms cover every alert,
 * both using only metrics and dimension sets the CloudWatch agent publishes (as the catalogue declares them).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { alertRules, dashboardPanels, metricCatalogue } from "../../components/monitoring";
import { alarmSpecs, dashboardWidgetMetrics } from "../../components/monitoring/aws";
import { cloudwatchNamespace, collectorAgentConfig } from "../../components/monitoring/aws-collector";
import { canaryCloudwatchNamespace } from "../../components/canary/args";
import { findPromtool, promtool } from "../support/prometheus";
import { describeWhen } from "../support/tools";

const promqlWords = new Set([
    "sum", "min", "max", "avg", "count", "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "rate", "increase", "predict_linear", "min_over_time", "max_over_time", "vector", "inf", "nan",
    "histogram_quantile", "time",
]);

/** The metric names a PromQL expression reads (its identifiers outside label matchers, strings and grouping lists). */
function metricNames(expr: string): string[] {
    const bare = expr
        .replace(/"(?:[^"\\]|\\.)*"/g, '""')
        .replace(/\{[^}]*\}/g, " ")
        .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
        .replace(/\[[^\]]*\]/g, " ");
    // An identifier followed by "(" is a function; a number's digits never start one.
    const identifiers = [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
        .filter((m) => !/^\s*\(/.test(bare.slice(m.index + m[0].length)))
        .map((m) => m[0]);
    return [...new Set(identifiers.filter((id) => !promqlWords.has(id.toLowerCase())))];
}

const catalogue = new Map(metricCatalogue().flatMap((m) =>
    (m.type === "histogram" ? ["_bucket", "_sum", "_count"].map((suffix) => `${m.name}${suffix}`) : [m.name]).map((name) => [name, m] as const)));
/** The CloudWatch metrics the canary publishes itself, in its own namespace. */
const canaryPublished = new Set(metricCatalogue().flatMap((m) => m.canaryCloudwatchMetric ?? []));
const panels = dashboardPanels();
const targets = panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, ...target })));

describe("the Grafana dashboard", () => {
    it("reads every metric it uses from the catalogue", () => {
        const unknown = targets.flatMap((t) => metricNames(t.expr).filter((name) => !catalogue.has(name)).map((name) => `${t.panel}: ${name}`));
        expect(targets.length).toBeGreaterThan(panels.length);
        expect(unknown).toEqual([]);
    });

    it("shows events in and out of each fluentd, buffer bytes against the limit, retries, errors and which forwarder serves", () => {
        const used = new Set(targets.flatMap((t) => metricNames(t.expr)));
        for (const metric of [
            "fluentd_input_status_emit_records_total", "fluentd_output_status_emit_records", "fluentd_output_status_buffer_total_bytes",
            "fluentd_output_status_buffer_total_limit_bytes", "fluentd_output_status_retry_count", "fluentd_output_status_num_errors",
            "fluentd_output_forward_node_serving",
        ]) expect(used).toContain(metric);
    });

    it("finds the metric names of an expression, and only those", () => {
        expect(metricNames('sum by (role) (rate(a_total{job="x", b="c"}[1m])) > on(instance) max(b_bytes) or vector(0)')).toEqual(["a_total", "b_bytes"]);
    });
});

describe("the alert rules", () => {
    it("read only metrics of the catalogue", () => {
        const unknown = alertRules().flatMap((r) => metricNames(r.expr).filter((name) => !catalogue.has(name)).map((name) => `${r.alert}: ${name}`));
        expect(unknown).toEqual([]);
    });
});

describeWhen(findPromtool(), "the Grafana panels' PromQL under promtool", "no promtool on PATH or in $PROMTOOL (Debian: apt-get install prometheus)", (tool) => {
    let dir: string;
    beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-panels-")); });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Every expression as a recording rule: `promtool check rules` parses and checks each. */
    const check = (exprs: string[]) => {
        const file = path.join(dir, `panels-${exprs.length}.json`);
        fs.writeFileSync(file, JSON.stringify({ groups: [{ name: "panels", rules: exprs.map((expr, i) => ({ record: `dle:panel_query_${i}`, expr })) }] }));
        return promtool(tool, ["check", "rules", file]);
    };

    it("passes promtool's checks, every query of every panel", async () => {
        expect(await check(targets.map((t) => t.expr))).toContain(`SUCCESS: ${targets.length} rules found`);
    });

    it("would fail on a query promtool cannot parse", async () => {
        await expect(check(["sum by (role) (rate(dle_records_total[1m])"])).rejects.toThrow(/parse error|unclosed/i);
    });
});

/** The CloudWatch metric names and dimension sets an expression or alarm reads. */
const searches = (expression: string) => [...expression.matchAll(/\{([^,}]+),([^}]*)\} MetricName="([^"]+)"/g)]
    .map(([, namespace, dimensions, metric]) => ({ namespace, metric, dimensions: dimensions.split(",").sort() }));
/** Whether the CloudWatch agent publishes `metric` with exactly these dimensions. */
const published = (metric: string, dimensions: string[]) =>
    (catalogue.get(metric)?.cloudwatchDimensions ?? []).some((set) => JSON.stringify([...set].sort()) === JSON.stringify([...dimensions].sort()));

describe("the CloudWatch side", () => {
    const widgets = dashboardWidgetMetrics("app/dle-webapp/123", "prod");

    it("has a dashboard widget for every Grafana panel, and no other", () => {
        expect(Object.keys(widgets).sort()).toEqual(panels.map((p) => p.title).sort());
    });

    it("draws only metrics the CloudWatch agent publishes, with their dimensions, and the canary's own", () => {
        const all = Object.values(widgets).flat().flatMap((q) => searches(q.expression));
        const reads = all.filter((s) => s.namespace === cloudwatchNamespace);
        expect(reads.length).toBeGreaterThan(panels.length);
        expect(reads.filter((r) => !published(r.metric, r.dimensions))).toEqual([]);
        const canaryReads = all.filter((s) => s.namespace === canaryCloudwatchNamespace);
        expect(canaryReads.length).toBeGreaterThanOrEqual(3);
        // The canary's per-sink figures, of this stack only (components/canary/service/cloudwatch.ts).
        expect(canaryReads.filter((r) => !canaryPublished.has(r.metric) || r.dimensions.join() !== "Sink,Stack")).toEqual([]);
        const canaryExpressions = Object.values(widgets).flat().map((q) => q.expression).filter((e) => e.includes(canaryCloudwatchNamespace));
        expect(canaryExpressions.filter((e) => !e.includes(' Stack="prod"'))).toEqual([]);
        expect(all.filter((s) => ![cloudwatchNamespace, canaryCloudwatchNamespace].includes(s.namespace) && !s.namespace.startsWith("AWS/"))).toEqual([]);
    });

    const specs = alarmSpecs({ webappTasks: 2, loadBalancer: "app/dle-webapp/123", canary: { sinks: ["store", "search", "archive"], stack: "prod" } });

    it("has an alarm for every alert of alerts.rules.json, and none for another", () => {
        expect([...new Set(specs.map((s) => s.alert))].sort()).toEqual(alertRules().map((r) => r.alert).sort());
    });

    it("alarms only on metrics the CloudWatch agent publishes, with their dimensions, and on expressions over them", () => {
        for (const spec of specs) {
            for (const [id, m] of Object.entries(spec.metrics)) {
                if (m.namespace === undefined) expect([spec.alert, m.metricName, published(m.metricName, Object.keys(m.dimensions))]).toEqual([spec.alert, m.metricName, true]);
                if (m.namespace === canaryCloudwatchNamespace) expect([spec.alert, m.metricName, canaryPublished.has(m.metricName)]).toEqual([spec.alert, m.metricName, true]);
                expect(spec.expression).toContain(id);
            }
        }
    });

    it("tells the CloudWatch agent to publish every catalogued fluentd metric that has dimensions, with them", () => {
        const config = JSON.parse(collectorAgentConfig({ region: "us-east-1", clusterName: "dle", logGroupName: "/dle/x-metrics" }));
        const declarations = config.logs.metrics_collected.prometheus.emf_processor.metric_declaration as { metric_selectors: string[]; dimensions: string[][] }[];
        const declared = Object.fromEntries(declarations.map((d) => [d.metric_selectors[0].replace(/^\^|\$$/g, ""), d.dimensions]));
        const expected = Object.fromEntries(metricCatalogue().filter((m) => m.cloudwatchDimensions.length > 0).map((m) => [m.name, m.cloudwatchDimensions]));
        expect(declared).toEqual(expected);
        expect(config.logs.metrics_collected.prometheus.emf_processor.metric_namespace).toBe(cloudwatchNamespace);
    });
});

describe("docs/monitoring.md", () => {
    const page = fs.readFileSync(path.join(__dirname, "../../docs/monitoring.md"), "utf8");

    it("explains every metric of the catalogue and every alert", () => {
        const names = [...metricCatalogue().map((m) => m.name), ...alertRules().map((r) => r.alert)];
        expect(names.filter((name) => !page.includes(`\`${name}\``))).toEqual([]);
    });
});
