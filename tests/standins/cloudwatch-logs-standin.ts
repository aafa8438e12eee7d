/**
 * A CloudWatch Logs stand-in for tests (not the service): the JSON 1.1 protocol the AWS SDKs speak
 * (`POST /`, `X-Amz-Target: Logs_20140328.<Operation>`), with the operations the cloudwatch sink's output calls
 * (CreateLogGroup, DescribeLogGroups, CreateLogStream, DescribeLogStreams, PutLogEvents) and the one `npm run verify`
 * reads with (FilterLogEvents), their limits and their errors, as the CloudWatch Logs API reference gives them:
 * - PutLogEvents: 1 to 10,000 events, at most 1,048,576 bytes (each message's UTF-8 bytes plus 26), each event at most
 *   that too, in chronological order, spanning at most 24 hours (InvalidParameterException); events more than 2 hours
 *   ahead or 14 days behind are refused one by one (rejectedLogEventsInfo) and not stored; the sequence token is
 *   ignored, as the service has ignored it since 2023, and a next one is still returned;
 * - a missing group or stream: ResourceNotFoundException; creating one that exists: ResourceAlreadyExistsException;
 * - FilterLogEvents: by group, `startTime`/`endTime` (ms), `limit` 1 to 10,000, and a filter pattern of quoted terms:
 *   `"a" "b"` (all, case-sensitive substrings) or `?"a" ?"b"` (any), at most 1,024 characters; events sorted by
 *   timestamp; like the service, a call scans only part of the group (`scanEvents` stored events per call, every
 *   event by default) and then returns a `nextToken`, with whatever matched, possibly nothing;
 * - throttling on demand ({@link CloudWatchLogsStandin.throttle}): ThrottlingException, "Rate exceeded".
 * Requests are not signature-checked: any credentials pass. It can be stopped and started again on the same port
 * with what it stored.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";

export const maxBatchEvents = 10_000;
export const maxBatchBytes = 1_048_576;
/** Bytes CloudWatch Logs counts per event on top of its message. */
export const eventOverheadBytes = 26;
const maxSpanMs = 24 * 3600 * 1000;
const maxAheadMs = 2 * 3600 * 1000;
const maxBehindMs = 14 * 24 * 3600 * 1000;

export interface StoredLogEvent {
    timestamp: number;
    message: string;
    ingestionTime: number;
}

/** Groups by name, each with its streams by name. */
export type LogStore = Map<string, Map<string, StoredLogEvent[]>>;

export interface CloudWatchLogsStandin {
    /** The endpoint for the SDKs (`endpoint`, or fluent-plugin-cloudwatch-logs's `endpoint`). */
    readonly url: string;
    readonly port: number;
    readonly store: LogStore;
    /** Every event of a group, over its streams. */
    events(group: string): StoredLogEvent[];
    /** Answers the next `calls` PutLogEvents calls with ThrottlingException. */
    throttle(calls: number): void;
    /** PutLogEvents calls answered, by outcome. */
    calls: { accepted: number; throttled: number; refused: number };
    stop(): Promise<void>;
}

class ApiError extends Error {
    constructor(readonly type: string, message: string, readonly status = 400) {
        super(message);
    }
}

type Body = Record<string, unknown>;

function need<T>(body: Body, key: string): T {
    const value = body[key];
    if (value === undefined || value === null || value === "") throw new ApiError("InvalidParameterException", `1 validation error detected: Value null at '${key}' failed to satisfy constraint: Member must not be null`);
    return value as T;
}

/** The terms of a filter pattern of quoted terms, and whether any (`?"a" ?"b"`) or all (`"a" "b"`) must match. */
function parseFilterPattern(pattern: string): { any: boolean; terms: string[] } {
    if (pattern.length > 1024) throw new ApiError("InvalidParameterException", "1 validation error detected: Value at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to 1024");
    const terms = [...pattern.matchAll(/\s*(\?)?"([^"]*)"/g)];
    if (pattern.trim() !== "" && (terms.length === 0 || terms.map((t) => t[0]).join("").trim() !== pattern.trim())) {
        throw new ApiError("InvalidParameterException", `Invalid character(s) in term '${pattern}' (the stand-in understands quoted terms only)`);
    }
    const optional = terms.filter((t) => t[1] === "?").length;
    if (optional !== 0 && optional !== terms.length) throw new ApiError("InvalidParameterException", `Mixed ? and plain terms in '${pattern}'`);
    return { any: optional > 0, terms: terms.map((t) => t[2]) };
}

