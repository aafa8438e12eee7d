/**
 * `npm run verify`: the seed's Testing section, automated against a deployed stack. It needs only the
 * stack's outputs (see outputs.ts): every fluentd's metrics must be collected (metrics.ts); requests to the webapp
 * carry markers, and every marker must reach
 * the store, the search index and the archive, parsed into typed fields, and be found through the dashboards' data
 * view (whose dashboard must exist); requests to the api must leave nginx's line and the api's record, sharing
 * nginx's request id, in every sink; then the failover drill stops the primary forwarder, checks that logs flow
 * through the secondary, restores the primary and checks that it serves again. Last, where the stack runs the canary,
 * its counts over the whole run: no sink may have a canary event missing (the canary's own wait passed first).
 *
 * Settings (environment): DLE_STACK (default "local") or DLE_OUTPUTS (a JSON file of the outputs),
 * DLE_VERIFY_COUNT (requests per phase, default 100), DLE_VERIFY_TIMEOUT_SECONDS (per phase, default 180).
 */
import { ApiRequest, assertApiEvents, formatApiReport, waitForApiEvents } from "./apps";
import { assertDelivered, assertParsedAndTyped, formatReport, markersFor, waitForDelivery } from "./delivery";
import { assertCanaryFoundEverything, canaryDuringRun } from "./canary";
import { checkDashboards } from "./dashboards";
import { dockerKill, ecsStopTask, failoverDrill } from "./failover";
import { checkMetricsCollected } from "./metrics";
import { loadStackOutputs } from "./outputs";
import { markerParameter, newRunId, probesFor } from "./probes";

const outputs = loadStackOutputs();
const count = Number(process.env.DLE_VERIFY_COUNT ?? 100);
// Requests to the api: all to /api/hello but the last, to /api/fail, which fails on purpose.
const apiCount = 10;
const timeoutMs = Number(process.env.DLE_VERIFY_TIMEOUT_SECONDS ?? 180) * 1000;
const runId = newRunId();
// Events stored before the run cannot be this run's; a minute of clock skew between here and the stack is allowed.
const since = new Date(Date.now() - 60_000);
const runStarted = new Date();
const probes = probesFor(outputs);
const print = (text: string) => process.stdout.write(`${text}\n`);
const wait = { timeoutMs, pollMs: 2_000, since, log: (line: string) => print(`  waiting: ${line}`) };

/** A GET to the webapp; a failure names the webapp's URL. */
async function get(url: string): Promise<string> {
    const response = await fetch(url).catch((error: Error) => {
        throw new Error(`The webapp at ${outputs.webappUrl} is unreachable: ${error.message}`);
    });
    if (!response.ok) throw new Error(`The webapp at ${outputs.webappUrl} answered ${response.status} to GET ${url}`);
    return response.text();
}

/** One GET per marker, as a browser would make them; the webapp logs each request line. */
async function send(markers: string[]): Promise<void> {
    for (const marker of markers) await get(`${outputs.webappUrl}/?${markerParameter}=${marker}`);
}

afterAll(() => Promise.all(probes.map((p) => p.close())));

