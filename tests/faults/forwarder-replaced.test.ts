/**
 * What a forwarder acknowledged survives it, when the next forwarder runs on its buffer directory: what the aws stack's
 * EFS buffers give a replaced forwarder task (components/forwarder-pair/aws-buffers.ts), shown with two fluentd
 * processes of the project's forwarder.conf, one after the other on one directory.
 *
 * The first acknowledges every event of a run while all three sinks are down, so each is in its sinks' file buffers
 * and nowhere else when it is killed (SIGKILL: no flush at shutdown). The sinks come back holding none of them; a
 * second process on the same directory restores the chunks and delivers them: none lost, and none twice in the store
 * or the search index. The client sends straight to the forwarder and waits for each ack, as the agent does, so that
 * what counts as acknowledged is exactly what the first forwarder acknowledged (no agent resends anything).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FluentClient } from "@fluent-org/logger";
import { markersFor, waitForDelivery } from "../verify/delivery";
import { SinkName, newRunId, withProbes } from "../verify/probes";
import { StackOutputs } from "../verify/outputs";
import { chunkFiles, unrestored } from "../support/buffer-chunks";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { FluentdProcess, freePort, startFluentd } from "../support/fluentd-process";
import { makeCa, makeCert } from "../support/forward-certs";
import { LoopbackForwarderPlace, loopbackForwarderSpec } from "../support/loopback-pipeline";
import { accessLine } from "../support/log-lines";
import { containerEnv, installMocks, programLoadTimeoutMs, runProgram } from "../support/mocks";
import { LoopbackSinkName, LoopbackSinks, startLoopbackSinks } from "../support/sinks";
import { FaultRow, duplicatesIn, formatFaultTable, lostIn } from "./fault-table";

// Archive uploads every 2 s, so the test does not wait on S3 objects.
// Two workers per forwarder: the primary's every process goes (SIGSTOP, SIGKILL reach its whole process group, as
// they reach a container's), and the agent's chunks land on either worker.
const resources = installMocks({ target: "local", archiveFlushSeconds: "2", forwarderWorkers: "2" });
const sinkNames: LoopbackSinkName[] = ["store", "search", "archive"];
const events = 300;
const table: FaultRow[] = [];

describeWithFluentdAndOpenssl("a forwarder replaced on its buffer directory", (fluentd, openssl) => {
    let dir: string;
    let sinks: LoopbackSinks | undefined;
    const processes: FluentdProcess[] = [];

    beforeAll(async () => {
        await runProgram();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-forwarder-replaced-"));
    }, programLoadTimeoutMs);
    afterEach(async () => {
        const state = expect.getState();
        if (state.assertionCalls !== state.numPassingAsserts) {
            for (const p of processes) process.stdout.write(`\n--- ${p.name} (${p.logFile}) ---\n${p.tail()}\n`);
        }
        await Promise.all(processes.splice(0).map((p) => p.stop()));
        await sinks?.stop();
    }, 60_000);
    afterAll(() => {
        if (table.length > 0) process.stdout.write(`\n${formatFaultTable(table)}\n`);
    });

    it("delivers every event the killed one acknowledged through the next one: none lost, none twice in the store or the search index", async () => {
        sinks = await startLoopbackSinks();
        const outputs: StackOutputs = { ...sinks.outputs, webappUrl: "(forward protocol)", forwarderControl: "docker", forwarderPrimary: "primary", forwarderSecondary: "secondary" };
        const tlsDir = path.join(dir, "tls");
        fs.mkdirSync(tlsDir);
        const ca = makeCa(openssl, tlsDir, "forward-ca");
        const agentHostname = containerEnv(resources, "dle-log-agent").FORWARD_SELF_HOSTNAME;
        const agent = makeCert(openssl, tlsDir, ca, "agent", agentHostname, "client");
        // One port and one buffer directory for both: the replacement is the same forwarder, in a new process.
        const place: Omit<LoopbackForwarderPlace, "name"> = {
            container: "dle-log-forwarder-pri", port: await freePort(), bufferDir: path.join(dir, "buffers"),
            ca, own: makeCert(openssl, tlsDir, ca, "forwarder", "localhost", "server"),
        };
        const start = async (name: string) => {
            const spec = await loopbackForwarderSpec(fluentd, resources, sinks!.outputs, dir, { ...place, name });
            const started = await startFluentd(spec);
            processes.push(started);
            return { process: started, sharedKey: fs.readFileSync(spec.env.FORWARD_SHARED_KEY_FILE, "utf8").trim() };
        };

        const first = await start("first");
        await Promise.all(sinkNames.map((sink) => sinks!.takeDown(sink)));
        const runId = newRunId();
        const since = new Date(Date.now() - 600_000);
        const markers = markersFor(runId, 0, events);
        // As the agent sends: tagged docker.<container>, over mutual TLS with the shared key, waiting for each ack.
        const client = new FluentClient("docker", {
            eventMode: "Message",
            socket: {
                host: "127.0.0.1", port: place.port, timeout: 30_000,
                tls: { ca: fs.readFileSync(ca.cert), cert: fs.readFileSync(agent.cert), key: fs.readFileSync(agent.key), servername: "localhost" },
            },
            security: { clientHostname: agentHostname, sharedKey: first.sharedKey },
            ack: { ackTimeout: 30_000 },
        });
        for (const marker of markers) {
            await client.emit("webapp", { container_name: "/dle-webapp", source: "stdout", log: accessLine({ marker }), event_id: marker });
        }
        await client.disconnect();
        // Every emit above returned on the forwarder's ack: each event is in the file buffer of every sink.
        const buffers = path.join(place.bufferDir, "forwarder");
        for (const sink of sinkNames) expect([sink, chunkFiles(path.join(buffers, sink)).length > 0]).toEqual([sink, true]);

        first.process.signal("SIGKILL");
        await first.process.exited();
        const leftBehind = chunkFiles(buffers);
        await Promise.all(sinkNames.map((sink) => sinks!.bringBack(sink)));
        // What the test is about: the sinks have none of the run, so whatever they get comes through the second process.
        const before = await withProbes(outputs, (probes) => Promise.all(probes.map(async (probe) => [probe.sink, (await probe.sightings(runId, since)).length])));
        expect(Object.fromEntries(before)).toEqual({ store: 0, search: 0, archive: 0 });

        const startedAt = Date.now();
        const second = await start("second");
        const rows = await withProbes(outputs, (probes) => waitForDelivery(probes, runId, markers, { timeoutMs: 180_000, pollMs: 1_000, since }));
        table.push({
            scenario: "forwarder killed holding acked chunks, replaced on its buffer dir",
            sent: markers.length,
            delivered: Object.fromEntries(rows.map((r) => [r.sink, r.found])) as Record<SinkName, number>,
            duplicates: Object.fromEntries(rows.map((r) => [r.sink, r.duplicates])) as Record<SinkName, number>,
            lost: lostIn(rows),
            recoverySeconds: (Date.now() - startedAt) / 1000,
            note: `${markers.length} acked by the first with every sink down; ${leftBehind.length} chunks left by its kill, for the second to restore`,
        });
        expect(lostIn(rows)).toBe(0);
        expect(duplicatesIn(rows, ["store", "search"])).toBe(0);
        // Taken up from the files the first left, by the second at its start.
        expect(unrestored(leftBehind, second.process.tail(5_000))).toEqual([]);
    }, 420_000);
});
