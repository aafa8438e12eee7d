/**
 * Forward-protocol frames as Docker's fluentd log driver sends them: Message mode, one event per message,
 * `[tag, time, record]` with the record the driver makes (container_id, container_name, source, log). Each event's
 * log line is an nginx access line that carries a marker, `dle-verify=<runId>-<n>` (the verification suite's
 * form), by which the sinks count every event.
 *
 * The frame is encoded once; an event's frame is that template with its number's digits and the time written in
 * place, so the sender costs a copy per event, not an encoding: it must be far faster than what it measures.
 */
import { encode } from "@msgpack/msgpack";
import { accessLine } from "../support/log-lines";
import { markerParameter } from "../verify/probes";

/** Event numbers are written with this many digits, so every frame has the same length. */
const digits = 9;
/** The tag Docker's log driver gives the webapp's events (its log tag); the agent prefixes `docker.` and parses them as nginx's. */
const benchTag = "webapp";

export interface FrameTemplate {
    readonly frame: Buffer;
    /** Where the 4-byte big-endian time (msgpack uint32) is. */
    readonly timeOffset: number;
    /** Where the event number's digits are. */
    readonly digitsOffset: number;
}

/** The marker of event `n` of run `runId`, as the log line carries it. */
export function marker(runId: string, n: number): string {
    return `${runId}-${String(n).padStart(digits, "0")}`;
}

/** When the bench's access lines say nginx served them: the process's start, so every event lands in today's index. */
const servedAt = Number((Date.now() / 1000).toFixed(3));

/** A ~400-byte access line in the webapp's JSON log_format (as the agent parses it), carrying the marker. */
function benchLine(runId: string, n: number): string {
    return accessLine({ marker: marker(runId, n), path: "/products/42", requestId: "0".repeat(32), time: servedAt });
}

/** The record Docker's log driver sends for one line of the webapp. */
export function benchRecord(runId: string, n: number): Record<string, string> {
    return { container_id: "4f2a9c0e1b7d3a6f8e5c2b1a0d9e8f7c6b5a4d3e2f1a0b9c8d7e6f5a4b3c2d1e", container_name: "/dle-webapp", source: "stdout", log: benchLine(runId, n) };
}

export function frameTemplate(runId: string): FrameTemplate {
    // 0xffffffff makes msgpack use uint32 for the time, so any later time fits in the same 4 bytes.
    const frame = Buffer.from(encode([benchTag, 0xffffffff, benchRecord(runId, 0)]));
    const timeOffset = frame.indexOf(Buffer.from([0xce, 0xff, 0xff, 0xff, 0xff])) + 1;
    const digitsOffset = frame.indexOf(marker(runId, 0)) + runId.length + 1;
    if (timeOffset < 1 || digitsOffset <= runId.length) throw new Error("the frame template has no time or marker where expected");
    return { frame, timeOffset, digitsOffset };
}

/** Frames of events `first` .. `first + count - 1`, stamped with `time` (Unix seconds), end to end in one buffer. */
export function framesFor(template: FrameTemplate, first: number, count: number, time: number): Buffer {
    const { frame, digitsOffset } = template;
    frame.writeUInt32BE(time, template.timeOffset);
    const size = frame.length;
    const out = Buffer.allocUnsafe(size * count);
    for (let i = 0; i < count; i++) {
        const at = i * size;
        frame.copy(out, at);
        // The number's decimal digits, right to left, zero-padded: no string per event.
        let value = first + i;
        for (let d = at + digitsOffset + digits - 1; d >= at + digitsOffset; d--) {
            out[d] = 48 + (value % 10);
            value = Math.floor(value / 10);
        }
    }
    return out;
}

/** `dle-verify=<runId>-<n>` in a text: the run and the event number. */
export const markerPattern = new RegExp(`${markerParameter}=([0-9a-z]+)-(\\d{${digits}})`);
