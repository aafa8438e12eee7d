/**
 * Fault tests: the real pipeline on loopback (tests/support/loopback-pipeline.ts) under the faults a
 * logging pipeline must survive. Each scenario sends a known set of events and counts, per sink, what
 * arrived; lost must be 0 everywhere, and so must duplicates in the store and the search index: delivery is
 * at-least-once, but an event sent twice keeps its id and is stored once there (the archive may keep both copies).
 * `npm run faults` runs only these and prints the table; they also run in `npm test`.
 *
 * DLE_FAULT_OUTAGE_SECONDS sets how long a sink stays down (default 60).
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as tls from "tls";
import { FluentClient } from "@fluent-org/logger";
import { encode } from "@msgpack/msgpack";
import { DeliveryRow, markersFor, waitForDelivery } from "../verify/delivery";
import { SinkName, markerParameter, newRunId, withProbes } from "../verify/probes";
import { chunkFiles, unrestored } from "../support/buffer-chunks";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { KeyPair, makeCa, makeCert } from "../support/forward-certs";
import { LoopbackPipeline, startLoopbackPipeline } from "../support/loopback-pipeline";
import { accessLine } from "../support/log-lines";
import { containerEnv, installMocks } from "../support/mocks";
import type { LoopbackSinkName } from "../support/sinks";
import { FaultRow, duplicatesIn, lostIn } from "./fault-table";
import { faultSuiteLifecycle } from "./fault-suite";
import { setTimeout as sleep } from "timers/promises";

// Archive uploads every 2 s, so a scenario does not wait on S3 objects.
const resources = installMocks({ target: "local", archiveFlushSeconds: "2" });
const outageSeconds = Number(process.env.DLE_FAULT_OUTAGE_SECONDS ?? 60);
/** How long the primary's kill waits for it to hold a buffer chunk, the stream going on: a loaded 2-core machine. */
const chunkWaitMs = 30_000;
const table: FaultRow[] = [];

