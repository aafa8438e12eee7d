/**
 * The benchmark's phases. Each returns its figures; tests/bench/report.ts prints them.
 * (b) the ceilings: the sender alone, bare fluentd, each sink fed directly;
 * (a) sustained throughput through agent → forwarder → three sinks;
 * (e) latency at a steady rate; (d) failover trials under that rate; (c) the drain of a backlog.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { startLoopbackCanary } from "../support/canary-pipeline";
import { freePort, startFluentd } from "../support/fluentd-process";
import { logDriverSender } from "../support/loopback-pipeline";
import { pollUntil } from "../support/prometheus";
import { findIptables, loopbackCut } from "../support/network-cut";
import { newRunId } from "../verify/probes";
import { SinkComparison, compareP50, histogramSince, latencyHistogram } from "./canary-comparison";
import type { SinkName } from "./rig";
import { startChild } from "./child";
import { RangeSummary } from "./marker-counter";
import { ProcessUse } from "./process-meter";
import { Rig, leastStored, sinkNames, summaries, waitForAll } from "./rig";

export interface Settings {
    /** (a): seconds of sending. */
    seconds: number;
    /** (a): at most this many events sent but not yet in every sink. */
    window: number;
    /** (c): events in the backlog. */
    backlog: number;
    /** (d) and (e): events per second. */
    rate: number;
    /** (e): seconds of the steady stream whose latency is measured. */
    latencySeconds: number;
    /** (d): trials of each way the primary goes (SIGSTOP, SIGKILL, a network cut). */
    trials: number;
    /** (b): seconds each ceiling is measured for. */
    ceilingSeconds: number;
    /** (g): events of each forwarder-alone variant. */
    aloneEvents: number;
}

/** What arrived of a set of events: lost (missing in a sink) and extra copies, summed over the sinks. */
export interface Delivery {
    sent: number;
    lost: number;
    duplicates: number;
    bySink: Record<SinkName, RangeSummary>;
}

function delivery(sent: number, bySink: Record<SinkName, RangeSummary>): Delivery {
    return {
        sent, bySink,
        lost: sinkNames.reduce((sum, s) => sum + bySink[s].missing, 0),
        duplicates: sinkNames.reduce((sum, s) => sum + bySink[s].duplicates, 0),
    };
}

interface SendResult {
    sent: number;
    startedAt: number;
    endedAt: number;
    sentAt?: Float64Array;
}

const perSecond = (events: number, fromMs: number, toMs: number) => Math.round(events / Math.max((toMs - fromMs) / 1000, 0.001));

export interface SenderCeiling {
    eventsPerSecond: number;
    /** CPU cores the sender used meanwhile; its rate per core is what it could do with one of its own. */
    cores: number;
}

/** The sender's own ceiling: as fast as it goes into a socket whose reader (another process) drops everything. */
export async function senderCeiling(rig: Rig, s: Settings): Promise<SenderCeiling> {
    const discard = await startChild("sink-process", ["discard", "-"], "discard");
    try {
        const { port } = await discard.request<{ port: number }>("info");
        rig.meter.begin();
        await rig.sender.request("start", { port, runId: newRunId(), first: 0, count: 1e9 });
        await sleep(Math.min(s.ceilingSeconds, 5) * 1000);
        const r = await rig.sender.request<SendResult>("stop");
        return { eventsPerSecond: perSecond(r.sent, r.startedAt, r.endedAt), cores: rig.meter.end().sender.cores };
    } finally {
        await discard.stop();
    }
}

interface MonitorPlugin { plugin_id: string; emit_records?: number }

async function emittedBy(monitorPort: number, pluginId: string): Promise<number> {
    const body = await fetch(`http://127.0.0.1:${monitorPort}/api/plugins.json`).then((r) => r.json()) as { plugins: MonitorPlugin[] };
    const plugin = body.plugins.find((p) => p.plugin_id === pluginId);
    if (plugin?.emit_records === undefined) throw new Error(`monitor_agent reports no emit_records for ${pluginId}`);
    return plugin.emit_records;
}

