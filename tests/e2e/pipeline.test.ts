/**
 * The real pipeline on loopback: the project's agent and forwarder configs in real fluentd processes
 * (agent, primary, secondary), with the environment the local stack's components give their containers
 * except for addresses, ports and directories; the sinks are the stand-ins and s3rver. Events go in as
 * Docker's fluentd log driver sends them. The verification suite's delivery check and failover drill
 * (with SIGSTOP / SIGCONT of the primary) must pass with no marker missing.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FluentClient } from "@fluent-org/logger";
import { assertDelivered, formatReport, markersFor, waitForDelivery } from "../verify/delivery";
import { failoverDrill } from "../verify/failover";
import { markerParameter, newRunId, probesFor } from "../verify/probes";
import { StackOutputs } from "../verify/outputs";
import { describeWithFluentd } from "../support/fluentd";
import { fluentdDir } from "../support/fluentd-config";
import { FluentdProcess, freePort, startFluentd } from "../support/fluentd-process";
import { containerEnv, installMocks, runProgram } from "../support/mocks";
import { LoopbackSinks, startLoopbackSinks } from "../support/sinks";

// Archive uploads every 2 s instead of 10 s, so the test does not wait on S3 objects.
const resources = installMocks({ target: "local", archiveFlushSeconds: "2" });

/** Replaces values the component gave; a key it did not give is a mistake in the test, not a new variable. */
function override(env: Record<string, string>, values: Record<string, string>): Record<string, string> {
    const unknown = Object.keys(values).filter((k) => !(k in env));
    if (unknown.length > 0) throw new Error(`the component sets no ${unknown.join(", ")}`);
    return { ...env, ...values };
}

/** An nginx access line with the marker in its request, as the webapp logs it. */
function accessLine(marker: string): string {
    const time = new Date().toUTCString();
    return `127.0.0.1 - - [${time}] "GET /?${markerParameter}=${marker} HTTP/1.1" 200 43 "-" "dle-e2e"`;
}

const report = (text: string) => process.stdout.write(`\n${text}\n`);

describeWithFluentd("the pipeline on loopback, in real fluentd", (fluentd) => {
    let dir: string;
    let sinks: LoopbackSinks;
    let agent: FluentdProcess;
    let primary: FluentdProcess;
    let secondary: FluentdProcess;
    let client: FluentClient;
    let outputs: StackOutputs;
    const processes = () => [agent, primary, secondary].filter(Boolean);

    beforeAll(async () => {
        await runProgram();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-e2e-"));
        sinks = await startLoopbackSinks();
        const s = sinks.outputs;
        const search = new URL(s.searchUrl);
        const sinkValues = {
            STORE_CONNECTION_STRING: s.storeConnectionString,
            SEARCH_HOST: search.hostname,
            SEARCH_PORT: search.port,
            SEARCH_USER: s.searchUsername!,
            SEARCH_PASSWORD: s.searchPassword!,
            ARCHIVE_ENDPOINT: s.archiveEndpoint!,
            ARCHIVE_ACCESS_KEY_ID: s.archiveAccessKeyId!,
            ARCHIVE_SECRET_ACCESS_KEY: s.archiveSecretAccessKey!,
        };
        const local = async (name: string) => ({
            FLUENTD_BIND: "127.0.0.1",
            FLUENTD_MONITOR_PORT: String(await freePort()),
            FLUENTD_BUFFER_DIR: path.join(dir, name),
        });
        const [primaryPort, secondaryPort, agentPort] = [await freePort(), await freePort(), await freePort()];
        const forwarder = async (name: string, container: string, port: number) => startFluentd({
            fluentd, name, dir,
            config: path.join(fluentdDir, "forwarder.conf"),
            env: override(containerEnv(resources, container), { ...(await local(name)), ...sinkValues, FORWARDER_PORT: String(port) }),
        });
        // One after the other, as the stack starts them: each creates the archive bucket if it is missing.
        primary = await forwarder("primary", "dle-log-forwarder-pri", primaryPort);
        secondary = await forwarder("secondary", "dle-log-forwarder-sec", secondaryPort);
        agent = await startFluentd({
            fluentd, name: "agent", dir,
            config: path.join(fluentdDir, "agent.conf"),
            env: override(containerEnv(resources, "dle-log-agent"), {
                ...(await local("agent")),
                AGENT_PORT: String(agentPort),
                FORWARDER_PRIMARY_HOST: "127.0.0.1",
                FORWARDER_PRIMARY_PORT: String(primaryPort),
                FORWARDER_SECONDARY_HOST: "127.0.0.1",
                FORWARDER_SECONDARY_PORT: String(secondaryPort),
            }),
        });
        // Docker's log driver sends one event per forward message, tagged docker.<container name>.
        client = new FluentClient("docker", { eventMode: "Message", socket: { host: "127.0.0.1", port: agentPort, timeout: 10_000 } });
        outputs = { ...s, webappUrl: "(forward protocol)", forwarderControl: "docker", forwarderPrimary: "primary", forwarderSecondary: "secondary" };
    }, 120_000);

    afterAll(async () => {
        await client?.disconnect();
        await Promise.all(processes().map((p) => p.stop()));
        await sinks?.stop();
    }, 60_000);

    afterEach(() => {
        // On failure the fluentd logs say why; they are short enough to print whole.
        const state = expect.getState();
        if (state.assertionCalls !== state.numPassingAsserts) {
            for (const p of processes()) report(`--- ${p.name} (${p.logFile}) ---\n${p.tail()}`);
        }
    });

    const send = async (markers: string[]) => {
        for (const marker of markers) {
            await client.emit("dle-webapp", { container_id: "e2e", container_name: "/dle-webapp", source: "stdout", log: accessLine(marker) });
        }
    };
    const wait = (since: Date) => ({ timeoutMs: 90_000, pollMs: 500, since, log: undefined });

    it("delivers every event to the store, the search index and the archive", async () => {
        const runId = newRunId();
        const since = new Date(Date.now() - 60_000);
        const markers = markersFor(runId, 0, 100);
        await send(markers);
        const probes = probesFor(outputs);
        const rows = await waitForDelivery(probes, runId, markers, wait(since));
        await Promise.all(probes.map((p) => p.close()));
        report(formatReport(`delivery: ${markers.length} events`, rows));
        assertDelivered(rows);
        // Nothing was stopped: the primary handled every event.
        expect(rows.map((r) => r.byForwarder)).toEqual(rows.map(() => ({ primary: 100 })));
    }, 120_000);

    it("fails over to the secondary while the primary is stopped, and returns to it", async () => {
        const runId = newRunId();
        const probes = probesFor(outputs);
        const result = await failoverDrill({
            send, probes, runId,
            count: 100,
            firstMarker: 0,
            control: {
                description: "SIGSTOP of the primary forwarder",
                stop: async () => primary.signal("SIGSTOP"),
                restore: async () => primary.signal("SIGCONT"),
            },
            wait: wait(new Date(Date.now() - 60_000)),
            switchTimeoutMs: 60_000,
        });
        await Promise.all(probes.map((p) => p.close()));
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