describeWithFluentdAndOpenssl("fault tests", (fluentd, openssl) => {
    const running = faultSuiteLifecycle(table);

    async function pipeline(options?: Parameters<typeof startLoopbackPipeline>[2]): Promise<LoopbackPipeline> {
        const started = await startLoopbackPipeline(fluentd, resources, options);
        running.push(started);
        return started;
    }

    /** Waits for the markers in every sink, records the scenario's row, and returns the sinks' rows. */
    async function account(scenario: string, p: LoopbackPipeline, runId: string, markers: string[], recoveredFrom?: number, note?: string, timeoutMs = 120_000): Promise<DeliveryRow[]> {
        const rows = await withProbes(p.outputs, (probes) => waitForDelivery(probes, runId, markers, { timeoutMs, pollMs: 1_000, since: new Date(Date.now() - 600_000) }));
        table.push({
            scenario,
            sent: markers.length,
            delivered: Object.fromEntries(rows.map((r) => [r.sink, r.found])) as Record<SinkName, number>,
            duplicates: Object.fromEntries(rows.map((r) => [r.sink, r.duplicates])) as Record<SinkName, number>,
            lost: lostIn(rows),
            recoverySeconds: recoveredFrom === undefined ? undefined : (Date.now() - recoveredFrom) / 1000,
            note,
        });
        return rows;
    }

    /** Sends markers one by one, ~100 a second, running `at[i]` before marker i. */
    async function stream(send: (markers: string[]) => Promise<void>, markers: string[], at: Record<number, () => Promise<void>>): Promise<void> {
        for (const [i, marker] of markers.entries()) {
            await at[i]?.();
            await send([marker]);
            await sleep(10);
        }
    }

    it("primary forwarder paused (SIGSTOP) mid-stream, then resumed", async () => {
        const p = await pipeline();
        const runId = newRunId();
        const markers = markersFor(runId, 0, 300);
        let resumedAt = 0;
        await stream((m) => p.send(m), markers, {
            100: async () => p.primary.signal("SIGSTOP"),
            250: async () => { p.primary.signal("SIGCONT"); resumedAt = Date.now(); },
        });
        const rows = await account("primary paused, then resumed", p, runId, markers, resumedAt);
        expectNoneLostNorDuplicated(rows);
    }, 300_000);

    it("primary forwarder killed (SIGKILL) mid-stream and restarted on its buffer directory", async () => {
        const p = await pipeline();
        const runId = newRunId();
        const markers = markersFor(runId, 0, 300);
        let restartedAt = 0;
        // The sinks' chunk files the killed primary left (acknowledged to the agent, not yet in the sinks).
        let leftBehind: string[] = [];
        const buffers = path.join(p.dir, "primary", "forwarder");
        let killed: Promise<void> = Promise.resolve();
        await stream((m) => p.send(m), markers, {
            100: async () => {
                // Kill it while it holds chunks for the sinks (they exist for about a flush interval after each chunk
                // from the agent): watched while the stream goes on, which brings the chunks.
                killed = (async () => {
                    const deadline = Date.now() + chunkWaitMs;
                    while (chunkFiles(buffers).length === 0) {
                        if (Date.now() > deadline) throw new Error(`no buffer chunk in ${buffers} within ${chunkWaitMs / 1000} s: nothing for the kill to leave behind`);
                        await sleep(20);
                    }
                    p.primary.signal("SIGKILL");
                    await p.primary.exited();
                    leftBehind = chunkFiles(buffers);
                })();
                // Awaited before the restart; handled here so that a failure meanwhile is not reported as unhandled.
                killed.catch(() => undefined);
            },
            200: async () => { await killed; await p.primary.restart(); restartedAt = Date.now(); },
        });
        // What the test is about: chunks the kill left, for the restart to restore (not a pass on none).
        expect(leftBehind).not.toEqual([]);
        const note = `${leftBehind.length} buffered chunk${leftBehind.length === 1 ? "" : "s"} left by the kill, restored at restart`;
        const rows = await account("primary killed, restarted", p, runId, markers, restartedAt, note);
        expectNoneLostNorDuplicated(rows);
        // Each was taken up again by the restarted primary (with flush_at_shutdown, fluentd warns that it restores one).
        expect(unrestored(leftBehind, p.primary.tail(2_000))).toEqual([]);
    }, 300_000);

    it("agent killed (SIGKILL) mid-stream and restarted on its buffer directory", async () => {
        const p = await pipeline();
        const runId = newRunId();
        const markers = markersFor(runId, 0, 300);
        // Docker's log driver does not wait for acks, so what it wrote into a socket the instant the agent died
        // is gone with it. This client waits for the agent's ack and resends until it gets one: every event
        // counted as sent was accepted by the agent.
        const client = new FluentClient(null, {
            eventMode: "Forward",
            socket: { host: "127.0.0.1", port: p.agentPort, timeout: 5_000 },
            ack: { ackTimeout: 5_000 },
        });
        const sendAcked = async ([marker]: string[]) => {
            for (let attempt = 0; ; attempt++) {
                try {
                    await client.emit("webapp", { container_name: "/dle-webapp", source: "stdout", log: accessLine({ marker }) });
                    return;
                } catch (error) {
                    if (attempt >= 120) throw error;
                    await sleep(500);
                }
            }
        };
        let restartedAt = 0;
        await stream(sendAcked, markers, {
            100: async () => {
                p.agent.signal("SIGKILL");
                // Back after 3 s, while the client keeps trying.
                setTimeout(() => { void p.agent.restart().then(() => { restartedAt = Date.now(); }); }, 3_000);
            },
        });
        await client.disconnect();
        const rows = await account("agent killed, restarted", p, runId, markers, restartedAt || Date.now());
        expectNoneLostNorDuplicated(rows);
    }, 300_000);

    it(`each sink down for ${outageSeconds} s while events keep coming`, async () => {
        const sinks: LoopbackSinkName[] = ["store", "search", "archive"];
        const results = await Promise.all(sinks.map(async (sink) => {
            const p = await pipeline();
            const runId = newRunId();
            const markers = markersFor(runId, 0, 200);
            let backAt = 0;
            const outage = async () => {
                await p.sinks.takeDown(sink);
                await sleep(outageSeconds * 1000);
                await p.sinks.bringBack(sink);
                backAt = Date.now();
            };
            let outageDone: Promise<void> = Promise.resolve();
            // Down after 50 events; the other 150 arrive during the outage, ~1 a second apart at first.
            await stream((m) => p.send(m), markers, { 50: async () => { outageDone = outage(); } });
            await outageDone;
            return account(`${sink} down ${outageSeconds} s`, p, runId, markers, backAt);
        }));
        for (const rows of results) {
            expectNoneLostNorDuplicated(rows);
        }
    }, (outageSeconds + 240) * 1000);

    it("a sink that rejects some records: those go to the error path, the rest are delivered", async () => {
        const rejectMarker = "reject-me";
        const p = await pipeline({
            rejectDocument: (source: { log?: string }) => source.log?.includes(rejectMarker)
                ? { type: "document_parsing_exception", reason: "[1:8] failed to parse field [log]" }
                : undefined,
        });
        const runId = newRunId();
        const accepted = markersFor(runId, 0, 100);
        const rejected = markersFor(runId, 100, 10);
        const client = new FluentClient(null, { eventMode: "Message", socket: { host: "127.0.0.1", port: p.agentPort } });
        for (const marker of [...accepted, ...rejected]) {
            const log = accepted.includes(marker) ? accessLine({ marker }) : `${accessLine({ marker })} ${rejectMarker}`;
            await client.emit("webapp", { container_name: "/dle-webapp", source: "stdout", log });
        }
        await client.disconnect();

        // Search never gets the 10, so waiting ends at the bound; 30 s is ample for the rest on loopback.
        const rows = await account("search rejects 10 records", p, runId, [...accepted, ...rejected], undefined, "10 rejected by search: in the error path", 30_000);
        const search = rows.find((r) => r.sink === "search")!;
        expect(search.missing.sort()).toEqual([...rejected].sort());
        for (const row of rows.filter((r) => r.sink !== "search")) expect(row.missing).toEqual([]);
        // The rejected records are kept, with the reason, in the forwarder's error path.
        const errorPath = path.join(p.dir, "primary", "rejected", "records");
        const kept = await waitForFiles(errorPath, rejected);
        expect(kept).toEqual(expect.arrayContaining(rejected));
        // All 110 are accounted for: 100 in the index, 10 in the error path.
        table[table.length - 1].lost = search.missing.filter((m) => !kept.includes(m)).length;
        expect(table[table.length - 1].lost).toBe(0);
    }, 300_000);

    it("intruders at a forwarder (no TLS, no client certificate, a foreign CA's, a wrong shared key): refused, logged, nothing stored", async () => {
        const p = await pipeline();
        const runId = newRunId();
        const good = markersFor(runId, 0, 100);
        // The intruders' markers are of another run, so that waiting for the good ones is not held up by them.
        const intruderRun = newRunId();
        const foreignCa = makeCa(openssl, p.tls.dir, "foreign-ca");
        const ours = { ca: fs.readFileSync(p.tls.ca.cert), servername: p.tls.hostname };
        const pemsOf = (pair: KeyPair) => ({ cert: fs.readFileSync(pair.cert), key: fs.readFileSync(pair.key) });
        // Tagged as the agent tags the webapp's events, which is what a forwarder accepts from it.
        const frames = (first: number) => markersFor(intruderRun, first, 20).map((m) => frame("docker.webapp", accessLine({ marker: m })));
        const attempts = [
            // Plain forward protocol, as before this link had TLS.
            sendRaw(() => net.connect(p.primaryPort, "127.0.0.1"), frames(0)),
            // TLS that trusts the forwarder, but presents no client certificate.
            sendRaw(() => tls.connect({ port: p.primaryPort, host: "127.0.0.1", ...ours }), frames(100)),
            // A client certificate from another CA.
            sendRaw(() => tls.connect({ port: p.primaryPort, host: "127.0.0.1", ...ours, ...pemsOf(makeCert(openssl, p.tls.dir, foreignCa, "foreign-client", "log-agent", "client")) }), frames(200)),
            // The agent's own certificate (as if stolen), but not the shared key: fluentd's handshake, from a real client.
            emitWithin(new FluentClient("docker", {
                eventMode: "Message",
                socket: { host: "127.0.0.1", port: p.primaryPort, tls: { ...ours, ...pemsOf(p.tls.agent) }, disableReconnect: true },
                security: { clientHostname: "intruder", sharedKey: "not-the-shared-key" },
            }), markersFor(intruderRun, 300, 20)),
        ];
        await Promise.all([Promise.all(attempts), stream((m) => p.send(m), good, {})]);

        const rows = await account("intruders at a forwarder", p, runId, good, undefined,
            "80 events from 4 intruders (no TLS, no client cert, foreign CA, wrong key): all refused and logged, none stored");
        expectNoneLostNorDuplicated(rows);
        // Give anything an intruder slipped in the time to reach the sinks (one archive flush and more), then look.
        await sleep(5_000);
        const stored = await withProbes(p.outputs, (probes) => Promise.all(probes.map(async (probe) =>
            [probe.sink, (await probe.sightings(intruderRun, new Date(Date.now() - 600_000))).length])));
        expect(Object.fromEntries(stored)).toEqual({ store: 0, search: 0, archive: 0 });
        // Each refusal is in the forwarder's log, with the reason.
        const log = p.primary.tail(2_000);
        expect(log).toMatch(/unexpected error before accepting TLS connection by OpenSSL .*wrong version number/);
        expect(log).toMatch(/unexpected error before accepting TLS connection by OpenSSL .*peer did not return a certificate/);
        expect(log).toMatch(/unexpected error before accepting TLS connection by OpenSSL .*certificate verify failed/);
        expect(log).toMatch(/Shared key mismatch .*hostname="intruder"/);
    }, 300_000);

    it("an impostor forwarder (a foreign CA's certificate, then ours for another name): the agent sends it nothing", async () => {
        const p = await pipeline();
        const runId = newRunId();
        const markers = markersFor(runId, 0, 100);
        const foreignCa = makeCa(openssl, p.tls.dir, "foreign-ca");
        // The primary is restarted on the same port with another certificate: what an impostor on its address presents.
        const impersonate = async (pair: KeyPair) => {
            await p.primary.stop();
            fs.copyFileSync(pair.cert, p.tls.primary.cert);
            fs.copyFileSync(pair.key, p.tls.primary.key);
            await p.primary.restart();
        };
        // Each impostor is up longer than the agent takes to return to a primary that answers its heartbeats (recover_wait),
        // before and while events are sent: an agent that accepted its certificate would send it events.
        const agentEnv = containerEnv(resources, "dle-log-agent");
        const longerThanRecovery = () => sleep((Number(agentEnv.FAILOVER_RECOVER_WAIT) + 3 * Number(agentEnv.FAILOVER_HEARTBEAT_INTERVAL)) * 1000);
        await impersonate(makeCert(openssl, p.tls.dir, foreignCa, "foreign-server", p.tls.hostname, "server"));
        await longerThanRecovery();
        await stream((m) => p.send(m), markers.slice(0, 50), {});
        await impersonate(makeCert(openssl, p.tls.dir, p.tls.ca, "misnamed-server", "forwarder.example", "server"));
        await longerThanRecovery();
        await stream((m) => p.send(m), markers.slice(50), {});

        const rows = await account("impostor forwarder", p, runId, markers, undefined,
            "primary replaced by an impostor (foreign CA, then ours for another name): every event through the secondary");
        expectNoneLostNorDuplicated(rows);
        for (const row of rows) expect(row.byForwarder).toEqual({ secondary: markers.length });
        // The agent gave up on the primary and never took it back: its heartbeats (TLS handshakes, which fluentd does
        // not log one by one) failed against both impostors.
        const log = p.agent.tail(5_000);
        expect(log).toMatch(/detached forwarding server 'primary'/);
        expect(log).not.toMatch(/recovered forwarding server 'primary'/);
    }, 300_000);

    it("malformed and hostile input at the agent: no crash, other clients' events all delivered", async () => {
        const p = await pipeline();
        const runId = newRunId();
        const good = markersFor(runId, 0, 100);
        const hostile = markersFor(runId, 1000, 3);
        const [nonUtf8, huge, badJson] = hostile;
        const raw = (bytes: Uint8Array) => sendRaw(() => net.connect(p.agentPort, "127.0.0.1"), [bytes]);
        // As a client of the agent sends it: the agent adds the "docker." prefix.
        const event = (log: Uint8Array | string) => frame("webapp", log);

        const hostileClient = new FluentClient(null, { eventMode: "Message", socket: { host: "127.0.0.1", port: p.agentPort } });
        const flood = markersFor(newRunId(), 0, 5000);
        const attacks = [
            // Non-UTF-8 bytes in a string, as a container may print them (a msgpack str, not bin).
            raw(withInvalidUtf8(event(`${accessLine({ marker: nonUtf8 })} BROKEN`))),
            // A 1 MiB line.
            hostileClient.emit("webapp", { source: "stdout", log: `${accessLine({ marker: huge })} ${"x".repeat(1 << 20)}` }),
            // A line that looks like JSON but is not.
            hostileClient.emit("webapp", { source: "stdout", log: `{"request": "dle-verify=${badJson}", ` }),
            // A forward frame cut off halfway, and one with the wrong types.
            raw(event(accessLine({ marker: "truncated" })).slice(0, 20)),
            raw(encode([42, "not a time", "not a record"])),
            // A flood from one client.
            (async () => { for (const m of flood) await hostileClient.emit("webapp", { source: "stdout", log: accessLine({ marker: m }) }); })(),
        ];
        await Promise.all([Promise.allSettled(attacks), stream((m) => p.send(m), good, {})]);
        await hostileClient.disconnect();

        // The agent is still up, and every well-formed event (the good client's and the odd but valid ones) arrived.
        expect(await fetch(`http://127.0.0.1:${p.agent.monitorPort}/api/plugins.json`).then((r) => r.ok)).toBe(true);
        const rows = await account("hostile input at the agent", p, runId, [...good, ...hostile], undefined,
            "1 MiB, bad-JSON and non-UTF-8 (U+FFFD) lines kept with parse_error; mistyped frame logged and dropped; 5000-event flood");
        expectNoneLostNorDuplicated(rows);
        // The lines that are not nginx's JSON are stored whole, marked with the parser's reason, in every sink.
        for (const row of rows) {
            for (const marker of hostile) expect(row.events.get(marker)).toEqual(expect.objectContaining({ app: "webapp", log_type: "nginx_access", parse_error: "not a JSON object" }));
            expect(String(row.events.get(nonUtf8)?.log)).toContain("\uFFFD\uFFFDOKEN");
        }
        // The mistyped frame is refused with its sender and content in the agent's log. (The truncated frame
        // never completes, so in_forward emits nothing from it: there is nothing to deliver or refuse.)
        expect(p.agent.tail(20_000)).toMatch(/skip invalid event: host="127\.0\.0\.1" tag="docker\.42"/);
    }, 300_000);
});