export async function startCloudWatchLogsStandin(options: { port?: number; store?: LogStore; account?: string; region?: string; scanEvents?: number } = {}): Promise<CloudWatchLogsStandin> {
    const store: LogStore = options.store ?? new Map();
    const arnOf = (group: string) => `arn:aws:logs:${options.region ?? "us-east-1"}:${options.account ?? "123456789012"}:log-group:${group}`;
    const created = new Map<string, number>();
    let throttled = 0;
    let sequence = 0;
    const calls = { accepted: 0, throttled: 0, refused: 0 };

    const group = (name: string) => {
        const found = store.get(name);
        if (!found) throw new ApiError("ResourceNotFoundException", "The specified log group does not exist.");
        return found;
    };

    const operations: Record<string, (body: Body) => Body> = {
        FilterLogEvents(body) {
            const groupName = (body.logGroupIdentifier as string | undefined) ?? need<string>(body, "logGroupName");
            const streams = group(groupName);
            const limit = (body.limit as number | undefined) ?? maxBatchEvents;
            if (!Number.isInteger(limit) || limit < 1 || limit > maxBatchEvents) {
                throw new ApiError("InvalidParameterException", `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${maxBatchEvents}`);
            }
            const { any, terms } = parseFilterPattern((body.filterPattern as string | undefined) ?? "");
            const start = (body.startTime as number | undefined) ?? 0;
            const end = (body.endTime as number | undefined) ?? Number.MAX_SAFE_INTEGER;
            const all = [...streams.entries()]
                .flatMap(([logStreamName, events]) => events.map((e, i) => ({ logStreamName, ...e, eventId: `${logStreamName}/${i}` })))
                .filter((e) => e.timestamp >= start && e.timestamp <= end)
                .sort((a, b) => a.timestamp - b.timestamp || a.ingestionTime - b.ingestionTime);
            // The token is the position of the next event to scan: stored events are never removed.
            const from = body.nextToken === undefined ? 0 : Number(body.nextToken);
            if (!Number.isInteger(from) || from < 0) throw new ApiError("InvalidParameterException", "The specified nextToken is invalid.");
            const matches = (message: string) => terms.length === 0 || (any ? terms.some((t) => message.includes(t)) : terms.every((t) => message.includes(t)));
            const events: typeof all = [];
            let next = from;
            const scanEnd = Math.min(all.length, from + (options.scanEvents ?? all.length));
            for (; next < scanEnd && events.length < limit; next++) {
                if (matches(all[next].message)) events.push(all[next]);
            }
            return { events, searchedLogStreams: [], ...(next < all.length ? { nextToken: String(next) } : {}) };
        },
        CreateLogGroup(body) {
            const name = need<string>(body, "logGroupName");
            if (!/^[.\-_/#A-Za-z0-9]{1,512}$/.test(name)) throw new ApiError("InvalidParameterException", `Invalid log group name: ${name}`);
            if (store.has(name)) throw new ApiError("ResourceAlreadyExistsException", "The specified log group already exists");
            store.set(name, new Map());
            created.set(name, Date.now());
            return {};
        },
        DescribeLogGroups(body) {
            const prefix = (body.logGroupNamePrefix as string | undefined) ?? "";
            const logGroups = [...store.keys()].filter((n) => n.startsWith(prefix)).sort()
                .map((logGroupName) => ({ logGroupName, arn: `${arnOf(logGroupName)}:*`, creationTime: created.get(logGroupName) ?? 0, storedBytes: 0 }));
            return { logGroups };
        },
        CreateLogStream(body) {
            const streams = group(need<string>(body, "logGroupName"));
            const name = need<string>(body, "logStreamName");
            if (streams.has(name)) throw new ApiError("ResourceAlreadyExistsException", "The specified log stream already exists");
            streams.set(name, []);
            return {};
        },
        DescribeLogStreams(body) {
            const groupName = need<string>(body, "logGroupName");
            const prefix = (body.logStreamNamePrefix as string | undefined) ?? "";
            const logStreams = [...group(groupName).entries()].filter(([n]) => n.startsWith(prefix)).sort(([a], [b]) => a.localeCompare(b))
                .map(([logStreamName, events]) => ({
                    logStreamName, arn: `${arnOf(groupName)}:log-stream:${logStreamName}`, storedBytes: 0,
                    ...(events.length > 0 ? { lastEventTimestamp: events[events.length - 1].timestamp } : {}),
                }));
            return { logStreams };
        },
        PutLogEvents(body) {
            const streams = group(need<string>(body, "logGroupName"));
            const events = streams.get(need<string>(body, "logStreamName"));
            if (!events) throw new ApiError("ResourceNotFoundException", "The specified log stream does not exist.");
            if (throttled > 0) {
                throttled--;
                calls.throttled++;
                throw new ApiError("ThrottlingException", "Rate exceeded");
            }
            const batch = need<{ timestamp: number; message: string }[]>(body, "logEvents");
            try {
                if (batch.length < 1 || batch.length > maxBatchEvents) {
                    throw new ApiError("InvalidParameterException", `1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length between 1 and ${maxBatchEvents}`);
                }
                const bytes = batch.reduce((sum, e) => sum + Buffer.byteLength(e.message ?? "") + eventOverheadBytes, 0);
                if (bytes > maxBatchBytes) throw new ApiError("InvalidParameterException", `Upload too large: ${bytes} bytes exceeds limit of ${maxBatchBytes}`);
                if (batch.some((e, i) => i > 0 && e.timestamp < batch[i - 1].timestamp)) {
                    throw new ApiError("InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order.");
                }
                if (batch[batch.length - 1].timestamp - batch[0].timestamp > maxSpanMs) {
                    throw new ApiError("InvalidParameterException", "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
                }
            } catch (error) {
                calls.refused++;
                throw error;
            }
            const now = Date.now();
            const tooOld = batch.map((e, i) => (e.timestamp < now - maxBehindMs ? i : -1)).filter((i) => i >= 0);
            const tooNew = batch.map((e, i) => (e.timestamp > now + maxAheadMs ? i : -1)).filter((i) => i >= 0);
            batch.forEach((e, i) => {
                if (!tooOld.includes(i) && !tooNew.includes(i)) events.push({ timestamp: e.timestamp, message: e.message, ingestionTime: now });
            });
            calls.accepted++;
            const rejected = {
                ...(tooOld.length > 0 ? { tooOldLogEventEndIndex: Math.max(...tooOld) + 1 } : {}),
                ...(tooNew.length > 0 ? { tooNewLogEventStartIndex: Math.min(...tooNew) } : {}),
            };
            return { nextSequenceToken: String(++sequence).padStart(56, "0"), ...(Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {}) };
        },
    };

    const answer = (res: ServerResponse, status: number, body: Body, type?: string) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": `standin-${Date.now()}`, ...(type ? { "x-amzn-errortype": type } : {}) });
        res.end(JSON.stringify(body));
    };
    const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
        const target = String(req.headers["x-amz-target"] ?? "");
        const operation = target.startsWith("Logs_20140328.") ? operations[target.slice("Logs_20140328.".length)] : undefined;
        if (req.method !== "POST" || operation === undefined) {
            return answer(res, 400, { __type: "UnknownOperationException", message: `unknown operation ${target || "(no X-Amz-Target)"}` }, "UnknownOperationException");
        }
        try {
            answer(res, 200, operation(raw === "" ? {} : JSON.parse(raw) as Body));
        } catch (error) {
            if (!(error instanceof ApiError)) throw error;
            answer(res, error.status, { __type: error.type, message: error.message }, error.type);
        }
    };
    const server: Server = createServer((req, res) => {
        let raw = "";
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => { raw += chunk; });
        req.on("end", () => handle(req, res, raw));
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    return {
        url: `http://127.0.0.1:${port}`,
        port,
        store,
        events: (name) => [...(store.get(name)?.values() ?? [])].flat(),
        throttle: (n) => { throttled = n; },
        calls,
        stop: () => new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
        }),
    };
}
