/**
 * The delivery check: which of a run's markers each sink holds, waited for within a bound, and reported
 * as a table (sink, expected, found, missing, duplicates, seconds to complete); and whether the events arrived
 * parsed and typed.
 */
import { Sighting, SinkName, SinkProbe, StoredEvent } from "./probes";
import { setTimeout as sleep } from "timers/promises";

export interface DeliveryRow {
    sink: SinkName;
    expected: number;
    /** Distinct markers found. */
    found: number;
    /** Markers not found, in send order. */
    missing: string[];
    /** Sightings beyond the first of each marker (at-least-once delivery may repeat an event). */
    duplicates: number;
    /** Seconds from the start of waiting until every marker was found; undefined if never. */
    seconds?: number;
    /** Markers found per forwarder ("primary", "secondary"), where the records say. */
    byForwarder: Record<string, number>;
    /** The event each found marker was first seen in, by marker. */
    events: Map<string, StoredEvent>;
}

/** `count` markers of a run, numbered from `first` (each phase of a run takes its own numbers). */
export function markersFor(runId: string, first: number, count: number): string[] {
    return Array.from({ length: count }, (_, i) => `${runId}-${first + i}`);
}

/** Tallies sightings against the expected markers. */
function tally(sink: SinkName, expected: string[], sightings: Sighting[]): DeliveryRow {
    const counts = new Map<string, number>();
    const byForwarder: Record<string, number> = {};
    const events = new Map<string, StoredEvent>();
    const wanted = new Set(expected);
    for (const s of sightings.filter((s) => wanted.has(s.marker))) {
        counts.set(s.marker, (counts.get(s.marker) ?? 0) + 1);
        if (counts.get(s.marker) === 1) events.set(s.marker, s.event);
        if (s.forwarder && counts.get(s.marker) === 1) byForwarder[s.forwarder] = (byForwarder[s.forwarder] ?? 0) + 1;
    }
    const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
    return {
        sink,
        expected: expected.length,
        found: counts.size,
        missing: expected.filter((m) => !counts.has(m)),
        duplicates,
        byForwarder,
        events,
    };
}

export interface WaitOptions {
    /** Give up after this long. */
    timeoutMs: number;
    /** Look again after this long. */
    pollMs: number;
    /** Only events since then are looked at. */
    since: Date;
    /** Progress lines ("store 87/100"), one per poll. */
    log?: (line: string) => void;
}

/**
 * Polls every probe until each holds all the markers or the time is up; never loops past `timeoutMs`.
 * An unreachable sink is checked first and fails at once, naming its endpoint.
 */
export async function waitForDelivery(probes: SinkProbe[], runId: string, expected: string[], options: WaitOptions): Promise<DeliveryRow[]> {
    await Promise.all(probes.map((p) => p.check()));
    const started = Date.now();
    const rows = new Map<SinkName, DeliveryRow>();
    const pending = new Set(probes);
    while (pending.size > 0) {
        for (const probe of [...pending]) {
            const row = tally(probe.sink, expected, await probe.sightings(runId, options.since));
            if (row.missing.length === 0) {
                row.seconds = (Date.now() - started) / 1000;
                pending.delete(probe);
            }
            rows.set(probe.sink, row);
        }
        options.log?.(probes.map((p) => `${p.sink} ${rows.get(p.sink)?.found ?? 0}/${expected.length}`).join("  "));
        if (pending.size === 0 || Date.now() - started + options.pollMs > options.timeoutMs) break;
        await sleep(options.pollMs);
    }
    return probes.map((p) => rows.get(p.sink)!);
}

/** The report table. */
export function formatReport(title: string, rows: DeliveryRow[]): string {
    const header = ["sink", "expected", "found", "missing", "duplicates", "seconds", "via forwarder"];
    const body = rows.map((r) => [
        r.sink, String(r.expected), String(r.found), String(r.missing.length), String(r.duplicates),
        r.seconds === undefined ? "-" : r.seconds.toFixed(1),
        Object.entries(r.byForwarder).map(([f, n]) => `${f} ${n}`).join(", ") || "-",
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
    return [title, line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** Throws, naming each sink and its first missing markers, unless every marker reached every sink. */
export function assertDelivered(rows: DeliveryRow[]): void {
    const failures = rows.filter((r) => r.missing.length > 0)
        .map((r) => `${r.sink}: ${r.missing.length} of ${r.expected} missing (first: ${r.missing.slice(0, 5).join(", ")})`);
    if (failures.length > 0) throw new Error(`Markers not delivered:\n${failures.join("\n")}`);
}

/** `what` of an event's field, for messages: its value and JavaScript type. */
function shown(value: unknown): string {
    return value === undefined ? "missing" : `${JSON.stringify(value)} (${value instanceof Date ? "date" : typeof value})`;
}

/**
 * What is wrong with a marker's stored events, where each should be an nginx access line parsed into typed fields
 * (docs/log-types.md): its app and log type, `status` the integer `status`, request and byte figures numbers, an
 * event id, a request id and a time, and no parse error. Empty when every found event is as it should be.
 */
export function accessEventProblems(rows: DeliveryRow[], status = 200): string[] {
    const problems: string[] = [];
    for (const row of rows) {
        for (const [marker, event] of row.events) {
            const wrong = (field: string, expected: string) => problems.push(`${row.sink}: ${marker}: ${field} is ${shown(event[field])}, expected ${expected}`);
            if (event.app !== "webapp") wrong("app", '"webapp"');
            if (event.log_type !== "nginx_access") wrong("log_type", '"nginx_access"');
            if (event.status !== status) wrong("status", `the integer ${status}`);
            if (typeof event.request_time !== "number") wrong("request_time", "a number of seconds");
            if (typeof event.bytes_sent !== "number" || !Number.isInteger(event.bytes_sent)) wrong("bytes_sent", "an integer");
            if (typeof event.event_id !== "string" || event.event_id === "") wrong("event_id", "the agent's id");
            if (typeof event.request_id !== "string" || event.request_id === "") wrong("request_id", "nginx's request id");
            if (event["@timestamp"] === undefined) wrong("@timestamp", "the event's time");
            if (event.parse_error !== undefined) wrong("parse_error", "none");
        }
    }
    return problems;
}

/** Throws, naming the first problems, unless every found event arrived parsed and typed. */
export function assertParsedAndTyped(rows: DeliveryRow[], status = 200): void {
    const problems = accessEventProblems(rows, status);
    if (problems.length > 0) throw new Error(`Events not parsed and typed as they should be (${problems.length}):\n${problems.slice(0, 10).join("\n")}`);
}
