/**
 * An outage of the primary forwarder under a stream of events, for the failover scenarios: the events are labelled
 * with the phase they were sent in, so that a scenario can say which forwarder must have handled each one.
 */
import { LoopbackPipeline } from "../support/loopback-pipeline";
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
    /** Clients sending at once, each as fast as the agent takes its events (default 1). */
    senders?: number;
    /** A pause after each event of each sender, in ms (default 10: ~100 events a second per sender). */
    pauseMs?: number;
    /** No sender sends more than this many events in all (default 100,000). */
    limit?: number;
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
}

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
    let phase: Phase = "before";
    let stopped = false;
    let backSent = 0;
    const limit = options.limit ?? 100_000;
    const sender = async () => {
        for (let i = 0; i < limit && !stopped; i++) {
            const marker = `${runId}-${markers.length}`;
            markers.push(marker);
            phaseOf.set(marker, phase);
            if (phase === "back") backSent++;
            await p.send([marker]);
            if ((options.pauseMs ?? 10) > 0) await sleep(options.pauseMs ?? 10);
            else if (i % 100 === 0) await sleep(0);
        }
    };
    const senders = Promise.all(Array.from({ length: options.senders ?? 1 }, sender));
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
        await firstThrough(p, "primary", inPhase("after"), 120_000);
        const backAt = Date.now();
        phase = "back";
        for (let i = 0; i < 600 && backSent < 100; i++) await sleep(50);
        return { runId, markers, phaseOf, downAt, upAt, backAt };
    } finally {
        stopped = true;
        await senders;
    }
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
