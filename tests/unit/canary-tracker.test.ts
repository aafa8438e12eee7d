/**
 * The canary's bookkeeping (components/canary/service/canary.ts) on a clock of the test's own: what it counts per sink
 * when events arrive on time, late, twice, never, or while a sink cannot be read.
 */
import { Canary, CanaryReader, CanaryRecorder, canaryMarker, sendingTime } from "../../components/canary/service/canary";

const runId = "vtestrun1";
const waitMs = 10_000;
const lateWindowMs = 60_000;

/** Every call the canary made, per sink. */
function recording() {
    const calls: string[] = [];
    const latencies: Record<string, number[]> = {};
    const lastEvent: Record<string, number> = {};
    const recorder: CanaryRecorder = {
        sent: () => calls.push("sent"),
        received: (sink, seconds) => { calls.push(`received ${sink}`); (latencies[sink] ??= []).push(seconds); },
        missing: (sink) => calls.push(`missing ${sink}`),
        late: (sink) => calls.push(`late ${sink}`),
        duplicated: (sink, copies) => calls.push(`duplicated ${sink} ${copies}`),
        lastEvent: (sink, sentAtMs) => { lastEvent[sink] = sentAtMs; },
        readError: (sink) => calls.push(`readError ${sink}`),
    };
    const count = (call: string) => calls.filter((c) => c === call).length;
    return { recorder, calls, latencies, lastEvent, count };
}

/** A sink that holds what the test puts into it, and can be made to fail. */
function fakeSink(sink: string) {
    const held: string[] = [];
    let failure: Error | undefined;
    const queries: Date[] = [];
    const reader: CanaryReader = {
        sink,
        async sightings(id, since) {
            queries.push(since);
            if (failure) throw failure;
            return held.filter((m) => m.startsWith(`${id}-`)).map((marker) => ({ marker }));
        },
    };
    return {
        reader, queries,
        hold: (...seqs: number[]) => held.push(...seqs.map((seq) => `${runId}-${seq}`)),
        fail: (error?: Error) => { failure = error; },
    };
}

function setUp(sinks = ["store", "search"]) {
    let now = 1_000_000;
    const rec = recording();
    const canary = new Canary({ runId, sinks, waitMs, lateWindowMs, recorder: rec.recorder, skewMs: 5_000, now: () => now });
    return { canary, rec, advance: (ms: number) => { now += ms; }, now: () => now };
}

