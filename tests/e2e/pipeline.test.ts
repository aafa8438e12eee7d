/**
 * The real pipeline on loopback (tests/support/loopback-pipeline.ts): the project's agent and forwarder
 * configs in real fluentd processes, the stand-ins and s3rver as sinks, with both applications: nginx's access lines
 * go in as Docker's fluentd log driver sends them, and the api service itself logs straight to the agent. The
 * verification suite's delivery check (every event parsed and typed in every sink), its check of the api's
 * requests, and its failover drill (with SIGSTOP / SIGCONT of the primary) must pass with no marker missing.
 */
import { ApiRequest, assertApiEvents, formatApiReport, waitForApiEvents } from "../verify/apps";
import { assertDelivered, assertParsedAndTyped, formatReport, markersFor, waitForDelivery } from "../verify/delivery";
import { failoverDrill } from "../verify/failover";
import { newRunId, withProbes } from "../verify/probes";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { accessLine } from "../support/log-lines";
import { installMocks } from "../support/mocks";
import { sharedPipelineWithApi } from "../support/pipeline-suite";

// Archive uploads every 2 s instead of 10 s, so the test does not wait on S3 objects.
const resources = installMocks({ target: "local", archiveFlushSeconds: "2" });

const report = (text: string) => process.stdout.write(`\n${text}\n`);

describeWithFluentdAndOpenssl("the pipeline on loopback, in real fluentd", (fluentd) => {
    const suite = sharedPipelineWithApi(fluentd, resources);

    const wait = (since: Date) => ({ timeoutMs: 90_000, pollMs: 500, since, log: undefined });

    it("delivers every event to the store, the search index and the archive", async () => {
        const runId = newRunId();
        const since = new Date(Date.now() - 60_000);
        const markers = markersFor(runId, 0, 100);
        await suite.pipeline.send(markers);
        const rows = await withProbes(suite.pipeline.outputs, (probes) => waitForDelivery(probes, runId, markers, wait(since)));
        report(formatReport(`delivery: ${markers.length} events`, rows));
        assertDelivered(rows);
        assertParsedAndTyped(rows);
        // Nothing was stopped: the primary handled every event.
        expect(rows.map((r) => r.byForwarder)).toEqual(rows.map(() => ({ primary: 100 })));
    }, 120_000);

    it("stores nginx's line and the api's record of each request to the api in every sink, sharing nginx's request id", async () => {
        const runId = newRunId();
        const since = new Date(Date.now() - 60_000);
        const requests: ApiRequest[] = [];
        // What nginx does for each request to /api/: passes its request id to the api, then logs its line with it.
        for (const [i, marker] of markersFor(runId, 0, 10).entries()) {
            const route = i === 9 ? "/api/fail" : "/api/hello";
            const response = await fetch(`${suite.api.url}${route}?dle-verify=${marker}`, { headers: { "X-Request-ID": `${runId}${i}`.padEnd(32, "0") } });
            const { request_id: requestId } = await response.json() as { request_id: string };
            await suite.pipeline.sendLines("webapp", "stdout", [accessLine({ marker, path: route, status: response.status, requestId })]);
            requests.push({ marker, route, status: response.status, requestId });
        }
        const rows = await withProbes(suite.pipeline.outputs, (probes) => waitForApiEvents(probes, requests, wait(since)));
        report(formatApiReport("api: 10 requests", rows));
        assertApiEvents(rows);
    }, 120_000);

    it("fails over to the secondary while the primary is stopped, and returns to it", async () => {
        const runId = newRunId();
        const result = await withProbes(suite.pipeline.outputs, (probes) => failoverDrill({
            send: (markers) => suite.pipeline.send(markers), probes, runId,
            count: 100,
            firstMarker: 0,
            control: {
                description: "SIGSTOP of the primary forwarder",
                stop: async () => suite.pipeline.primary.signal("SIGSTOP"),
                restore: async () => suite.pipeline.primary.signal("SIGCONT"),
            },
            wait: wait(new Date(Date.now() - 60_000)),
            switchTimeoutMs: 60_000,
        }));
        report(formatReport(`failover: primary stopped, gap to the first event through the secondary ${result.gapSeconds?.toFixed(1)} s`, result.whileStopped));
        report(formatReport(`failover: primary restored, first event through it after ${result.returnSeconds?.toFixed(1)} s`, result.afterRestore));

        assertDelivered(result.whileStopped);
        assertDelivered(result.afterRestore);
        expect(result.gapSeconds).toBeDefined();
        expect(result.returnSeconds).toBeDefined();
        // While the primary was stopped, only the secondary could deliver.
        for (const row of result.whileStopped) expect(row.byForwarder.secondary).toBeGreaterThan(0);
        // Once back, the primary serves: the agent no longer uses the standby.
        for (const row of result.afterRestore) expect(row.byForwarder.primary).toBeGreaterThan(0);
    }, 300_000);
});
