/**
 * Every fluentd's metrics on loopback: the project's configs in real fluentd processes (the loopback pipeline) and
 * Debian's Prometheus scraping them with the stack's scrape config, its login (basic auth) and the alert rules of
 * components/monitoring/alerts.rules.json, evaluated every second. After the delivery check the scraped counters agree
 * with the events sent; during the failover drill the agent's view of the forwarders changes and DleAgentOnStandby
 * becomes pending, and changes back when the primary returns. Skipped without fluentd, openssl, Prometheus or a
 * bcrypt hasher (Python's crypt), each named.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { metricCatalogue, monitoringFiles } from "../../components/monitoring";
import { prometheusConfig, prometheusUser, prometheusWebConfig } from "../../components/monitoring/local";
import { assertDelivered, formatReport, markersFor, waitForDelivery } from "../verify/delivery";
import { failoverDrill } from "../verify/failover";
import { prometheusTargets } from "../verify/metrics";
import { newRunId, withProbes } from "../verify/probes";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { LoopbackPipeline, startLoopbackPipeline } from "../support/loopback-pipeline";
import { installMocks, runProgram } from "../support/mocks";
import { pipelineStartTimeoutMs } from "../support/pipeline-suite";
import { PrometheusServer, bcryptHash, findPrometheus, pollUntil, startPrometheus } from "../support/prometheus";
import { describeWhen } from "../support/tools";

const resources = installMocks({ target: "local", archiveFlushSeconds: "2" });
const report = (text: string) => process.stdout.write(`\n${text}\n`);
const password = randomBytes(18).toString("hex");
const hash = bcryptHash(password);
const prometheusBinary = findPrometheus();
const prometheus = prometheusBinary !== undefined && hash !== undefined ? { binary: prometheusBinary, hash } : undefined;

describeWithFluentdAndOpenssl("every fluentd's metrics, scraped by Prometheus", (fluentd) => {
    describeWhen(prometheus, "on loopback", prometheusBinary === undefined ? "no prometheus on PATH or in $PROMETHEUS (Debian: apt-get install prometheus)" : "no bcrypt hasher (python3's crypt module) for Prometheus's login", (tools) => {
        let pipeline: LoopbackPipeline;
        let server: PrometheusServer;
        let dir: string;

        beforeAll(async () => {
            await runProgram();
            pipeline = await startLoopbackPipeline(fluentd, resources);
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-prometheus-"));
            const passwordFile = path.join(dir, "password");
            fs.writeFileSync(passwordFile, password, { mode: 0o600 });
            const metricsOf = (p: { metricsPort: number }) => `127.0.0.1:${p.metricsPort}`;
            server = await startPrometheus(tools.binary, dir, (port) => prometheusConfig({
                fluentd: { agent: metricsOf(pipeline.agent), primary: metricsOf(pipeline.primary), secondary: metricsOf(pipeline.secondary) },
                self: `127.0.0.1:${port}`,
                passwordFile,
                ruleFiles: [monitoringFiles.alertRules],
                intervalSeconds: 1,
            }), prometheusWebConfig(tools.hash), { username: prometheusUser, password });
            // The pipeline's start, then Prometheus's (startPrometheus waits up to 60 s).
        }, pipelineStartTimeoutMs + 60_000);

        afterAll(async () => {
            await server?.stop();
            await pipeline?.stop();
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        }, 60_000);

        afterEach(() => {
            const state = expect.getState();
            // Neither may have started when beforeAll failed: its own error says why.
            if (state.assertionCalls !== state.numPassingAsserts) {
                report(`${pipeline?.logs() ?? "(the pipeline did not start)"}\n--- prometheus ---\n${server?.log() ?? "(did not start)"}`);
            }
        });

        const wait = (since: Date) => ({ timeoutMs: 90_000, pollMs: 500, since, log: undefined });

        it("refuses Prometheus's API without its login", async () => {
            expect((await fetch(`${server.url}/api/v1/targets`)).status).toBe(401);
        });

        it("collects every fluentd: the verification suite's check sees each role's target up", async () => {
            const rows = await pollUntil("every fluentd target up", () => prometheusTargets(server.url, prometheusUser, password),
                (r) => r.every((row) => row.collected === 1 && row.detail === ""), 60_000);
            expect(rows.map((r) => r.role)).toEqual(["agent", "primary", "secondary"]);
        }, 90_000);

        it("exports every fluentd metric of the catalogue", async () => {
            const exposition = (await Promise.all([pipeline.agent, pipeline.primary, pipeline.secondary].map((p) =>
                fetch(`http://127.0.0.1:${p.metricsPort}/metrics`).then((r) => r.text())))).join("\n");
            const exported = new Set([...exposition.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)].map((m) => m[1]));
            // Those of the sinks this (default) stack has: not the sql sink's.
            const fromFluentd = metricCatalogue().filter((m) => !["prometheus", "blackbox_exporter", "dle-canary"].includes(m.source) && m.sink === undefined);
            expect(fromFluentd.filter((m) => !exported.has(m.name)).map((m) => m.name)).toEqual([]);
        });

        it("counts, after the delivery check, exactly the events sent, in and out of every fluentd", async () => {
            const runId = newRunId();
            const markers = markersFor(runId, 0, 100);
            const before = await counters();
            await pipeline.send(markers);
            const rows = await withProbes(pipeline.outputs, (probes) => waitForDelivery(probes, runId, markers, wait(new Date(Date.now() - 60_000))));
            report(formatReport(`delivery: ${markers.length} events`, rows));
            assertDelivered(rows);
            const sent = markers.length;
            // Counters are read every 5 s by the plugins and scraped every second: wait until they have caught up.
            const after = await pollUntil("the scraped counters agree with the events sent", counters,
                (c) => Object.entries(c).every(([k, v]) => v - before[k] === expected(k, sent)), 60_000);
            report(`scraped counters after ${sent} events: ${JSON.stringify(Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k]])))}`);
            expect(Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k]])))
                .toEqual(Object.fromEntries(Object.keys(after).map((k) => [k, expected(k, sent)])));
        }, 180_000);

        it("shows the agent on the standby during the failover drill (DleAgentOnStandby pending), and back on the primary after it", async () => {
            const runId = newRunId();
            const seen: { servingSecondary?: number; pending?: boolean } = {};
            const result = await withProbes(pipeline.outputs, (probes) => failoverDrill({
                send: (markers) => pipeline.send(markers), probes, runId,
                count: 50,
                firstMarker: 0,
                control: {
                    description: "SIGSTOP of the primary forwarder",
                    stop: async () => pipeline.primary.signal("SIGSTOP"),
                    // Before the primary returns: the agent's view, and the alert, as Prometheus has them now.
                    restore: async () => {
                        try {
                            seen.servingSecondary = await pollUntil("the agent serving from the secondary", () => servingValue("secondary"), (v) => v === 1, 30_000).catch(() => undefined);
                            seen.pending = await pollUntil("DleAgentOnStandby pending", alertState, (s) => s === "pending", 30_000).then(() => true, () => false);
                        } finally {
                            pipeline.primary.signal("SIGCONT");
                        }
                    },
                },
                wait: wait(new Date(Date.now() - 60_000)),
                switchTimeoutMs: 60_000,
            }));
            assertDelivered(result.whileStopped);
            assertDelivered(result.afterRestore);
            expect(seen).toEqual({ servingSecondary: 1, pending: true });
            // The primary serves again; the alert never fired (it needs 3 minutes) and is gone.
            expect(await pollUntil("the agent serving from the primary", () => servingValue("primary"), (v) => v === 1, 60_000)).toBe(1);
            expect(await pollUntil("the standby serving no more", () => servingValue("secondary"), (v) => v === 0, 60_000)).toBe(0);
            expect(await pollUntil("DleAgentOnStandby inactive", alertState, (s) => s === "inactive", 60_000)).toBe("inactive");
        }, 300_000);

        /** The counters the delivery check moves, by a name that says what they count. */
        async function counters(): Promise<Record<string, number>> {
            const q = async (query: string) => (await server.value(query)) ?? 0;
            return {
                agentIn: await q('sum(fluentd_input_status_emit_records_total{role="agent", plugin_id="docker_log_driver"})'),
                agentRecords: await q('sum(dle_records_total{role="agent"})'),
                agentOut: await q('sum(fluentd_output_status_emit_records{role="agent", plugin_id="forward_to_forwarders"})'),
                primaryIn: await q('sum(fluentd_input_status_emit_records_total{role="primary", plugin_id="from_agent"})'),
                primaryRecords: await q('sum(dle_records_total{role="primary"})'),
                primaryStore: await q('sum(fluentd_output_status_emit_records{role="primary", plugin_id="store"})'),
                primarySearch: await q('sum(fluentd_output_status_emit_records{role="primary", plugin_id="search"})'),
                primaryArchive: await q('sum(fluentd_output_status_emit_records{role="primary", plugin_id="archive"})'),
                secondaryRecords: await q('sum(dle_records_total{role="secondary"})'),
                errorPaths: await q('sum(fluentd_output_status_emit_records{plugin_id=~"rejected|rejected_records"})'),
            };
        }
        /** With nothing stopped, every event goes through the primary; none through the secondary or to an error path. */
        function expected(counter: string, sent: number): number {
            return counter === "secondaryRecords" || counter === "errorPaths" ? 0 : sent;
        }
        async function servingValue(node: string): Promise<number | undefined> {
            return server.value(`fluentd_output_forward_node_serving{role="agent", node="${node}"}`);
        }
        async function alertState(): Promise<string> {
            const { alerts } = await server.api<{ alerts: { labels: Record<string, string>; state: string }[] }>("/api/v1/alerts");
            return alerts.find((a) => a.labels.alertname === "DleAgentOnStandby")?.state ?? "inactive";
        }
    });
});