describe("the canary's bookkeeping", () => {
    it("logs one JSON line per event of the log type app, with its marker, numbered from 0", () => {
        const { canary, rec } = setUp();
        const lines = [canary.next(), canary.next()];
        expect(lines.map((l) => JSON.parse(l))).toEqual([
            { level: "info", message: `canary event ${canaryMarker}=${runId}-0` },
            { level: "info", message: `canary event ${canaryMarker}=${runId}-1` },
        ]);
        expect(rec.count("sent")).toBe(2);
    });

    it("counts an event found in time as received, with its latency from the logging to the read, and nothing missing", async () => {
        const { canary, rec, advance } = setUp(["store"]);
        const store = fakeSink("store");
        canary.next();
        advance(1_500);
        store.hold(0);
        await canary.read(store.reader);
        expect(rec.calls).toEqual(["sent", "received store"]);
        expect(rec.latencies.store).toEqual([1.5]);
        advance(waitMs);
        await canary.read(store.reader);
        expect(rec.count("missing store")).toBe(0);
    });

    it("times an event to the start of the read that found it, not to its slow answer", async () => {
        const { canary, rec, advance } = setUp(["store"]);
        canary.next();
        advance(1_200);
        // A read that takes 3 s to answer, on a busy machine.
        const slow = { sink: "store", sightings: async () => { advance(3_000); return [{ marker: `${canary.runId}-0` }]; } };
        await canary.read(slow);
        expect(rec.latencies.store).toEqual([1.2]);
    });

    it("counts an event not found within the wait as missing, once, in that sink alone", async () => {
        const { canary, rec, advance } = setUp();
        const [store, search] = [fakeSink("store"), fakeSink("search")];
        canary.next();
        search.hold(0);
        advance(waitMs + 1);
        await canary.read(store.reader);
        await canary.read(search.reader);
        advance(1_000);
        await canary.read(store.reader);
        expect(rec.count("missing store")).toBe(1);
        expect(rec.count("missing search")).toBe(0);
        expect(rec.count("received search")).toBe(1);
    });

    it("counts a missing event found later as late and received, within the late window", async () => {
        const { canary, rec, advance } = setUp(["store"]);
        const store = fakeSink("store");
        canary.next();
        advance(waitMs + 1);
        await canary.read(store.reader);
        advance(20_000);
        store.hold(0);
        await canary.read(store.reader);
        expect(rec.calls).toEqual(["sent", "missing store", "received store", "late store"]);
        expect(rec.latencies.store).toEqual([(waitMs + 1 + 20_000) / 1000]);
    });

    it("gives up on a missing event after the late window: found later, it is not counted", async () => {
        const { canary, rec, advance } = setUp(["store"]);
        const store = fakeSink("store");
        canary.next();
        advance(lateWindowMs + 1);
        await canary.read(store.reader);
        expect(canary.trackedIn("store")).toBe(0);
        store.hold(0);
        canary.next();
        await canary.read(store.reader);
        expect(rec.count("received store")).toBe(0);
        expect(rec.count("late store")).toBe(0);
    });

    it("counts the copies of an event beyond the first as duplicated, also a copy that arrives at a later read, each once", async () => {
        const { canary, rec, advance } = setUp(["archive"]);
        const archive = fakeSink("archive");
        canary.next();
        canary.next();
        archive.hold(0, 0, 1);
        advance(1_000);
        await canary.read(archive.reader);
        await canary.read(archive.reader);
        expect(rec.calls.filter((c) => c.startsWith("duplicated"))).toEqual(["duplicated archive 1"]);
        archive.hold(1, 0);
        await canary.read(archive.reader);
        expect(rec.calls.filter((c) => c.startsWith("duplicated"))).toEqual(["duplicated archive 1", "duplicated archive 1", "duplicated archive 1"]);
        expect(rec.count("received archive")).toBe(2);
    });

    it("counts a failed read, still declares the overdue events missing, and throws the error on", async () => {
        const { canary, rec, advance } = setUp(["search"]);
        const search = fakeSink("search");
        canary.next();
        advance(waitMs + 1);
        search.fail(new Error("connect ECONNREFUSED"));
        await expect(canary.read(search.reader)).rejects.toThrow("connect ECONNREFUSED");
        expect(rec.calls).toEqual(["sent", "readError search", "missing search"]);
    });

    it("reads each sink from the oldest tracked event's time, less the clock skew, and forgets found events after two waits", async () => {
        const { canary, advance, now } = setUp(["store"]);
        const store = fakeSink("store");
        const first = now();
        canary.next();
        advance(3_000);
        canary.next();
        store.hold(0, 1);
        await canary.read(store.reader);
        expect(store.queries.at(-1)).toEqual(new Date(first - 5_000));
        advance(2 * waitMs - 1_000);
        await canary.read(store.reader);
        // The first is older than two waits now, the second not yet.
        expect(canary.trackedIn("store")).toBe(1);
        expect(store.queries.at(-1)).toEqual(new Date(first - 5_000));
        await canary.read(store.reader);
        expect(store.queries.at(-1)).toEqual(new Date(first + 3_000 - 5_000));
    });

    it("reports the sending time of the newest event found, per sink, never going back", async () => {
        const { canary, rec, advance, now } = setUp(["store"]);
        const store = fakeSink("store");
        canary.next();
        advance(1_000);
        const second = now();
        canary.next();
        store.hold(1);
        await canary.read(store.reader);
        expect(rec.lastEvent.store).toBe(second);
        store.hold(0);
        await canary.read(store.reader);
        expect(rec.lastEvent.store).toBe(second);
    });

    it("ignores markers of other runs and names an unknown sink", async () => {
        const { canary, rec } = setUp(["store"]);
        canary.next();
        const other: CanaryReader = { sink: "store", sightings: async () => [{ marker: "vother-0" }] };
        await canary.read(other);
        expect(rec.count("received store")).toBe(0);
        await expect(canary.read({ sink: "nowhere", sightings: async () => [] })).rejects.toThrow("The canary tracks no sink named nowhere");
    });
});

describe("the canary's logging times", () => {
    it("put one event in every interval, each at a random moment of it", () => {
        const randoms = [0, 0.999, 0.25, 0.5];
        const times = randoms.map((r, tick) => sendingTime(10_000, tick, 1_000, () => r));
        expect(times).toEqual([10_000, 11_999, 12_250, 13_500]);
        // With Math.random: each in its own interval, and not at one phase.
        const phases = Array.from({ length: 50 }, (_, tick) => sendingTime(0, tick, 1_000) - tick * 1_000);
        expect(phases.every((p) => p >= 0 && p < 1_000)).toBe(true);
        expect(Math.max(...phases) - Math.min(...phases)).toBeGreaterThan(500);
    });
});
