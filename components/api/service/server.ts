/**
 * dle's api: a small HTTP service behind the webapp's nginx (location /api/) that logs straight to the log agent
 * with @fluent-org/logger (the seed's "logging straight to log-agent"), each record carrying the request id nginx
 * passes in X-Request-ID, so one request's nginx line and api records share it. Node.js runs this file as it is
 * (its built-in TypeScript type stripping): `node server.ts`.
 *
 *   GET /api/hello    200 {"request_id": …}; an info record
 *   GET /api/fail     500: fails on purpose; an error record with the error's type and stack trace
 *   GET /api/health   200: the container's health check, not logged
 *   anything else     404; a warn record
 *
 * Its records have the fields of the log type `app` (docs/log-types.md): level, message, request_id, route,
 * duration_ms, and for errors error_type and stack; `log` is the record as the one JSON line it would print.
 * Its own stdout and stderr go through the container's log driver. An uncaught error is printed to stderr as one
 * JSON line of the same fields, so that its multi-line stack trace arrives as one event, and the process exits.
 *
 * Environment: DLE_API_PORT (default 8080), DLE_AGENT_HOST and DLE_AGENT_PORT (the agent's forward input for
 * applications), DLE_LOG_TAG (the records' tag: "api" locally, where the agent adds "app.", or "app.api").
 */
import { FluentClient } from "@fluent-org/logger";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";

type Level = "debug" | "info" | "warn" | "error" | "fatal";

/** The fields of a record of the log type `app`, but `log`. */
interface AppFields {
    level: Level;
    message: string;
    request_id?: string;
    route?: string;
    duration_ms?: number;
    error_type?: string;
    stack?: string;
}

/** Reads a required setting; a bad one stops the service at start, naming the variable. */
function setting(name: string, fallback?: string): string {
    const value = process.env[name] ?? fallback;
    if (value === undefined || value === "") throw new Error(`The api needs the environment variable ${name}.`);
    return value;
}

function port(name: string, fallback?: string): number {
    const value = setting(name, fallback);
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new Error(`The api's ${name} must be a TCP port from 1 to 65535, got "${value}".`);
    return n;
}

/** The record's JSON line: what `log` holds, and what the process prints for an uncaught error. */
function line(fields: AppFields): string {
    return JSON.stringify(fields);
}

/** Fields of an error: its type and its stack trace (or message, for a thrown non-Error). */
function errorFields(error: unknown): Pick<AppFields, "error_type" | "stack"> {
    return error instanceof Error
        ? { error_type: error.name, stack: error.stack ?? `${error.name}: ${error.message}` }
        : { error_type: typeof error, stack: String(error) };
}

// Before anything else: from here on, an uncaught error is one JSON line on stderr, then the exit.
process.on("uncaughtException", (error) => {
    process.stderr.write(`${line({ level: "fatal", message: `Uncaught ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, ...errorFields(error) })}\n`);
    process.exit(1);
});

const listenPort = port("DLE_API_PORT", "8080");
const logger = new FluentClient(null, {
    socket: { host: setting("DLE_AGENT_HOST"), port: port("DLE_AGENT_PORT"), timeout: 10_000 },
    // Records batched for up to 100 ms per forward message, each with its time in milliseconds.
    eventMode: "PackedForward",
    flushInterval: 100,
    milliseconds: true,
    // The agent acknowledges each message once it is in its buffer; an unacknowledged one is sent again.
    ack: { ackTimeout: 10_000 },
    eventRetry: { attempts: 10 },
    // While the agent is away, at most 10,000 records wait in memory; beyond that the oldest are dropped.
    sendQueueMaxLimit: { length: 10_000 },
});
const tag = setting("DLE_LOG_TAG");

/** Sends a record to the agent; a record that cannot be sent is printed to stderr instead, whence the log driver takes it. */
function log(fields: AppFields): void {
    // A field without a value is left out (as in the JSON line), not sent as null.
    const record = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    logger.emit(tag, { ...record, log: line(fields) }).catch((error: Error) => {
        process.stderr.write(`${line({ level: "warn", message: `could not send a record to the log agent: ${error.message}` })}\n${line(fields)}\n`);
    });
}

/** The error /api/fail throws. */
class DeliberateFailure extends Error {
    name = "DeliberateFailure";
}

/** Fails on purpose, a call deeper than the handler, so that the stack trace has several frames. */
function failOnPurpose(route: string): never {
    throw new DeliberateFailure(`${route} fails on purpose`);
}

function reply(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
}

function handle(request: IncomingMessage, response: ServerResponse): void {
    const started = process.hrtime.bigint();
    const route = new URL(request.url ?? "/", "http://api").pathname;
    const requestId = request.headers["x-request-id"];
    const request_id = typeof requestId === "string" && requestId !== "" ? requestId : undefined;
    const done = (fields: Omit<AppFields, "request_id" | "route" | "duration_ms">) =>
        log({ ...fields, request_id, route, duration_ms: Number(process.hrtime.bigint() - started) / 1e6 });

    if (route === "/api/health") {
        reply(response, 200, { status: "ok" });
    } else if (route === "/api/hello") {
        reply(response, 200, { message: "hello from the api", request_id });
        done({ level: "info", message: `${request.method} ${route} 200` });
    } else if (route === "/api/fail") {
        try {
            failOnPurpose(route);
        } catch (error) {
            reply(response, 500, { error: "failed on purpose", request_id });
            done({ level: "error", message: `${request.method} ${route} 500: ${(error as Error).message}`, ...errorFields(error) });
        }
    } else {
        reply(response, 404, { error: "no such route", request_id });
        done({ level: "warn", message: `${request.method} ${route} 404` });
    }
}

const server = createServer(handle);
server.listen(listenPort, () => {
    log({ level: "info", message: `listening on port ${listenPort}` });
});

// `docker stop` and ECS send SIGTERM: stop taking requests, send what is queued, then exit.
process.on("SIGTERM", () => {
    server.close();
    void logger.disconnect().finally(() => process.exit(0));
});