/** A forward-protocol message of one event, `[tag, time, record]`. */
function frame(tag: string, log: Uint8Array | string): Uint8Array {
    return encode([tag, Math.floor(Date.now() / 1000), { log, source: "stdout" }]);
}

/** Opens a connection, writes the bytes and ends its side; resolves when the peer closes it or after 10 s, whatever happens. */
function sendRaw(connect: () => net.Socket, frames: Uint8Array[]): Promise<void> {
    return new Promise((resolve) => {
        const socket = connect();
        const done = () => { clearTimeout(timer); socket.destroy(); resolve(); };
        const timer = setTimeout(done, 10_000);
        socket.once(socket instanceof tls.TLSSocket ? "secureConnect" : "connect", () => {
            for (const frame of frames) socket.write(frame);
            socket.end();
        });
        socket.on("close", done);
        socket.on("error", () => undefined);
    });
}

/**
 * Connects once (the client was made with disableReconnect), emits one event per marker, giving up on each after
 * 5 s (a refused client's emits never complete), then shuts down.
 */
async function emitWithin(client: FluentClient, markers: string[]): Promise<void> {
    const within = (promise: Promise<unknown>) => Promise.race([promise.catch(() => undefined), sleep(5_000)]);
    await within(client.connect());
    await Promise.all(markers.map((m) => within(client.emit("webapp", { source: "stdout", log: accessLine({ marker: m }) }))));
    await within(client.shutdown());
}

