/**
 * The second application's check: for requests that went through nginx to the api, each sink must hold nginx's
 * access line and the api's record of the same request, sharing nginx's request id, each parsed and typed
 * (docs/log-types.md). Waited for within a bound, and reported as a table.
 */
import { WaitOptions } from "./delivery";
import { SinkName, SinkProbe, StoredEvent } from "./probes";
import { setTimeout as sleep } from "timers/promises";

/** One request to the api, as the sender saw it. */
export interface ApiRequest {
    /** The run's marker, in the request's query: it is in nginx's line, not in the api's record. */
    marker: string;
    route: string;
    status: number;
    /** nginx's request id, which the api echoes in its answer. */
    requestId: string;
}

export interface ApiRow {
    sink: SinkName;
    expected: number;
    /** Requests with both their nginx line and their api record in the sink. */
    found: number;
    /** Request ids lacking one of the two. */
    missing: string[];
    /** What is wrong with the events found. */
    problems: string[];
    seconds?: number;
}

/** What the api records of a request must be: an error with its stack for a 500, info otherwise. */
function appEventProblems(request: ApiRequest, event: StoredEvent): string[] {
    const problems: string[] = [];
    const wrong = (field: string, expected: string) =>
        problems.push(`${request.requestId}: the api's ${field} is ${JSON.stringify(event[field])}, expected ${expected}`);
    if (event.app !== "api") wrong("app", '"api"');
    if (event.log_type !== "app") wrong("log_type", '"app"');
    if (event.route !== request.route) wrong("route", JSON.stringify(request.route));
    if (typeof event.duration_ms !== "number") wrong("duration_ms", "a number");
    if (typeof event.event_id !== "string") wrong("event_id", "the agent's id");
    if (typeof event.log !== "string") wrong("log", "the record's JSON line");
    if (request.status >= 500) {
        if (event.level !== "error") wrong("level", '"error"');
        if (typeof event.error_type !== "string") wrong("error_type", "the error's type");
        if (typeof event.stack !== "string" || !event.stack.includes("\n    at ")) wrong("stack", "a multi-line stack trace, in one event");
    } else if (event.level !== "info") {
        wrong("level", '"info"');
    }
    return problems;
}

function nginxEventProblems(request: ApiRequest, event: StoredEvent): string[] {
    const problems: string[] = [];
    if (event.status !== request.status) problems.push(`${request.requestId}: nginx's status is ${JSON.stringify(event.status)}, expected the integer ${request.status}`);
    if (event.path !== request.route) problems.push(`${request.requestId}: nginx's path is ${JSON.stringify(event.path)}, expected ${JSON.stringify(request.route)}`);
    if (typeof event.request_time !== "number") problems.push(`${request.requestId}: nginx's request_time is ${JSON.stringify(event.request_time)}, expected a number`);
    return problems;
}

function tally(sink: SinkName, requests: ApiRequest[], events: StoredEvent[]): ApiRow {
    const missing: string[] = [];
    const problems: string[] = [];
    for (const request of requests) {
        const own = events.filter((e) => e.request_id === request.requestId);
        const nginx = own.find((e) => e.log_type === "nginx_access");
        const app = own.find((e) => e.log_type === "app");
        if (!nginx || !app) {
            missing.push(request.requestId);
            continue;
        }
        problems.push(...nginxEventProblems(request, nginx), ...appEventProblems(request, app));
    }
    return { sink, expected: requests.length, found: requests.length - missing.length, missing, problems };
}

/** Polls every probe until each holds both events of every request, or the time is up; never loops past the bound. */
export async function waitForApiEvents(probes: SinkProbe[], requests: ApiRequest[], options: WaitOptions): Promise<ApiRow[]> {
    const started = Date.now();
    const ids = requests.map((r) => r.requestId);
    const rows = new Map<SinkName, ApiRow>();
    const pending = new Set(probes);
    while (pending.size > 0) {
        for (const probe of [...pending]) {
            const row = tally(probe.sink, requests, await probe.eventsOfRequests(ids, options.since));
            if (row.missing.length === 0) {
                row.seconds = (Date.now() - started) / 1000;
                pending.delete(probe);
            }
            rows.set(probe.sink, row);
        }
        options.log?.(probes.map((p) => `${p.sink} ${rows.get(p.sink)?.found ?? 0}/${requests.length}`).join("  "));
        if (pending.size === 0 || Date.now() - started + options.pollMs > options.timeoutMs) break;
        await sleep(options.pollMs);
    }
    return probes.map((p) => rows.get(p.sink)!);
}

export function formatApiReport(title: string, rows: ApiRow[]): string {
    const header = ["sink", "requests", "nginx line + api record", "missing", "problems", "seconds"];
    const body = rows.map((r) => [r.sink, String(r.expected), String(r.found), String(r.missing.length), String(r.problems.length), r.seconds === undefined ? "-" : r.seconds.toFixed(1)]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
    return [title, line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** Throws, naming the sinks and the first missing requests or problems, unless every request's two events are in every sink as they should be. */
export function assertApiEvents(rows: ApiRow[]): void {
    const failures = rows.flatMap((r) => [
        ...(r.missing.length > 0 ? [`${r.sink}: ${r.missing.length} of ${r.expected} requests lack nginx's line or the api's record (first: ${r.missing.slice(0, 3).join(", ")})`] : []),
        ...r.problems.slice(0, 5).map((p) => `${r.sink}: ${p}`),
    ]);
    if (failures.length > 0) throw new Error(`The api's requests are not all in the sinks as they should be:\n${failures.join("\n")}`);
}
