/**
 * The real pipeline on loopback (tests/support/loopback-pipeline.ts): the project's agent and forwarder
 * configs in real fluentd processes, the stand-ins and s3rver as sinks. Events go in as Docker's fluentd
 * log driver sends them. The verification suite's delivery check and failover drill
 * (with SIGSTOP / SIGCONT of the primary) must pass with no marker missing.
 */
import { assertDelivered, formatReport, markersFor, waitForDelivery } from "../verify/delivery";
import { failoverDrill } from "../verify/failover";
import { newRunId, withProbes } from "../verify/probes";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { LoopbackPipeline, startLoopbackPipeline } from "../support/loopback-pipeline";
import { installMocks, runProgram } from "../support/mocks";

// Archive uploads every 2 s instead of 10 s, so the test does not wait on S3 objects.
const resources = installMocks({ target: "local", archiveFlushSeconds: "2" });

const report = (text: string) => process.stdout.write(`\n${text}\n`);

describeWithFluentdAndOpenssl("the pipeline on loopback, in real fluentd", (fluentd) => {
    let pipeline: LoopbackPipeline;

    beforeAll(async () => {
        await runProgram();
        pipeline = await startLoopbackPipeline(fluentd, resources);
    }, 120_000);

    afterAll(() => pipeline?.stop(), 60_000);

    afterEach(() => {
        // On failure the fluentd logs say why.
        const state = expect.getState();
        if (state.assertionCalls !== state.numPassingAsserts) report(pipeline.logs());
    });

    const wait = (since: Date) => ({ timeoutMs: 90_000, pollMs: 500, since, log: undefined });

    it("delivers every event to the store, the search index and the archive", async () => {
        const runId = newRunId();
        const since = new Date(Date.now() - 60_000);
        const markers = markersFor(runId, 0, 100);
        await pipeline.send(markers);
        const rows = await withProbes(pipeline.outputs, (probes) => waitForDelivery(probes, runId, markers, wait(since)));
        report(formatReport(`delivery: ${markers.length} events`, rows));
        assertDelivered(rows);
        // Nothing was stopped: the primary handled every event.
        expect(rows.map((r) => r.byForwarder)).toEqual(rows.map(() => ({ primary: 100 })));
    }, 120_000);

    it("fails over to the secondary while the primary is stopped, and returns to it", async () => {
        const runId = newRunId();
        const result = await withProbes(pipeline.outputs, (probes) => failoverDrill({
            send: (markers) => pipeline.send(markers), probes, runId,
            count: 100,
            firstMarker: 0,
            control: {
                description: "SIGSTOP of the primary forwarder",
                stop: async () => pipeline.primary.signal("SIGSTOP"),
                restore: async () => pipeline.primary.signal("SIGCONT"),
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