/** A config for bare fluentd, in `dir`: in_forward (port BARE_PORT) → out_null, and monitor_agent to count. */
export function writeBareConfig(dir: string): string {
    const config = path.join(dir, "bare.conf");
    fs.writeFileSync(config, [
        "<system>\n  log_level warn\n</system>",
        "<source>\n  @type forward\n  @id in_forward\n  bind 127.0.0.1\n  port \"#{ENV.fetch('BARE_PORT')}\"\n</source>",
        "<source>\n  @type monitor_agent\n  @id monitor\n  bind 127.0.0.1\n  port \"#{ENV.fetch('FLUENTD_MONITOR_PORT')}\"\n</source>",
        "<match **>\n  @type null\n  @id out_null\n</match>\n",
    ].join("\n"));
    return config;
}

export interface BareCeiling {
    eventsPerSecond: number;
    /** Every event bare fluentd took while its CPU was metered (in `use`), for its CPU per event. */
    events: number;
    use: Record<string, ProcessUse>;
}

/** Bare fluentd: in_forward → out_null, fed by the same sender as fast as it takes events. */
export async function bareCeiling(rig: Rig, s: Settings): Promise<BareCeiling> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-bench-bare-"));
    const config = writeBareConfig(dir);
    const port = await freePort();
    const bare = await startFluentd({ fluentd: rig.fluentd, name: "bare", dir, config, env: { BARE_PORT: String(port), FLUENTD_MONITOR_PORT: String(await freePort()) } });
    rig.meter.track("bare", () => bare.pid());
    try {
        rig.meter.begin();
        await rig.sender.request("start", { port, runId: newRunId(), first: 0, count: 1e9 });
        // Counted by fluentd itself over the middle of the run, after its first second.
        await sleep(1000);
        const [from, fromAt] = [await emittedBy(bare.monitorPort, "out_null"), Date.now()];
        await sleep(s.ceilingSeconds * 1000);
        const [to, toAt] = [await emittedBy(bare.monitorPort, "out_null"), Date.now()];
        await rig.sender.request("stop");
        const use = rig.meter.end();
        // Started just before the meter, so its count is of the metered time.
        return { eventsPerSecond: perSecond(to - from, fromAt, toAt), events: await emittedBy(bare.monitorPort, "out_null"), use };
    } finally {
        rig.meter.untrack("bare");
        await bare.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

export interface SinkCeiling {
    eventsPerSecond: number;
    /** CPU cores the sink's process and the feeder's used: the busier one is the limit. */
    sinkCores: number;
    feederCores: number;
}

/** Each sink fed directly, as its output plugin feeds it, by a feeder process of its own. */
export async function sinkCeilings(rig: Rig, s: Settings): Promise<Record<SinkName, SinkCeiling>> {
    const result: Partial<Record<SinkName, SinkCeiling>> = {};
    for (const sink of sinkNames) {
        const feeder = await startChild("feeder", [], `feeder-${sink}`);
        rig.meter.track("feeder", () => feeder.pid());
        try {
            const runId = newRunId();
            rig.meter.begin();
            const fed = await feeder.request<{ startedAt: number; endedAt: number }>("feed", { sink, outputs: rig.outputs, runId, seconds: s.ceilingSeconds });
            const use = rig.meter.end();
            const got = await rig.sinks[sink].request<{ received: number; lastAt: number }>("progress", { runId });
            result[sink] = { eventsPerSecond: perSecond(got.received, fed.startedAt, Math.max(got.lastAt, fed.endedAt)), sinkCores: use[sink].cores, feederCores: use.feeder.cores };
            await rig.sinks[sink].request("forget", { runId });
        } finally {
            rig.meter.untrack("feeder");
            await feeder.stop();
        }
    }
    return result as Record<SinkName, SinkCeiling>;
}

export interface Throughput {
    eventsPerSecond: number;
    /** What the sender put into the agent, per second, while it sent. */
    offeredPerSecond: number;
    seconds: number;
    delivery: Delivery;
    use: Record<string, ProcessUse>;
    /** What the agent logged meanwhile: a healthy primary must not be detached under load. */
    agentLog: AgentLogCounts;
}

export interface AgentLogCounts {
    /** "detached forwarding server": the agent switched away from a forwarder. */
    detached: number;
    /** "handshake timeout": a forwarder answered no handshake in time, and was disabled until its heartbeats recover. */
    handshakeTimeouts: number;
    /** "no response from node": an ack did not come in time; the chunk is sent again. */
    ackTimeouts: number;
}

/** Counts the agent's failover warnings in what its log gained since `from` (a byte offset). */
function agentLogSince(rig: Rig, from: number): AgentLogCounts {
    const text = fs.readFileSync(rig.pipeline!.agent.logFile).subarray(from).toString("utf8");
    const count = (pattern: RegExp) => text.split("\n").filter((line) => pattern.test(line)).length;
    return { detached: count(/detached forwarding server/), handshakeTimeouts: count(/handshake timeout after/), ackTimeouts: count(/no response from node/) };
}

/**
 * (a) As fast as the pipeline stores: the sender is held to `window` events ahead of the slowest sink, so the
 * pipeline always has work and no buffer grows without bound. After `seconds` it stops, and the run ends when the
 * last event is in the last sink. The rate is every event over that whole time.
 */
export async function throughput(rig: Rig, s: Settings): Promise<Throughput> {
    const pipeline = rig.pipeline!;
    const runId = newRunId();
    const logFrom = fs.statSync(pipeline.agent.logFile).size;
    rig.meter.begin();
    await rig.sender.request("start", { port: pipeline.agentPort, runId, first: 0, count: 1e9, allowed: s.window });
    const until = Date.now() + s.seconds * 1000;
    while (Date.now() < until) {
        await sleep(250);
        await rig.sender.request("allow", { allowed: (await leastStored(rig, runId)) + s.window });
    }
    const sent = await rig.sender.request<SendResult>("stop");
    const bySink = await waitForAll(rig, runId, 0, sent.sent);
    const use = rig.meter.end();
    const lastAt = Math.max(...sinkNames.map((n) => bySink[n].lastFirstSeen));
    await forget(rig, runId);
    return {
        eventsPerSecond: perSecond(sent.sent, sent.startedAt, lastAt),
        offeredPerSecond: perSecond(sent.sent, sent.startedAt, sent.endedAt),
        seconds: (lastAt - sent.startedAt) / 1000,
        delivery: delivery(sent.sent, bySink), use, agentLog: agentLogSince(rig, logFrom),
    };
}

function quantile(sorted: number[], q: number): number {
    if (sorted.length === 0) return NaN;
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export interface Latency {
    /** Seconds from the write into the agent's socket to the sink having it, per sink. */
    p50: Record<SinkName, number>;
    p99: Record<SinkName, number>;
    delivery: Delivery;
    use: Record<string, ProcessUse>;
    /** The canary, run on the same pipeline meanwhile: its p50 per sink beside the benchmark's. */
    canary: Record<SinkName, SinkComparison>;
}

/** How long after the phase the canary may take to find its last events of it (its wait, and a margin). */
const canaryFindsAllWithinMs = 120_000;

/**
 * (e) A steady stream for `latencySeconds`: for every event, from its write to its first arrival in each sink. The
 * canary service runs meanwhile on the same pipeline, as the local stack runs it (its lines through the agent as
 * Docker's log driver sends them, read back from the three sinks with its probes), and its latency histogram over
 * the phase is compared with the benchmark's own figures.
 */
export async function latency(rig: Rig, s: Settings): Promise<Latency> {
    const pipeline = rig.pipeline!;
    const runId = newRunId();
    const count = s.rate * s.latencySeconds;
    const agent = logDriverSender(pipeline.agentPort);
    // Its lines reach the agent only while the benchmark's stream runs: its latencies are those of that load alone.
    const canary = await startLoopbackCanary({ resources: rig.resources, outputs: rig.outputs, dir: path.join(pipeline.dir, "canary"), agent, env: {}, relaying: false });
    rig.meter.track("canary", () => canary.canary.pid());
    try {
        const before = await canary.canary.metrics();
        rig.meter.begin();
        canary.relay(true);
        await rig.sender.request("start", { port: pipeline.agentPort, runId, first: 0, count, rate: s.rate, recordTimes: true });
        const sent = await rig.sender.request<SendResult>("result");
        canary.relay(false);
        const bySink = await waitForAll(rig, runId, 0, sent.sent);
        const use = rig.meter.end();
        // Every canary event of the stream found in every sink (or given up on, at the canary's wait).
        const found = (m: Map<string, number>, sink: SinkName) =>
            (m.get(`dle_canary_received_total{sink="${sink}"}`) ?? 0) + (m.get(`dle_canary_missing_total{sink="${sink}"}`) ?? 0) - (m.get(`dle_canary_late_total{sink="${sink}"}`) ?? 0);
        const after = await pollUntil("the canary's events of the phase found in every sink", () => canary.canary.metrics(),
            (m) => sinkNames.every((sink) => found(m, sink) - found(before, sink) >= canary.linesRelayed()), canaryFindsAllWithinMs);
        const p50: Partial<Record<SinkName, number>> = {};
        const p99: Partial<Record<SinkName, number>> = {};
        const compared: Partial<Record<SinkName, SinkComparison>> = {};
        for (const sink of sinkNames) {
            const seen = await rig.sinks[sink].request<Float64Array>("firstSeen", { runId, first: 0, count: sent.sent });
            const seconds = Array.from(seen, (t, n) => (t - sent.sentAt![n]) / 1000).filter((_, n) => seen[n] > 0).sort((a, b) => a - b);
            p50[sink] = quantile(seconds, 0.5);
            p99[sink] = quantile(seconds, 0.99);
            compared[sink] = compareP50(p50[sink]!, histogramSince(latencyHistogram(before, sink), latencyHistogram(after, sink)));
        }
        await forget(rig, runId);
        return {
            p50: p50 as Record<SinkName, number>, p99: p99 as Record<SinkName, number>, delivery: delivery(sent.sent, bySink), use,
            canary: compared as Record<SinkName, SinkComparison>,
        };
    } finally {
        rig.meter.untrack("canary");
        await canary.stop();
        await agent.close();
    }
}

/** How a failover trial takes the primary away: hung, dead, or cut off by the network (tests/support/network-cut.ts). */
export type Fault = "SIGSTOP" | "SIGKILL" | "network cut";

export interface Trial {
    how: Fault;
    /** Seconds from the fault to the first event stored through the secondary. */
    gapSeconds?: number;
    /**
     * Seconds from the fault to the last stored of the events sent in the second before it: the chunks in flight to the
     * primary (sent, their ack outstanding), which the agent must send again to the secondary.
     */
    inFlightSeconds?: number;
    /**
     * Seconds from the primary's return (SIGCONT, the restarted process answering, the cut healed) to the first event
     * sent since then stored through it.
     */
    returnSeconds?: number;
    delivery: Delivery;
    stoppedAt: number;
    restoredAt: number;
    returnedAt?: number;
    /** Events per second stored in the store, by forwarder, in 1 s bins around the trial. */
    timeline: { seconds: number; forwarder: string; eventsPerSecond: number }[];
}

export interface Failover {
    trials: Trial[];
    /** Faults not tried on this machine, with the reason (a network cut needs iptables as root). */
    notTried: { how: Fault; reason: string }[];
    delivery: Delivery;
    use: Record<string, ProcessUse>;
}

/** Polls the store until an event numbered from `fromN` arrives through `forwarder` at or after `after`. */
async function firstThrough(rig: Rig, runId: string, forwarder: string, after: number, fromN: number, boundMs = 90_000): Promise<number | undefined> {
    while (Date.now() - after < boundMs) {
        const at = await rig.sinks.store.request<number>("firstThrough", { runId, forwarder, after, fromN });
        if (at > 0) return at;
        await sleep(100);
    }
    return undefined;
}

/** Takes the primary away in one way, and brings it back. */
interface FaultControl {
    how: Fault;
    take(): Promise<void>;
    restore(): Promise<void>;
}

function faultControls(pipeline: NonNullable<Rig["pipeline"]>): { controls: FaultControl[]; notTried: Failover["notTried"] } {
    const primary = pipeline.primary;
    const controls: FaultControl[] = [
        { how: "SIGSTOP", take: async () => primary.signal("SIGSTOP"), restore: async () => primary.signal("SIGCONT") },
        { how: "SIGKILL", take: async () => { primary.signal("SIGKILL"); await primary.exited(); }, restore: () => primary.restart() },
    ];
    const { iptables, reason } = findIptables();
    if (iptables === undefined) return { controls, notTried: [{ how: "network cut", reason: reason! }] };
    const link = loopbackCut(iptables, pipeline.primaryPort);
    controls.push({ how: "network cut", take: async () => link.cut(), restore: async () => link.heal() });
    return { controls, notTried: [] };
}

/**
 * (d) Under a steady stream, the primary is taken away (each fault `trials` times, in turn), held away a few seconds
 * after the secondary took over, then brought back, until events sent since then are stored through it again.
 */
export async function failover(rig: Rig, s: Settings): Promise<Failover> {
    const pipeline = rig.pipeline!;
    const runId = newRunId();
    const binMs = 1000;
    const { controls, notTried } = faultControls(pipeline);
    rig.meter.begin();
    await rig.sender.request("start", { port: pipeline.agentPort, runId, first: 0, count: s.rate * 3600, rate: s.rate });
    const sentSoFar = async () => (await rig.sender.request<{ sent: number }>("progress")).sent;
    // Flowing through the primary first.
    await firstThrough(rig, runId, "primary", 0, 0);
    const trials: (Omit<Trial, "delivery" | "timeline" | "inFlightSeconds"> & { firstN: number })[] = [];
    const ranges: [number, number][] = [];
    for (let i = 0; i < s.trials * controls.length; i++) {
        const control = controls[i % controls.length];
        await sleep(5_000);
        const firstN = await sentSoFar();
        const stoppedAt = Date.now();
        await control.take();
        const switched = await firstThrough(rig, runId, "secondary", stoppedAt, 0);
        // The secondary carries the stream for a while; then the primary comes back.
        await sleep(5_000);
        await control.restore();
        const restoredAt = Date.now();
        const sentSinceRestore = await sentSoFar();
        const returned = await firstThrough(rig, runId, "primary", restoredAt, sentSinceRestore);
        await sleep(3_000);
        ranges.push([firstN, await sentSoFar()]);
        trials.push({
            how: control.how, stoppedAt, restoredAt, returnedAt: returned, firstN,
            gapSeconds: switched === undefined ? undefined : (switched - stoppedAt) / 1000,
            returnSeconds: returned === undefined ? undefined : (returned - restoredAt) / 1000,
        });
    }
    const sent = await rig.sender.request<SendResult>("stop");
    const all = await waitForAll(rig, runId, 0, sent.sent);
    const use = rig.meter.end();
    const result: Trial[] = [];
    for (const [i, { firstN, ...t }] of trials.entries()) {
        const [first, end] = ranges[i];
        const from = t.stoppedAt - 5_000;
        const to = (t.returnedAt ?? t.restoredAt) + 5_000;
        const bins = await rig.sinks.store.request<{ binStart: number; forwarder: string; events: number }[]>("timeline", { runId, from, to, binMs });
        const inFlight = Math.min(s.rate, firstN);
        const lastInFlight = (await rig.sinks.store.request<RangeSummary>("summary", { runId, first: firstN - inFlight, count: inFlight })).lastFirstSeen;
        result.push({
            ...t,
            inFlightSeconds: lastInFlight > 0 ? Math.max(0, (lastInFlight - t.stoppedAt) / 1000) : undefined,
            delivery: delivery(end - first, await summaries(rig, runId, first, end - first)),
            timeline: bins.map((b) => ({ seconds: (b.binStart - t.stoppedAt) / 1000, forwarder: b.forwarder, eventsPerSecond: b.events * (1000 / binMs) })),
        });
    }
    await forget(rig, runId);
    return { trials: result, notTried, delivery: delivery(sent.sent, all), use };
}

export interface Drain {
    eventsPerSecond: number;
    /** How fast the agent took the backlog in while both forwarders were down. */
    acceptedPerSecond: number;
    seconds: number;
    delivery: Delivery;
    use: Record<string, ProcessUse>;
}

/**
 * (c) Both forwarders down (stopped cleanly); `backlog` events sent to the agent as fast as it takes them; then both
 * forwarders start again. The drain runs from the moment both answer until the last event is in the last sink.
 */
export async function drain(rig: Rig, s: Settings): Promise<Drain> {
    const pipeline = rig.pipeline!;
    const runId = newRunId();
    rig.meter.begin();
    await Promise.all([pipeline.primary.stop(), pipeline.secondary.stop()]);
    await rig.sender.request("start", { port: pipeline.agentPort, runId, first: 0, count: s.backlog });
    const accepted = await rig.sender.request<SendResult>("result");
    await Promise.all([pipeline.primary.restart(), pipeline.secondary.restart()]);
    const upAt = Date.now();
    const bySink = await waitForAll(rig, runId, 0, accepted.sent);
    const use = rig.meter.end();
    const lastAt = Math.max(...sinkNames.map((n) => bySink[n].lastFirstSeen));
    await forget(rig, runId);
    return {
        eventsPerSecond: perSecond(accepted.sent, upAt, lastAt),
        acceptedPerSecond: perSecond(accepted.sent, accepted.startedAt, accepted.endedAt),
        seconds: (lastAt - upAt) / 1000,
        delivery: delivery(accepted.sent, bySink), use,
    };
}

async function forget(rig: Rig, runId: string): Promise<void> {
    await Promise.all(sinkNames.map((n) => rig.sinks[n].request("forget", { runId })));
}

/**
 * A forwarder-alone variant: how many workers, and its outputs: the real sinks, out_null in place of each ("null"),
 * or one sink real and out_null for the other two (what that sink's output costs).
 */
export interface AloneVariant {
    workers: number;
    outputs: "sinks" | "null" | SinkName;
}

/** With null outputs, so that on a small machine the sinks' own CPU does not cap the second worker; then with the sinks. */
export const aloneVariants: AloneVariant[] = [
    { workers: 1, outputs: "null" }, { workers: 2, outputs: "null" }, { workers: 1, outputs: "sinks" }, { workers: 2, outputs: "sinks" },
];

/** Variants written `<workers><outputs>`, comma-separated: "1null,2null,1sinks,2sinks,1store,1search,1archive". */
export function parseAloneVariants(text: string): AloneVariant[] {
    return text.split(",").map((v) => v.trim()).filter((v) => v !== "").map((v) => {
        const m = /^(\d+)(null|sinks|store|search|archive)$/.exec(v);
        if (m === null || Number(m[1]) < 1) throw new Error(`\`DLE_BENCH_ALONE_VARIANTS\`: ${JSON.stringify(v)} is no <workers><null|sinks|store|search|archive>, like 2null`);
        return { workers: Number(m[1]), outputs: m[2] as AloneVariant["outputs"] };
    });
}

/** What a variant's outputs are, in words. */
export function aloneOutputs(v: AloneVariant): string {
    return v.outputs === "null" ? "null outputs" : v.outputs === "sinks" ? "the sinks" : `the ${v.outputs} sink, null outputs for the others`;
}

export interface Alone extends AloneVariant {
    /** Events per second into the forwarder (null outputs) or into the last sink (the sinks). */
    eventsPerSecond: number;
    events: number;
    seconds: number;
    /** The forwarder's CPU per event, its supervisor, workers and the processes they ran (gzip) counted. */
    cpuMicrosecondsPerEvent: number;
    /** Its peak RSS, supervisor and workers summed. */
    peakRssMb: number;
    delivery?: Delivery;
    use: Record<string, ProcessUse>;
}

/**
 * forwarder.conf with out_null, on the same file buffers, in place of each sink but `keep`: what the forwarder itself
 * costs (TLS, the shared key, acks, the metrics filter, three buffers) without that sink's client. Its includes are
 * made absolute, since it is written elsewhere.
 */
export function writeNullSinksConfig(fluentdDir: string, dir: string, keep?: SinkName): string {
    const text = fs.readFileSync(path.join(fluentdDir, "forwarder.conf"), "utf8");
    const absolute = text.replace(/^(\s*@include\s+)("?)(?!\/)/gm, (_, include: string, quote: string) => `${include}${quote}${fluentdDir}/`);
    const match = /^<match docker\.\*\* \*-firelens-\*\* app\.\*\*>\n[^]*?^<\/match>\n/m;
    const block = match.exec(absolute)?.[0];
    if (block === undefined) throw new Error("forwarder.conf has no <match docker.** *-firelens-** app.**> block to replace");
    // Each sink's own part of the block, as forwarder.conf has it.
    const real: Record<SinkName, RegExp> = {
        store: /^ {2}<store>\n {4}@type dle_mongo\n[^]*?^ {2}<\/store>$/m,
        search: /^ {2}@include "[^"]*\/search\.conf"$/m,
        archive: /^ {2}<store>\n {4}@type s3\n[^]*?^ {2}<\/store>$/m,
    };
    const buffer = (sink: SinkName) => [
        sink === "archive" ? "<buffer time>" : "<buffer>", "  @type file", `  path "#{ENV.fetch('FLUENTD_BUFFER_DIR')}/forwarder/${sink}"`,
        ...(sink === "archive"
            ? ["  timekey \"#{ENV.fetch('ARCHIVE_SLICE_SECONDS')}\"", "  timekey_use_utc true", "  flush_interval \"#{ENV.fetch('ARCHIVE_FLUSH_INTERVAL')}\""]
            : ["  flush_interval \"#{ENV.fetch('FORWARDER_FLUSH_INTERVAL')}\""]),
        `  @include ${fluentdDir}/sink-buffer.conf`, "</buffer>",
    ].join("\n");
    const nullStore = (sink: SinkName) => ["<store>", "  @type null", `  @id ${sink}`, buffer(sink).replace(/^/gm, "  "), "</store>"].join("\n").replace(/^/gm, "  ");
    const stores = sinkNames.map((sink) => {
        if (sink !== keep) return nullStore(sink);
        const found = real[sink].exec(block)?.[0];
        if (found === undefined) throw new Error(`forwarder.conf's <match> has no ${sink} sink where the benchmark looks for it`);
        return found;
    });
    const config = path.join(dir, `forwarder-null-sinks${keep ? `-but-${keep}` : ""}.conf`);
    fs.writeFileSync(config, absolute.replace(block, ["<match docker.** *-firelens-** app.**>", "  @type copy", "  @id to_sinks", ...stores, "</match>\n"].join("\n")));
    return config;
}

interface OutputCounts { emitted: number; queuedBytes: number }

/** Summed over the workers' monitors (worker N's on the monitor port + N): events into `store`, bytes queued in every output. */
async function outputCounts(monitorPort: number, workers: number): Promise<OutputCounts> {
    let emitted = 0;
    let queuedBytes = 0;
    for (let w = 0; w < workers; w++) {
        const body = await fetch(`http://127.0.0.1:${monitorPort + w}/api/plugins.json`).then((r) => r.json()) as { plugins: (MonitorPlugin & { buffer_total_queued_size?: number })[] };
        for (const p of body.plugins) {
            if (p.plugin_id === "store") emitted += p.emit_records ?? 0;
            if (["store", "search", "archive"].includes(p.plugin_id)) queuedBytes += p.buffer_total_queued_size ?? 0;
        }
    }
    return { emitted, queuedBytes };
}

/**
 * The forwarder alone: both forwarders down, `events` events sent into the agent, which keeps them as chunks in its
 * buffer (the agent's own format, what a forwarder receives); then only the primary starts, as `variant` says, and
 * takes the backlog. The agent only sends chunks it has already made meanwhile. With the sinks, the time runs until
 * the last event is in the last sink; with null outputs, until the last event is in the forwarder's buffers (its CPU
 * until they are flushed too).
 */
export async function forwarderAlone(rig: Rig, events: number, variant: AloneVariant, config: string, realConfig: string): Promise<Alone> {
    const pipeline = rig.pipeline!;
    const runId = newRunId();
    await Promise.all([pipeline.primary.stop(), pipeline.secondary.stop()]);
    await rig.sender.request("start", { port: pipeline.agentPort, runId, first: 0, count: events });
    await rig.sender.request<SendResult>("result");
    const monitorPort = pipeline.primary.monitorPort;
    await pipeline.primary.restart({ FORWARDER_WORKERS: String(variant.workers) }, config);
    // From its start on, without the start itself (loading Ruby and the plugins): what it took meanwhile is not counted.
    let early = 0;
    // Worker 0's monitor answers once the start is over; the others' may take a moment more.
    const intoBuffers = variant.outputs !== "sinks";
    for (let i = 0; intoBuffers && i < 120; i++) {
        const now = await outputCounts(monitorPort, variant.workers).catch(() => undefined);
        if (now !== undefined) { early = now.emitted; break; }
        await sleep(250);
    }
    rig.meter.begin();
    const startedAt = Date.now();
    let result: Pick<Alone, "eventsPerSecond" | "seconds" | "delivery">;
    if (!intoBuffers) {
        const bySink = await waitForAll(rig, runId, 0, events);
        const lastAt = Math.max(...sinkNames.map((n) => bySink[n].lastFirstSeen));
        result = { eventsPerSecond: perSecond(events, startedAt, lastAt), seconds: (lastAt - startedAt) / 1000, delivery: delivery(events, bySink) };
        await forget(rig, runId);
    } else {
        // Bounded like waitForAll: 30 min.
        let inAt: number | undefined;
        for (const deadline = Date.now() + 1_800_000; Date.now() < deadline; await sleep(250)) {
            const now = await outputCounts(monitorPort, variant.workers).catch(() => undefined);
            if (now === undefined) continue;
            if (inAt === undefined && now.emitted >= events) inAt = Date.now();
            if (inAt !== undefined && now.queuedBytes === 0) break;
        }
        if (inAt === undefined) throw new Error(`the forwarder alone (${variant.workers} workers, null outputs) took fewer than ${events} events in 30 min`);
        result = { eventsPerSecond: perSecond(events - early, startedAt, inAt), seconds: (inAt - startedAt) / 1000 };
    }
    const use = rig.meter.end();
    // Back as the pipeline was: both forwarders, the real config, one worker each.
    await pipeline.primary.stop();
    await pipeline.primary.restart({ FORWARDER_WORKERS: "1" }, realConfig);
    await pipeline.secondary.restart();
    return {
        ...variant, ...result, events, use,
        cpuMicrosecondsPerEvent: Math.round((use.primary.cpuSeconds * 1e6) / (events - early) * 10) / 10,
        peakRssMb: use.primary.peakRssMb,
    };
}
