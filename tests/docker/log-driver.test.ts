/**
 * Docker's fluentd log driver, for real: a container of a real Docker engine, run with exactly the log driver and
 * options the local stack gives the webapp's container (read from the mocked program, only the agent's address
 * replaced by the loopback agent's), logs numbered nginx access lines into the project's agent, and they are looked
 * for in every sink. dockerd itself connects to the agent, from the host, as it does for the stack.
 */
import * as fs from "fs";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { DeliveryRow, assertDelivered, formatReport, markersFor, waitForDelivery } from "../verify/delivery";
import { newRunId, withProbes } from "../verify/probes";
import { containerState, docker, ensureLoggerImage, findDockerEngine, logDriverArgs, loggerImage } from "../support/docker-engine";
import { findFluentd, noFluentdReason } from "../support/fluentd";
import { findOpenssl } from "../support/forward-certs";
import { accessLine } from "../support/log-lines";
import { LoopbackPipeline, startLoopbackPipeline } from "../support/loopback-pipeline";
import { RecordedResource, installMocks, programLoadTimeoutMs, runProgram, unwrapSecrets } from "../support/mocks";
import { describeWhen } from "../support/tools";

const resources = installMocks({ target: "local", archiveFlushSeconds: "2" });

const engine = findDockerEngine();
const fluentd = findFluentd();
const openssl = findOpenssl();
const tools = engine.docker && fluentd && openssl ? { docker: engine.docker, fluentd } : undefined;
const reason = engine.reason ?? (fluentd === undefined ? noFluentdReason() : "no openssl on PATH or in $OPENSSL");

/** The log driver and options the mocked local stack gave a container. */
function loggingOf(recorded: RecordedResource[], container: string): { driver: string; opts: Record<string, string> } {
    const found = recorded.find((r) => r.type === "docker:index/container:Container" && r.name === container);
    if (!found) throw new Error(`no container ${container} was registered`);
    return { driver: found.inputs.logDriver as string, opts: unwrapSecrets(found.inputs.logOpts) as Record<string, string> };
}

const report = (text: string) => process.stdout.write(`\n${text}\n`);

describeWhen(tools, "Docker's fluentd log driver into the real agent", reason, ({ docker: cli, fluentd }) => {
    let pipeline: LoopbackPipeline;
    let logging: { driver: string; opts: Record<string, string> };
    const containers: string[] = [];

    beforeAll(async () => {
        await runProgram();
        logging = loggingOf(resources, "dle-webapp");
        ensureLoggerImage(cli);
        pipeline = await startLoopbackPipeline(fluentd, resources);
    }, programLoadTimeoutMs + 180_000);

    afterEach(() => {
        const state = expect.getState();
        if (state.assertionCalls !== state.numPassingAsserts) report(pipeline?.logs() ?? "(the pipeline did not start)");
    });

    afterAll(async () => {
        // A container removed while dockerd still queues its lines would discard them; by now each test has waited.
        if (containers.length > 0) await docker(cli, ["rm", "-f", ...containers]).catch(() => undefined);
        await pipeline?.stop();
    }, 120_000);

    /**
     * Starts (detached) a container with the stack's log options, the agent's address made the loopback agent's, that
     * writes one access line per marker, `pauseMs` apart, then stays up as the stack's containers do: with
     * `fluentd-async`, dockerd discards what it has not yet sent when a container stops.
     */
    async function runLogger(markers: string[], pauseMs: number): Promise<string> {
        const name = `dle-test-logdriver-${process.pid}-${containers.length}`;
        const lines = path.join(pipeline.dir, `${name}.lines`);
        fs.writeFileSync(lines, markers.map((marker) => `${accessLine({ marker })}\n`).join(""));
        fs.chmodSync(lines, 0o644);
        const opts = { ...logging.opts, "fluentd-address": `127.0.0.1:${pipeline.agentPort}` };
        const write = pauseMs > 0 ? `while IFS= read -r l; do echo "$l"; usleep ${pauseMs * 1000}; done < /lines` : "cat /lines";
        containers.push(name);
        // Bounded: the container ends by itself after 10 minutes if the test never removes it.
        await docker(cli, ["run", "-d", "--name", name, ...logDriverArgs(logging.driver, opts),
            "-v", `${lines}:/lines:ro`, loggerImage, "sh", "-c", `${write}; exec sleep 600`]);
        return name;
    }

    async function delivered(runId: string, markers: string[], since: Date): Promise<DeliveryRow[]> {
        return withProbes(pipeline.outputs, (probes) => waitForDelivery(probes, runId, markers, { timeoutMs: 150_000, pollMs: 1_000, since, log: undefined }));
    }

    it("runs with the log driver and the options the local stack gives its containers", () => {
        expect(logging.driver).toBe("fluentd");
        expect(logging.opts).toMatchObject({ "fluentd-async": "true", "fluentd-request-ack": "true", tag: "webapp" });
        expect(logging.opts["fluentd-address"]).toMatch(/^127\.0\.0\.1:\d+$/);
    });

    it("delivers every line a container writes to every sink", async () => {
        const runId = newRunId();
        const since = new Date(Date.now() - 60_000);
        const markers = markersFor(runId, 0, 300);
        await runLogger(markers, 0);
        const rows = await delivered(runId, markers, since);
        report(formatReport(`log driver: ${markers.length} lines at once`, rows));
        assertDelivered(rows);
        expect(rows.map((r) => [r.sink, r.duplicates])).toEqual(rows.map((r) => [r.sink, 0]));
    }, 240_000);

    it("loses nothing when the agent is killed and restarted while a container writes", async () => {
        const runId = newRunId();
        const since = new Date(Date.now() - 60_000);
        // 400 lines 20 ms apart: about 8 s of writing, the agent dead for 3 s of it.
        const markers = markersFor(runId, 0, 400);
        await runLogger(markers, 20);
        await sleep(2_000);
        pipeline.agent.signal("SIGKILL");
        await pipeline.agent.exited();
        await sleep(3_000);
        await pipeline.agent.restart();
        const rows = await delivered(runId, markers, since);
        report(formatReport(`log driver: ${markers.length} lines, the agent killed for 3 s`, rows));
        assertDelivered(rows);
    }, 300_000);

    it("starts a container while the agent is down, and delivers its lines once the agent is back", async () => {
        const runId = newRunId();
        const since = new Date(Date.now() - 60_000);
        const markers = markersFor(runId, 0, 50);
        await pipeline.agent.stop();
        const name = await runLogger(markers, 0);
        // It started although nothing listened, and wrote its lines: dockerd holds them.
        await sleep(2_000);
        expect(await containerState(cli, name)).toEqual({ status: "running", exitCode: 0 });
        await pipeline.agent.restart();
        const rows = await delivered(runId, markers, since);
        report(formatReport(`log driver: ${markers.length} lines written while the agent was down`, rows));
        assertDelivered(rows);
    }, 300_000);
});
