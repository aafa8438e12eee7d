/**
 * The api service itself (components/api/service/server.ts), run as its container runs it, logging to a forward
 * receiver in place of the agent: its routes, the records it sends (the fields of the log type `app`, with nginx's
 * request id), and an uncaught error printed as one JSON line. The same records through the real agent config are in
 * tests/e2e/log-types.test.ts.
 */
import { ApiProcess, runApiToExit, startApi } from "../support/api-process";
import { ForwardReceiver, ReceivedEvent, startForwardReceiver } from "../support/forward-receiver";

let receiver: ForwardReceiver;
let api: ApiProcess;

beforeAll(async () => {
    receiver = await startForwardReceiver();
    api = await startApi(receiver.port, "api");
}, 60_000);

afterAll(async () => {
    await api?.stop();
    await receiver?.stop();
});

const recordFor = (requestId: string) => receiver.waitFor((e) => e.record.request_id === requestId);
const get = (route: string, requestId: string) => fetch(`${api.url}${route}`, { headers: { "X-Request-ID": requestId } });

describe("the api's routes and records", () => {
    it("answers /api/hello and sends an info record with nginx's request id, straight to the agent", async () => {
        const response = await get("/api/hello?dle-verify=x-1", "req-hello-1");
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ message: "hello from the api", request_id: "req-hello-1" });
        const { tag, record } = await recordFor("req-hello-1");
        expect(tag).toBe("api");
        expect(record).toEqual({
            level: "info",
            message: "GET /api/hello 200",
            request_id: "req-hello-1",
            route: "/api/hello",
            duration_ms: expect.any(Number),
            log: expect.any(String),
        });
        // `log` is the record as the one JSON line it stands for.
        const { log, ...fields } = record;
        expect(JSON.parse(log as string)).toEqual(fields);
    }, 30_000);

    it("fails /api/fail on purpose: 500, and an error record with the error's type and its multi-line stack trace", async () => {
        const response = await get("/api/fail", "req-fail-1");
        expect(response.status).toBe(500);
        const { record } = await recordFor("req-fail-1");
        expect(record).toEqual(expect.objectContaining({ level: "error", route: "/api/fail", error_type: "DeliberateFailure" }));
        expect(record.message).toBe("GET /api/fail 500: /api/fail fails on purpose");
        const stack = (record.stack as string).split("\n");
        expect(stack[0]).toBe("DeliberateFailure: /api/fail fails on purpose");
        expect(stack.slice(1).every((frame) => frame.startsWith("    at "))).toBe(true);
        expect(stack.length).toBeGreaterThan(2);
    }, 30_000);

    it("answers an unknown route 404 with a warn record", async () => {
        expect((await get("/api/nope", "req-404")).status).toBe(404);
        expect((await recordFor("req-404")).record.level).toBe("warn");
    }, 30_000);

    it("keeps its health check out of the logs", async () => {
        expect((await get("/api/health", "req-health")).status).toBe(200);
        await get("/api/hello", "req-after-health");
        await recordFor("req-after-health");
        expect(receiver.events.filter((e: ReceivedEvent) => e.record.request_id === "req-health")).toEqual([]);
    }, 30_000);

    it("logs a request without X-Request-ID without one", async () => {
        await fetch(`${api.url}/api/hello?no-id=1`);
        const record = await receiver.waitFor((e) => e.record.route === "/api/hello" && !("request_id" in e.record));
        expect(record.record.level).toBe("info");
    }, 30_000);
});

describe("the api's uncaught errors", () => {
    it("prints an uncaught error as one JSON line on stderr, its stack trace inside, and exits", async () => {
        // A bad setting is thrown at start, before anything could catch it.
        const { code, stderr } = await runApiToExit({ DLE_API_PORT: "eighty", DLE_AGENT_HOST: "127.0.0.1", DLE_AGENT_PORT: "24225", DLE_LOG_TAG: "api" });
        expect(code).toBe(1);
        const lines = stderr.split("\n").filter((l) => l !== "");
        expect(lines).toHaveLength(1);
        const record = JSON.parse(lines[0]);
        expect(record).toEqual({
            level: "fatal",
            message: "Uncaught Error: The api's DLE_API_PORT must be a TCP port from 1 to 65535, got \"eighty\".",
            error_type: "Error",
            stack: expect.stringContaining("\n    at "),
        });
    }, 40_000);

    it("stops at start naming a missing setting", async () => {
        const { code, stderr } = await runApiToExit({ DLE_API_PORT: "8080", DLE_AGENT_PORT: "24225", DLE_LOG_TAG: "api" });
        expect(code).toBe(1);
        expect(JSON.parse(stderr.trim()).message).toBe("Uncaught Error: The api needs the environment variable DLE_AGENT_HOST.");
    }, 40_000);
});
