/**
 * The alert rules (components/monitoring/alerts.rules.json) under promtool: each alert fires on a series that shows
 * its condition and stays quiet on one that does not (`promtool test rules`), with its summary rendered from the
 * alert's labels. Skipped, with the reason, where promtool is absent (Debian's `prometheus` package has it).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AlertRule, alertRules, monitoringFiles } from "../../components/monitoring";
import { findPromtool, promtool } from "../support/prometheus";
import { describeWhen } from "../support/tools";

/** A series in promtool's notation: `metric{labels}` and its values every 15 s (e.g. "0+1x40": 0, 1, 2, ...). */
type Series = [series: string, values: string];

interface AlertCase {
    /** Series on which the alert must fire at `at`, with exactly these labels (besides alertname and severity). */
    bad: Series[];
    firing: Record<string, string>[];
    /** Series on which it must stay quiet at `at`. */
    good: Series[];
    /** When to look: past the rule's window and its `for`. */
    at: string;
}

const fluentd = (metric: string, labels: Record<string, string>) =>
    `${metric}{${Object.entries({ job: "fluentd", ...labels }).map(([k, v]) => `${k}="${v}"`).join(",")}}`;
const primaryStore = { role: "primary", instance: "forwarder-primary:24231", plugin_id: "store", type: "mongo" };
/** The sql sink's output (dle:sinks sql), which the per-output alerts cover as they cover the others. */
const secondarySql = { role: "secondary", instance: "forwarder-secondary:24231", plugin_id: "sql", type: "dle_postgres" };
const agentForward = { role: "agent", instance: "log-agent:24231", plugin_id: "forward_to_forwarders" };
const labelsOf = (labels: Record<string, string>) => ({ job: "fluentd", ...labels });
const canaryAt = { job: "canary", instance: "canary:9464" };
const canary = (metric: string, labels: Record<string, string> = {}) =>
    `${metric}{${Object.entries({ ...canaryAt, ...labels }).map(([k, v]) => `${k}="${v}"`).join(",")}}`;
/** A latency histogram's buckets (cumulative counts rising by `perStep` every 15 s up to each bound `le`), all ≥ `from`. */
const latencyBuckets = (sink: string, from: number, perStep: number, steps: number): Series[] =>
    [0.5, 1, 2, 5, 10, 30, 60, 120, "+Inf"].map((le) => [canary("dle_canary_latency_seconds_bucket", { sink, le: String(le) }),
        le === "+Inf" || Number(le) >= from ? `0+${perStep}x${steps}` : `0x${steps}`]);

