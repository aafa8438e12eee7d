/**
 * An outage of the primary forwarder under a stream of events, for the failover scenarios: the events are labelled
 * with the phase they were sent in, so that a scenario can say which forwarder must have handled each one.
 */
import { LoopbackPipeline, logDriverClient } from "../support/loopback-pipeline";
import { accessLine } from "../support/log-lines";
import { DeliveryRow } from "../verify/delivery";
import { markerParameter, newRunId } from "../verify/probes";
import { duplicatesIn, lostIn } from "./fault-table";
import { setTimeout as sleep } from "timers/promises";

/**
 * before: the primary up; down: after the fault took effect; healing: while it is undone; after: once undone, until an
 * event of this phase is stored through the primary; back: from then on.
 */
export type Phase = "before" | "down" | "healing" | "after" | "back";

export interface Outage {
    /** Puts the fault in place; events sent from its end on are `down`. */
    down(): Promise<void>;
    /** How long the fault lasts, the stream going on. */
    holdMs: number;
    /** Undoes it. */
    up(): Promise<void>;
}

export interface StreamOptions {
    /**
     * Load beside the marked stream, in these phases: a client sending unmarked events (their own run id) as fast as
     * the agent takes them, {@link loadLimit} at most. The delivery checks read at most 10,000 events of a run, so the
     * load is counted apart ({@link ballastDelivered}).
     */
    loadIn?: Phase[];
    /** The forwarder the first events go through (default the primary). */
    startsThrough?: "primary" | "secondary";
}

export interface OutageRun {
    runId: string;
    /** Every marker sent, in order. */
    markers: string[];
    phaseOf: Map<string, Phase>;
    /** When the fault took effect and when it was undone (ms since the epoch). */
    downAt: number;
    upAt: number;
    /** When the first event sent after the fault's end was stored through the primary. */
    backAt: number;
    /** The load's run id and how many events it sent (0 without load). */
    ballast: { runId: string; sent: number };
}

/** The load's events, in batches of 200 in flight. */
const loadLimit = 60_000;

/** The forwarder that stored each marker in the store (the only copy: the store keeps one per event id). */
export function storedThrough(p: LoopbackPipeline): Map<string, string> {
    const prefix = `${markerParameter}=`;
    const through = new Map<string, string>();
    for (const doc of p.sinks.mongo.documents("applogs", "docker")) {
        const query = String(doc.query ?? "");
        if (query.startsWith(prefix)) through.set(query.slice(prefix.length), String(doc.forwarder));
    }
    return through;
}

/** Waits until one of `markers()` is in the store through `forwarder`; bounded by `timeoutMs`. */
async function firstThrough(p: LoopbackPipeline, forwarder: string, markers: () => string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const through = storedThrough(p);
        if (markers().some((m) => through.get(m) === forwarder)) return;
        if (Date.now() > deadline) throw new Error(`no event reached the store through the ${forwarder} within ${timeoutMs / 1000} s`);
        await sleep(250);
    }
}

/**
 * Streams events to the agent through the primary, applies `outage`, holds it, undoes it, and goes on until the agent
 * is back on the primary; then sends 100 more and stops. Returns what was sent in each phase.
 */
export async function streamThroughOutage(p: LoopbackPipeline, outage: Outage, options: StreamOptions = {}): Promise<OutageRun> {
    const runId = newRunId();
    const markers: string[] = [];
    const phaseOf = new Map<string, Phase>();
    let phase = "before" as Phase;
    let stopped = false;
    let backSent = 0;
    // ~100 marked events a second, each labelled with the phase it was sent in.
    const marked = (async () => {
        for (let i = 0; i < 20_000 && !stopped; i++) {
            const marker = `${runId}-${i}`;
            markers.push(marker);
            phaseOf.set(marker, phase);
            if (phase === "back") backSent++;
            await p.send([marker]);
            await sleep(10);
        }
    })();
    const ballast = { runId: newRunId(), sent: 0 };
    // The agent takes events in far faster than the pipeline delivers them (one emit per read): a bounded load keeps
    // the forwarders busy for tens of seconds with what the agent queued, where an unbounded one queues millions.
    const load = (async () => {
        const loadIn = new Set(options.loadIn ?? []);
        if (loadIn.size === 0) return;
        const client = logDriverClient(p.agentPort);
        try {
            // Bounded: by the limit, and by the end of the run.
            while (ballast.sent < loadLimit && !stopped) {
                if (!loadIn.has(phase)) { await sleep(100); continue; }
                const lines = Array.from({ length: 200 }, () => ({ container_id: "load", container_name: "/dle-webapp", source: "stdout", log: accessLine({ marker: `${ballast.runId}-${ballast.sent++}` }) }));
                await Promise.all(lines.map((line) => client.emit("webapp", line)));
            }
        } finally {
            await client.disconnect();
        }
    })();
    const inPhase = (wanted: Phase) => () => markers.filter((m) => phaseOf.get(m) === wanted);
    try {
        await firstThrough(p, options.startsThrough ?? "primary", inPhase("before"), 60_000);
        await outage.down();
        const downAt = Date.now();
        phase = "down";
        await sleep(outage.holdMs);
        phase = "healing";
        await outage.up();
        const upAt = Date.now();
        phase = "after";
        // A load's backlog is delivered first: the agent's buffer is a queue.
        await firstThrough(p, "primary", inPhase("after"), 600_000);
        const backAt = Date.now();
        phase = "back";
        for (let i = 0; i < 600 && backSent < 100; i++) await sleep(50);
        return { runId, markers, phaseOf, downAt, upAt, backAt, ballast };
    } finally {
        stopped = true;
        await Promise.all([marked, load]);
    }
}

/**
 * Waits until the store and the search index hold every event of the load, one copy each (their document id is the
 * event id); bounded by `timeoutMs`. Returns what is missing in each, [] when nothing.
 */
export async function ballastDelivered(p: LoopbackPipeline, run: OutageRun, timeoutMs: number): Promise<string[]> {
    const prefix = `${markerParameter}=${run.ballast.runId}-`;
    const count = (queries: unknown[]) => new Set(queries.map(String).filter((q) => q.startsWith(prefix))).size;
    const missing = () => {
        const store = count(p.sinks.mongo.documents("applogs", "docker").map((d) => d.query));
        const search = count(p.sinks.elasticsearch.documents("logstash-*").map((d) => d.source.query));
        return [["store", store], ["search", search]].filter(([, n]) => n !== run.ballast.sent).map(([sink, n]) => `${sink}: ${n} of ${run.ballast.sent}`);
    };
    const deadline = Date.now() + timeoutMs;
    while (missing().length > 0 && Date.now() < deadline) await sleep(1_000);
    return missing();
}

/** The markers of `run` sent in `phase` that the store did not get through `forwarder`, with the one it did. */
export function notThrough(p: LoopbackPipeline, run: OutageRun, phase: Phase, forwarder: string): string[] {
    const through = storedThrough(p);
    return run.markers.filter((m) => run.phaseOf.get(m) === phase && through.get(m) !== forwarder)
        .map((m) => `${m} (${through.get(m) ?? "not stored"})`);
}

/** How many markers of `run` were sent in `phase`. */
export function sentIn(run: OutageRun, phase: Phase): number {
    return run.markers.filter((m) => run.phaseOf.get(m) === phase).length;
}

/** What every scenario must show: nothing lost in any sink, no copy where the event id is the document id (store, search). */
export function expectNoneLostNorDuplicated(rows: DeliveryRow[]): void {
    expect(lostIn(rows)).toBe(0);
    expect(duplicatesIn(rows, ["store", "search"])).toBe(0);
}