/** What every scenario must show: nothing lost in any sink, no copy where the event id is the document id (store, search). */
function expectNoneLostNorDuplicated(rows: DeliveryRow[]): void {
    expect(lostIn(rows)).toBe(0);
    expect(duplicatesIn(rows, ["store", "search"])).toBe(0);
}

/** Replaces the marker-free "BROKEN" word's first bytes with bytes that are not UTF-8, inside the str. */
function withInvalidUtf8(frame: Uint8Array): Uint8Array {
    const bytes = Buffer.from(frame);
    const at = bytes.indexOf("BROKEN");
    bytes[at] = 0xff;
    bytes[at + 1] = 0xfe;
    return bytes;
}

/** Markers found in the files under `dir` (fluentd's file output), waiting up to a minute for its flush. */
async function waitForFiles(dir: string, markers: string[]): Promise<string[]> {
    let found: string[] = [];
    for (let i = 0; i < 60 && found.length < markers.length; i++) {
        if (i > 0) await sleep(1_000);
        const files = fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))) : [];
        const text = files.filter((f) => !f.includes(`${path.sep}buffer`) && fs.statSync(f).isFile()).map((f) => fs.readFileSync(f, "utf8")).join("\n");
        found = markers.filter((m) => new RegExp(`${markerParameter}=${m}(?!\\d)`).test(text));
    }
    return found;
}
