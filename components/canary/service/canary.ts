/**
 * The canary's bookkeeping, without I/O: each event it logs is numbered (`<runId>-<seq>`) and tracked in every sink
 * until it is found there. Per sink it counts:
 *   received    events found (at their first sighting), on time or late;
 *   missing     events not found within the wait: counted once, when the wait ends;
 *   late        missing events found after all (within the late window);
 *   duplicated  copies beyond the first of an event (at-least-once delivery may store one twice);
 * and gives each found event's latency (from its logging to the start of the read that found it: within one poll of
 * its arrival, since the read before had not found it; the read's own time, long on a busy machine, is not counted)
 * and the sending time of the newest event found. Found events are kept for one wait more, to see copies
 * that arrive later; missing ones until the late window ends. ./server.ts does the logging and the reading.
 */

/** The field name of the canary's marker in its line: `dle-canary=<runId>-<seq>`. */
export const canaryMarker = "dle-canary";

/**
 * When the event of the interval `tick` (from 0) is logged: at a random moment of its interval, so that one event is
 * logged in every interval, but each at another phase. On a fixed schedule its events would meet the pipeline's flush
 * timers (the agent's every second, the forwarders' every 0.5 s) and the canary's own reads always at the same phase:
 * every event would wait the same part of a flush and of a poll, and the latencies would be that run's constant, not
 * the spread that an application's events see. The benchmark's comparison with its own latency showed it.
 */
export function sendingTime(startMs: number, tick: number, intervalMs: number, random: () => number = Math.random): number {
    return startMs + (tick + random()) * intervalMs;
}

/** Where the figures go (Prometheus's metrics, CloudWatch's): one call per thing that happened. */
export interface CanaryRecorder {
    sent(): void;
    received(sink: string, latencySeconds: number): void;
    missing(sink: string): void;
    late(sink: string): void;
    duplicated(sink: string, copies: number): void;
    /** The sending time (ms since the epoch) of the newest event found in the sink so far. */
    lastEvent(sink: string, sentAtMs: number): void;
    readError(sink: string): void;
}

/** What the canary needs of a sink probe (components/canary/service/probes.ts). */
export interface CanaryReader {
    readonly sink: string;
    sightings(runId: string, since: Date): Promise<{ marker: string }[]>;
}

export interface CanaryOptions {
    runId: string;
    sinks: string[];
    waitMs: number;
    /** How long after its sending a missing event is still looked for. */
    lateWindowMs: number;
    recorder: CanaryRecorder;
    /** How far the sinks' clocks (their events' times) may be behind the canary's; 60 s unless given. */
    skewMs?: number;
    now?: () => number;
}

interface Tracked {
    sentAt: number;
    /** Copies seen so far (0: not found yet). */
    copies: number;
    missing: boolean;
}

export class Canary {
    readonly runId: string;
    private seq = 0;
    private readonly tracked = new Map<string, Map<number, Tracked>>();
    private readonly newest = new Map<string, number>();
    private readonly options: Required<CanaryOptions>;

    constructor(options: CanaryOptions) {
        this.options = { skewMs: 60_000, now: Date.now, ...options };
        this.runId = options.runId;
        for (const sink of options.sinks) this.tracked.set(sink, new Map());
    }

    /** The next event's line (one JSON object, of the log type `app`), tracked in every sink from now. */
    next(): string {
        const seq = this.seq++;
        const sentAt = this.options.now();
        for (const events of this.tracked.values()) events.set(seq, { sentAt, copies: 0, missing: false });
        this.options.recorder.sent();
        return JSON.stringify({ level: "info", message: `canary event ${canaryMarker}=${this.runId}-${seq}` });
    }

    /** Events tracked in a sink: not found yet, or found less than a wait ago. */
    trackedIn(sink: string): number {
        return this.events(sink).size;
    }

    /**
     * One read of a sink: every tracked event found there is counted, then every event whose wait has ended
     * unfound is counted missing. Also when the read fails (a sink that cannot be read holds nothing the canary can
     * see); the read's error is then counted and thrown on.
     */
    async read(reader: CanaryReader): Promise<void> {
        const events = this.events(reader.sink);
        try {
            if (events.size === 0) return;
            // Events are tracked in the order they were sent: the first is the oldest.
            const oldest = events.values().next().value!.sentAt;
            // The sink answers from what it holds when the request reaches it: when the read starts, not when its
            // answer has been read.
            const askedAt = this.options.now();
            const sightings = await reader.sightings(this.runId, new Date(oldest - this.options.skewMs));
            this.found(reader.sink, events, sightings.map((s) => s.marker), askedAt);
        } catch (error) {
            this.options.recorder.readError(reader.sink);
            throw error;
        } finally {
            this.expire(reader.sink, events, this.options.now());
        }
    }

    private events(sink: string): Map<number, Tracked> {
        const events = this.tracked.get(sink);
        if (events === undefined) throw new Error(`The canary tracks no sink named ${sink}`);
        return events;
    }

    private found(sink: string, events: Map<number, Tracked>, markers: string[], askedAt: number): void {
        const { recorder } = this.options;
        const copies = new Map<number, number>();
        const prefix = `${this.runId}-`;
        for (const marker of markers) {
            if (!marker.startsWith(prefix)) continue;
            const seq = Number(marker.slice(prefix.length));
            copies.set(seq, (copies.get(seq) ?? 0) + 1);
        }
        for (const [seq, seen] of copies) {
            const event = events.get(seq);
            // An event no longer tracked (found more than a wait ago, or given up on): nothing more to learn.
            if (event === undefined) continue;
            if (event.copies === 0) {
                recorder.received(sink, Math.max(0, askedAt - event.sentAt) / 1000);
                if (event.missing) recorder.late(sink);
                if (event.sentAt > (this.newest.get(sink) ?? -Infinity)) {
                    this.newest.set(sink, event.sentAt);
                    recorder.lastEvent(sink, event.sentAt);
                }
            }
            if (seen > Math.max(event.copies, 1)) recorder.duplicated(sink, seen - Math.max(event.copies, 1));
            event.copies = Math.max(event.copies, seen);
        }
    }

    private expire(sink: string, events: Map<number, Tracked>, now: number): void {
        const { waitMs, lateWindowMs, recorder } = this.options;
        for (const [seq, event] of events) {
            const age = now - event.sentAt;
            if (event.copies === 0 && !event.missing && age > waitMs) {
                event.missing = true;
                recorder.missing(sink);
            }
            const done = event.copies > 0 ? age > 2 * waitMs : age > lateWindowMs;
            if (done) events.delete(seq);
        }
    }
}