const cases: Record<string, AlertCase> = {
    FluentdDown: {
        bad: [[fluentd("up", { role: "primary", instance: "forwarder-primary:24231" }), "0x20"]],
        firing: [labelsOf({ role: "primary", instance: "forwarder-primary:24231" })],
        good: [[fluentd("up", { role: "primary", instance: "forwarder-primary:24231" }), "1x20"]],
        at: "3m",
    },
    DleNoRecordsReceived: {
        bad: [
            // The forwarders' counters stand still while the probe of the webapp succeeds.
            [fluentd("dle_records_total", { role: "primary", instance: "forwarder-primary:24231", log_type: "nginx_access" }), "120x60"],
            [fluentd("dle_records_total", { role: "agent", instance: "log-agent:24231", log_type: "nginx_access" }), "0+4x60"],
            ['probe_success{job="webapp",instance="http://dle-webapp:80/"}', "1x60"],
        ],
        firing: [{}],
        good: [
            [fluentd("dle_records_total", { role: "primary", instance: "forwarder-primary:24231", log_type: "nginx_access" }), "0+4x60"],
            ['probe_success{job="webapp",instance="http://dle-webapp:80/"}', "1x60"],
        ],
        at: "10m",
    },
    FluentdRetriesRising: {
        // The store retrying, and the sql sink's PostgreSQL down: each output named on its own.
        bad: [[fluentd("fluentd_output_status_retry_count", primaryStore), "0+1x120"], [fluentd("fluentd_output_status_retry_count", secondarySql), "0x10 0+1x110"]],
        firing: [labelsOf(primaryStore), labelsOf(secondarySql)],
        // Retries long ago, none in the last 10 minutes.
        good: [[fluentd("fluentd_output_status_retry_count", primaryStore), "0+1x20 20x100"], [fluentd("fluentd_output_status_retry_count", secondarySql), "0+1x20 20x100"]],
        at: "28m",
    },
    FluentdOutputErrors: {
        bad: [[fluentd("fluentd_output_status_num_errors", primaryStore), "0x10 1x30"]],
        firing: [labelsOf(primaryStore)],
        good: [[fluentd("fluentd_output_status_num_errors", primaryStore), "1x40"]],
        at: "4m",
    },
    FluentdBufferFillingUp: {
        bad: [
            // 1 GB an hour into a 4 GB buffer: full in about 4 hours.
            [fluentd("fluentd_output_status_buffer_total_bytes", primaryStore), "0+4166667x200"],
            [fluentd("fluentd_output_status_buffer_total_limit_bytes", primaryStore), "4294967296x200"],
        ],
        firing: [labelsOf(primaryStore)],
        good: [
            [fluentd("fluentd_output_status_buffer_total_bytes", primaryStore), "1000000x200"],
            [fluentd("fluentd_output_status_buffer_total_limit_bytes", primaryStore), "4294967296x200"],
        ],
        at: "45m",
    },
    DleAgentOnStandby: {
        bad: [
            [fluentd("fluentd_output_forward_node_serving", { ...agentForward, node: "primary" }), "0x30"],
            [fluentd("fluentd_output_forward_node_serving", { ...agentForward, node: "secondary" }), "1x30"],
            [fluentd("fluentd_output_forward_node_available", { ...agentForward, node: "primary", standby: "false" }), "0x30"],
            [fluentd("fluentd_output_forward_node_available", { ...agentForward, node: "secondary", standby: "true" }), "1x30"],
        ],
        firing: [labelsOf({ ...agentForward, node: "secondary" })],
        good: [
            [fluentd("fluentd_output_forward_node_serving", { ...agentForward, node: "primary" }), "1x30"],
            [fluentd("fluentd_output_forward_node_serving", { ...agentForward, node: "secondary" }), "0x30"],
            [fluentd("fluentd_output_forward_node_available", { ...agentForward, node: "primary", standby: "false" }), "1x30"],
            [fluentd("fluentd_output_forward_node_available", { ...agentForward, node: "secondary", standby: "true" }), "1x30"],
        ],
        at: "5m",
    },
    DleRecordsInErrorPath: {
        bad: [
            [fluentd("fluentd_output_status_emit_records", { ...primaryStore, plugin_id: "rejected_records", type: "file" }), "0x10 3x30"],
            [fluentd("fluentd_output_status_write_secondary_count_total", { ...agentForward, type: "forward" }), "0x10 1x30"],
        ],
        firing: [
            labelsOf({ ...primaryStore, plugin_id: "rejected_records", type: "file" }),
            labelsOf({ ...agentForward, type: "forward" }),
        ],
        good: [
            [fluentd("fluentd_output_status_emit_records", { ...primaryStore, plugin_id: "rejected_records", type: "file" }), "0x40"],
            // Records out of a sink's output are not in an error path.
            [fluentd("fluentd_output_status_emit_records", primaryStore), "0+10x40"],
            [fluentd("fluentd_output_status_emit_records", secondarySql), "0+10x40"],
            [fluentd("fluentd_output_status_write_secondary_count_total", { ...agentForward, type: "forward" }), "0x40"],
        ],
        at: "4m",
    },
    DleCanaryEventsMissing: {
        bad: [
            // The store's count of missing events moves; the search index's stays where it was.
            [canary("dle_canary_missing_total", { sink: "store" }), "0x20 1+1x20"],
            [canary("dle_canary_missing_total", { sink: "search" }), "0x40"],
        ],
        firing: [{ ...canaryAt, sink: "store" }],
        // Missing once, long ago: the count stands still for the last 10 minutes.
        good: [[canary("dle_canary_missing_total", { sink: "store" }), "0 3x80"]],
        at: "15m",
    },
    DleCanaryLatencyHigh: {
        // The archive's events all take between 30 and 60 s; the store's under a second.
        bad: [...latencyBuckets("archive", 60, 15, 120), ...latencyBuckets("store", 1, 15, 120)],
        firing: [{ sink: "archive" }],
        good: latencyBuckets("archive", 30, 15, 120),
        at: "25m",
    },
    DleCanaryNoEvents: {
        // The newest event found was logged at 0 s and nothing since; the search index's keeps up with the time.
        bad: [
            [canary("dle_canary_last_event_timestamp_seconds", { sink: "archive" }), "0x60"],
            [canary("dle_canary_last_event_timestamp_seconds", { sink: "search" }), "0+15x60"],
        ],
        firing: [{ ...canaryAt, sink: "archive" }],
        good: [[canary("dle_canary_last_event_timestamp_seconds", { sink: "archive" }), "0+15x60"]],
        at: "10m",
    },
    DleCanaryDown: {
        bad: [[canary("up"), "0x40"]],
        firing: [canaryAt],
        good: [[canary("up"), "1x40"]],
        at: "8m",
    },
};

