/**
 * The benchmark's sender, in a process of its own: pre-encoded Message-mode frames (tests/bench/frames.ts) over one
 * TCP connection, as Docker's fluentd log driver sends a container's lines. Either as fast as the receiver takes
 * them, or at a steady rate; never past the number of events the benchmark allows (its window on what the sinks
 * have not stored yet).
 */
import * as net from "net";
import { setTimeout as sleep } from "timers/promises";
import { serve } from "./child";
import { FrameTemplate, frameTemplate, framesFor } from "./frames";

interface Start {
    port: number;
    runId: string;
    /** Event numbers first .. first + count - 1. */
    first: number;
    count: number;
    /** Events per second; as fast as possible when absent. */
    rate?: number;
    /** Events it may send before the next `allow` (all of them when absent). */
    allowed?: number;
    /** Records when each event was written (for latency), at steady rates. */
    recordTimes?: boolean;
}

interface Run {
    spec: Start;
    sent: number;
    allowed: number;
    stopped: boolean;
    startedAt: number;
    endedAt?: number;
    sentAt?: Float64Array;
    done: Promise<void>;
    error?: Error;
}

/** Events per write when sending as fast as possible: ~250 KB. */
const batch = 1000;
/** How often a steady sender writes what is due. */
const tickMs = 5;

let run: Run | undefined;

function connect(port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
        socket.setNoDelay(true);
        socket.once("error", reject);
    });
}

async function write(socket: net.Socket, data: Buffer): Promise<void> {
    if (socket.destroyed) throw new Error("the receiver closed the connection");
    if (socket.write(data)) return;
    await new Promise<void>((resolve, reject) => {
        const closed = () => reject(new Error("the receiver closed the connection"));
        socket.once("close", closed);
        socket.once("drain", () => { socket.off("close", closed); resolve(); });
    });
}

async function send(r: Run, socket: net.Socket, template: FrameTemplate): Promise<void> {
    const { first, count, rate } = r.spec;
    while (!r.stopped && r.sent < count) {
        const room = Math.min(count, r.allowed) - r.sent;
        const due = rate === undefined ? batch : Math.floor(((Date.now() - r.startedAt) / 1000) * rate) - r.sent;
        const n = Math.min(room, due, rate === undefined ? batch : Number.MAX_SAFE_INTEGER);
        if (n <= 0) {
            await sleep(room <= 0 ? 20 : tickMs);
            continue;
        }
        const now = Date.now();
        await write(socket, framesFor(template, first + r.sent, n, Math.floor(now / 1000)));
        r.sentAt?.fill(now, r.sent, r.sent + n);
        r.sent += n;
    }
    r.endedAt = Date.now();
    await new Promise<void>((resolve) => socket.end(resolve));
}

serve({
    async start(spec: Start) {
        if (run !== undefined && run.endedAt === undefined) throw new Error("a run is still sending");
        const socket = await connect(spec.port);
        const r: Run = {
            spec, sent: 0, allowed: spec.allowed ?? spec.count, stopped: false, startedAt: Date.now(),
            sentAt: spec.recordTimes ? new Float64Array(spec.count) : undefined,
            done: Promise.resolve(),
        };
        r.done = send(r, socket, frameTemplate(spec.runId)).catch((error: Error) => { r.error = error; r.endedAt = Date.now(); });
        run = r;
        return { startedAt: r.startedAt };
    },
    allow({ allowed }: { allowed: number }) {
        if (run) run.allowed = allowed;
    },
    progress() {
        return { sent: run?.sent ?? 0, at: Date.now() };
    },
    /** Stops sending (a steady stream has no natural end) and reports like `result`. */
    async stop() {
        if (run) run.stopped = true;
        return result();
    },
    result,
});

async function result() {
    if (run === undefined) throw new Error("nothing was sent");
    await run.done;
    if (run.error) throw run.error;
    return { sent: run.sent, startedAt: run.startedAt, endedAt: run.endedAt, sentAt: run.sentAt?.subarray(0, run.sent) };
}
