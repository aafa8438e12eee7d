/**
 * What a sink received, by marker (tests/bench/frames.ts): for every event number of a run, how often it arrived,
 * when it first did, and through which forwarder. Kept in typed arrays, so millions of events cost a few bytes
 * each and the sink keeps none of the documents themselves.
 */
import { markerPattern } from "./frames";

export type Forwarder = "primary" | "secondary" | "other";
const forwarderCode: Record<Forwarder, number> = { primary: 1, secondary: 2, other: 3 };
const forwarderNames: Forwarder[] = ["other", "primary", "secondary", "other"];

class RunCounts {
    counts = new Uint8Array(1024);
    firstSeen = new Float64Array(1024);
    via = new Uint8Array(1024);
    distinct = 0;
    received = 0;
    lastAt = 0;

    add(n: number, forwarder: number, at: number): void {
        if (n >= this.counts.length) this.grow(n);
        if (this.counts[n] === 0) {
            this.distinct++;
            this.firstSeen[n] = at;
            this.via[n] = forwarder;
        }
        if (this.counts[n] < 255) this.counts[n]++;
        this.received++;
        this.lastAt = at;
    }

    private grow(n: number): void {
        const size = Math.max(n + 1, this.counts.length * 2);
        const grown = <T extends Uint8Array | Float64Array>(a: T, make: (size: number) => T): T => { const b = make(size); b.set(a); return b; };
        this.counts = grown(this.counts, (s) => new Uint8Array(s));
        this.firstSeen = grown(this.firstSeen, (s) => new Float64Array(s));
        this.via = grown(this.via, (s) => new Uint8Array(s));
    }
}

/** Events of `first` .. `first + count - 1`: how many arrived, how many are missing, extra copies. */
export interface RangeSummary {
    distinct: number;
    missing: number;
    duplicates: number;
    /** When the last of them first arrived (ms since the epoch), 0 when none did. */
    lastFirstSeen: number;
}

export class MarkerCounter {
    private readonly runs = new Map<string, RunCounts>();
    /** Every record seen, marked or not, for the sink's own ceiling. */
    records = 0;

    /** Counts one record from the text that carries its marker and the forwarder that handled it. */
    record(text: unknown, forwarder: unknown, at = Date.now()): void {
        this.records++;
        if (typeof text !== "string") return;
        const found = markerPattern.exec(text);
        if (found === null) return;
        let run = this.runs.get(found[1]);
        if (run === undefined) {
            run = new RunCounts();
            this.runs.set(found[1], run);
        }
        run.add(Number(found[2]), forwarderCode[forwarder as Forwarder] ?? forwarderCode.other, at);
    }

    progress(runId: string): { distinct: number; received: number; lastAt: number; records: number } {
        const run = this.runs.get(runId);
        return { distinct: run?.distinct ?? 0, received: run?.received ?? 0, lastAt: run?.lastAt ?? 0, records: this.records };
    }

    summary(runId: string, first: number, count: number): RangeSummary {
        const run = this.runs.get(runId);
        const s: RangeSummary = { distinct: 0, missing: 0, duplicates: 0, lastFirstSeen: 0 };
        for (let n = first; n < first + count; n++) {
            const c = run !== undefined && n < run.counts.length ? run.counts[n] : 0;
            if (c === 0) s.missing++;
            else {
                s.distinct++;
                s.duplicates += c - 1;
                s.lastFirstSeen = Math.max(s.lastFirstSeen, run!.firstSeen[n]);
            }
        }
        return s;
    }

    /** The earliest first arrival through `forwarder`, at or after `after`, among events numbered from `fromN`; 0 when none. */
    firstThrough(runId: string, forwarder: Forwarder, after: number, fromN = 0): number {
        const run = this.runs.get(runId);
        if (run === undefined) return 0;
        const code = forwarderCode[forwarder];
        let earliest = 0;
        for (let n = fromN; n < run.counts.length; n++) {
            const t = run.firstSeen[n];
            if (run.counts[n] > 0 && run.via[n] === code && t >= after && (earliest === 0 || t < earliest)) earliest = t;
        }
        return earliest;
    }

    /** When each event of the range first arrived (0: never). */
    firstSeen(runId: string, first: number, count: number): Float64Array {
        const out = new Float64Array(count);
        const run = this.runs.get(runId);
        if (run !== undefined) out.set(run.firstSeen.subarray(first, Math.min(first + count, run.firstSeen.length)));
        return out;
    }

    /** First arrivals per forwarder in bins of `binMs` from `from` to `to`. */
    timeline(runId: string, from: number, to: number, binMs: number): { binStart: number; forwarder: Forwarder; events: number }[] {
        const run = this.runs.get(runId);
        const bins = Math.ceil((to - from) / binMs);
        const counts = [new Array<number>(bins).fill(0), new Array<number>(bins).fill(0)];
        for (let n = 0; run !== undefined && n < run.counts.length; n++) {
            const t = run.firstSeen[n];
            const via = run.via[n];
            if (run.counts[n] === 0 || t < from || t >= to || (via !== 1 && via !== 2)) continue;
            counts[via - 1][Math.floor((t - from) / binMs)]++;
        }
        return counts.flatMap((series, i) => series.map((events, bin) => ({ binStart: from + bin * binMs, forwarder: forwarderNames[i + 1], events })));
    }

    forget(runId: string): void {
        this.runs.delete(runId);
    }
}