/** An annotation as Prometheus renders it for an alert with these labels (the rules use only {{ $labels.x }}). */
const render = (template: string, labels: Record<string, string>) =>
    template.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? "<no value>");

function promtoolTest(rule: AlertRule, series: Series[], firing: Record<string, string>[], at: string): object {
    return {
        rule_files: [monitoringFiles.alertRules],
        evaluation_interval: "15s",
        tests: [{
            interval: "15s",
            input_series: series.map(([s, values]) => ({ series: s, values })),
            alert_rule_test: [{
                eval_time: at,
                alertname: rule.alert,
                exp_alerts: firing.map((labels) => ({
                    exp_labels: { ...labels, ...rule.labels },
                    exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, render(v, labels)])),
                })),
            }],
        }],
    };
}

describe("the alert rules' test cases", () => {
    it("cover every alert, and only those", () => {
        expect(Object.keys(cases).sort()).toEqual(alertRules().map((r) => r.alert).sort());
    });

    it("name their error-path outputs by the @ids of the configs' @ERROR labels", () => {
        const ids = ["agent.conf", "forwarder.conf"].map((file) => {
            const text = fs.readFileSync(path.join(__dirname, "../../fluentd", file), "utf8");
            return /<label @ERROR>[\s\S]*?@id (\S+)/.exec(text)?.[1];
        });
        const rule = alertRules().find((r) => r.alert === "DleRecordsInErrorPath")!;
        expect(ids).toEqual(["rejected", "rejected_records"]);
        expect(rule.expr).toContain(`plugin_id=~"${ids.join("|")}"`);
    });
});

describeWhen(findPromtool(), "the alert rules under promtool", "no promtool on PATH or in $PROMTOOL (Debian: apt-get install prometheus)", (tool) => {
    let dir: string;
    beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-rules-")); });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    const test = async (name: string, content: object) => {
        const file = path.join(dir, `${name}.json`);
        fs.writeFileSync(file, JSON.stringify(content, null, 2));
        return promtool(tool, ["test", "rules", file]);
    };

    it("accepts the rule file", async () => {
        expect(await promtool(tool, ["check", "rules", monitoringFiles.alertRules])).toContain(`SUCCESS: ${alertRules().length} rules found`);
    });

    it.each(alertRules().map((rule) => [rule.alert, rule] as const))("%s fires on the bad series and stays quiet on the good one", async (name, rule) => {
        const c = cases[name];
        expect(await test(`${name}-bad`, promtoolTest(rule, c.bad, c.firing, c.at))).toContain("SUCCESS");
        expect(await test(`${name}-good`, promtoolTest(rule, c.good, [], c.at))).toContain("SUCCESS");
    });

    it("fails a case that expects the wrong alert (the harness itself can fail)", async () => {
        const rule = alertRules().find((r) => r.alert === "FluentdDown")!;
        await expect(test("harness", promtoolTest(rule, cases.FluentdDown.good, cases.FluentdDown.firing, "3m"))).rejects.toThrow(/FAILED/);
    });
});