describe(`the deployed pipeline (run ${runId})`, () => {
    it("serves the webapp's page", async () => {
        expect(await get(outputs.webappUrl)).toContain("Simple Static Content!");
    });

    it("collects every fluentd's metrics (Prometheus targets up, or metrics in CloudWatch)", async () => {
        const rows = await checkMetricsCollected(outputs);
        print(`\nmetrics collected: ${rows.map((r) => `${r.role} ${r.collected}`).join(", ")}`);
    });

    it(`delivers ${count} requests' log lines to every sink`, async () => {
        const markers = markersFor(runId, 0, count);
        await send(markers);
        const rows = await waitForDelivery(probes, runId, markers, wait);
        print(formatReport(`\ndelivery: ${count} requests to ${outputs.webappUrl}`, rows));
        assertDelivered(rows);
        // Every sink holds each line parsed: status the integer 200, request_time a number, and the rest.
        assertParsedAndTyped(rows);
    }, timeoutMs + 120_000);

    it(`routes ${apiCount} requests through nginx to the api, and every sink has nginx's line and the api's record of each, sharing nginx's request id`, async () => {
        const requests: ApiRequest[] = [];
        // Numbered far from the delivery check's and the failover drill's (which counts on from 3 × count).
        for (const [i, marker] of markersFor(runId, 1_000_000, apiCount).entries()) {
            const route = i === apiCount - 1 ? "/api/fail" : "/api/hello";
            const response = await fetch(`${outputs.webappUrl}${route}?${markerParameter}=${marker}`).catch((error: Error) => {
                throw new Error(`The webapp at ${outputs.webappUrl} is unreachable: ${error.message}`);
            });
            const body = await response.json().catch(() => ({})) as { request_id?: string };
            if (body.request_id === undefined) throw new Error(`${route} answered ${response.status} without the api's request_id: is the api behind ${outputs.webappUrl}/api/ running?`);
            requests.push({ marker, route, status: response.status, requestId: body.request_id });
        }
        expect(requests.map((r) => r.status)).toEqual([...Array(apiCount - 1).fill(200), 500]);
        const rows = await waitForApiEvents(probes, requests, wait);
        print(formatApiReport(`\napi: ${apiCount} requests to ${outputs.webappUrl}/api/`, rows));
        assertApiEvents(rows);
    }, timeoutMs + 120_000);

    it("shows the dashboard, the data view, and the delivered markers through the data view", async () => {
        const report = await checkDashboards(outputs, runId, since);
        const view = report.dataViews[0];
        const found = new Set(report.sightings.map((s) => s.marker));
        print(`\ndashboards at ${outputs.dashboardsUrl}: ${report.dashboards.map((d) => `"${d.title}"`).join(", ")}; ` +
            `data view ${view.id} (${view.title}, ${view.timeFieldName}): ${found.size} of ${count} markers found`);
        expect(report.dashboards.length).toBeGreaterThan(0);
        expect(markersFor(runId, 0, count).filter((m) => !found.has(m))).toEqual([]);
    });

    it("keeps delivering through the secondary while the primary is down (killed), and returns to the primary", async () => {
        const control = outputs.forwarderControl === "ecs"
            ? ecsStopTask(outputs.ecsCluster ?? "", outputs.forwarderPrimary)
            : dockerKill(outputs.forwarderPrimary);
        print(`\nfailover drill: ${control.description}`);
        const result = await failoverDrill({
            send, probes, control, runId, count,
            firstMarker: count,
            wait,
            switchTimeoutMs: timeoutMs,
        });
        print(formatReport(`primary killed: ${result.gapSeconds?.toFixed(1) ?? "no"} s from the kill to the first event through the secondary`, result.whileStopped));
        print(formatReport(`primary restored: ${result.returnSeconds?.toFixed(1) ?? "no"} s to the first event through it`, result.afterRestore));
        assertDelivered(result.whileStopped);
        assertDelivered(result.afterRestore);
        expect(result.returnSeconds).toBeDefined();
        for (const row of result.afterRestore) expect(row.byForwarder.primary ?? 0).toBeGreaterThan(0);
    }, 3 * timeoutMs + 600_000);

    // Prometheus scrapes every 15 s; the canary publishes to CloudWatch every minute, which shows it a minute or two later.
    const collectedSeconds = outputs.monitoringKind === "cloudwatch" ? 180 : 30;
    const canaryWaitMs = ((outputs.canaryWaitSeconds ?? 0) + collectedSeconds) * 1000;
    (outputs.canaryEnabled ? it : it.skip)("lost no canary event in any sink during the run, by the canary's own counts", async () => {
        // Events the canary logged at the end of the run are counted missing only after its wait.
        const end = new Date();
        await new Promise((resolve) => setTimeout(resolve, canaryWaitMs));
        const rows = await canaryDuringRun(outputs, runStarted, new Date());
        print(`\ncanary from ${runStarted.toISOString()} to ${end.toISOString()}: ${rows.map((r) => `${r.sink} ${r.received} found, ${r.missing} missing`).join("; ")}`);
        assertCanaryFoundEverything(rows);
    }, canaryWaitMs + 120_000);
});
