/**
 * The log types through the real pipeline on loopback (the project's agent and forwarder configs in real fluentd, the
 * stand-ins as sinks): lines a real nginx writes through the project's nginx.conf, odd ones included; the api's
 * records and its uncaught error's stack trace; lines that do not parse; lines Docker's log driver splits. Each is
 * checked as stored in the store and the search index: its app and log type, its typed fields, its id. Then the
 * search index's template and retention policy, as the forwarders installed them.
 */
import * as fs from "fs";
import * as path from "path";
import { Document } from "bson";
import { fluentdDir } from "../support/fluentd-config";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { runApiToExit } from "../support/api-process";
import { newRequestId } from "../support/log-lines";
import { dockerLineLimit } from "../support/loopback-pipeline";
import { installMocks } from "../support/mocks";
import { sharedPipelineWithApi } from "../support/pipeline-suite";
import { nginxForTests, nginxMissingReason, runNginx } from "../support/nginx";
import { itWhen } from "../support/tools";
import { EsDocument } from "../standins/elasticsearch-standin";
import { setTimeout as sleep } from "timers/promises";

const resources = installMocks({ target: "local" });
const report = (text: string) => process.stdout.write(`\n${text}\n`);

/** One event as the store and the search index hold it. */
interface Stored {
    store: Document;
    search: EsDocument;
}

describeWithFluentdAndOpenssl("log types through the pipeline, in real fluentd", (fluentd) => {
    const suite = sharedPipelineWithApi(fluentd, resources);

    const storeEvents = () => suite.pipeline.sinks.mongo.documents("applogs", "docker");
    const searchEvents = () => suite.pipeline.sinks.elasticsearch.documents("logstash-*");

    /** Waits (at most 60 s) until the store and the search index each hold one event per key, the key read from each event. */
    async function stored(keys: string[], keyOf: (event: Record<string, unknown>) => unknown): Promise<Map<string, Stored>> {
        const byKey = <T>(events: T[], source: (e: T) => Record<string, unknown>) => new Map(events.map((e) => [String(keyOf(source(e))), e]));
        for (let waited = 0; ; waited += 500) {
            const store = byKey(storeEvents(), (d) => d);
            const search = byKey(searchEvents(), (d) => d.source);
            if (keys.every((k) => store.has(k) && search.has(k))) return new Map(keys.map((k) => [k, { store: store.get(k)!, search: search.get(k)! }]));
            if (waited > 60_000) throw new Error(`not stored within 60 s: store lacks ${keys.filter((k) => !store.has(k)).join(", ") || "nothing"}; search lacks ${keys.filter((k) => !search.has(k)).join(", ") || "nothing"}`);
            await sleep(500);
        }
    }

    /** Expects the same fields in both sinks (MongoDB gives @timestamp as a date, the search index as text). */
    function expectBoth(event: Stored, fields: Record<string, unknown>): void {
        expect(event.store).toEqual(expect.objectContaining(fields));
        expect(event.search.source).toEqual(expect.objectContaining(fields));
    }

    /** An access line's fields as stored: numbers as nginx wrote them, "" as null, the upstream time a number. */
    function typedAccessFields(line: string): Record<string, unknown> {
        const { time: _, ...fields } = JSON.parse(line) as Record<string, unknown>;
        const typed = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === "" ? null : v]));
        if (typeof typed.upstream_response_time === "string") typed.upstream_response_time = Number(typed.upstream_response_time);
        return typed;
    }

    describe("nginx's lines", () => {
        // Lines a real nginx writes; without it (or root) this block skips and the synthetic lines of the other tests remain.
        const withNginx = itWhen(nginxForTests !== undefined, nginxMissingReason);

        withNginx("stores every access and error line a real nginx writes, odd ones included, parsed and typed", async () => {
            // n times the character c, made by the shell (the commands stay short in a failure's message).
            const long = (c: string, n: number) => `$(head -c ${n} /dev/zero | tr '\\0' ${c})`;
            const { stdout, stderr, output } = await runNginx([
                "curl -s -o /dev/null 'http://127.0.0.1/?plain=1'",
                // Quotes and non-ASCII in the path (sent as is), the query, the user agent and the referer.
                `curl -s -o /dev/null --request-target '/p"ä"th/ü?q="ü"' -A 'Mozilla/5.0 "quoted" ünïcode' -e 'http://ref.example/é' http://127.0.0.1/`,
                // No user agent, no referer, no X-Forwarded-For: nothing for nginx to write.
                "curl -s -o /dev/null -H 'User-Agent:' 'http://127.0.0.1/?none=1'",
                // A client behind two proxies.
                "curl -s -o /dev/null -H 'X-Forwarded-For: 2001:db8::7, 10.0.0.1' 'http://127.0.0.1/?proxies=2'",
                // A 64 KiB URI: nginx refuses it (414) and logs what it knows of the request.
                `curl -s -o /dev/null "http://127.0.0.1/${long("a", 65536)}"`,
                // A line over Docker's 16 KiB: a 7 KiB path, user agent and referer.
                `curl -s -o /dev/null -A "${long("u", 7000)}" -e "http://r.example/${long("r", 7000)}" "http://127.0.0.1/${long("p", 7000)}?long=1"`,
                // Proxied to the api (a stand-in that echoes the request id nginx passes); then with the api gone: 502
                // and an error line.
                "curl -s 'http://127.0.0.1/api/hello?proxied=1'; echo",
                "kill $up; wait $up 2>/dev/null; curl -s -o /dev/null 'http://127.0.0.1/api/hello?gone=1'",
            ], { upstream: true });
            // The readiness probe's line (runNginx goes on only once nginx has answered it), then the eight requests.
            const lines = stdout.slice(1);
            expect(lines).toHaveLength(8);
            expect(stderr.length).toBeGreaterThan(0);
            await suite.pipeline.sendLines("webapp", "stdout", lines);
            await suite.pipeline.sendLines("webapp", "stderr", stderr);

            const byId = await stored(lines.map((l) => JSON.parse(l).request_id as string), (e) => e.log_type === "nginx_access" ? e.request_id : undefined);
            for (const line of lines) {
                const event = byId.get(JSON.parse(line).request_id)!;
                // The whole line, as nginx wrote it, and every field typed.
                expectBoth(event, { app: "webapp", log_type: "nginx_access", source: "stdout", log: line, ...typedAccessFields(line) });
                expect(event.store.parse_error).toBeUndefined();
                // nginx's own time of the request ($msec) is the event's time.
                expect((event.store["@timestamp"] as Date).getTime()).toBe(Math.round(JSON.parse(line).time * 1000));
            }
            const event = (query: string) => [...byId.values()].find((e) => e.store.query === query || (query === "" && e.store.status === 414))!;
            expect(event('q="ü"').store).toEqual(expect.objectContaining({ path: '/p"ä"th/ü', user_agent: 'Mozilla/5.0 "quoted" ünïcode', referer: "http://ref.example/é" }));
            expect(event("none=1").store).toEqual(expect.objectContaining({ user_agent: null, referer: null, x_forwarded_for: null, upstream_addr: null, upstream_response_time: null }));
            expect(event("proxies=2").store).toEqual(expect.objectContaining({ client_ip: "127.0.0.1", x_forwarded_for: "2001:db8::7, 10.0.0.1" }));
            expect(event("").store).toEqual(expect.objectContaining({ status: 414, method: null, path: null }));
            const split = event("long=1").store;
            expect(Buffer.byteLength(split.log as string)).toBeGreaterThan(dockerLineLimit);
            expect((split.path as string).length).toBe(7001);
            expect(split.partial_message).toBeUndefined();
            // nginx passed the api the request id it logged.
            const proxied = event("proxied=1").store;
            expect(output).toContain(`request-id=${proxied.request_id}`);
            expect(proxied).toEqual(expect.objectContaining({ status: 200, upstream_addr: "127.0.0.1:8080", upstream_response_time: expect.any(Number) }));
            expect(event("gone=1").store.status).toBe(502);

            // The error line of the 502, with the request's context.
            const failed = stderr.find((l) => l.includes("connect() failed"))!;
            const errorEvent = (await stored([failed], (e) => e.log))!.get(failed)!;
            expectBoth(errorEvent, {
                app: "webapp", log_type: "nginx_error", source: "stderr", level: "error",
                pid: expect.any(Number), connection_id: expect.any(Number),
                message: "connect() failed (111: Connection refused) while connecting to upstream",
                client_ip: "127.0.0.1", request: "GET /api/hello?gone=1 HTTP/1.1", upstream: "http://127.0.0.1:8080/api/hello?gone=1", host: "127.0.0.1",
            });
            expect(Number.isInteger(errorEvent.store.pid) && Number.isInteger(errorEvent.store.connection_id)).toBe(true);
            expect(errorEvent.store.parse_error).toBeUndefined();
        }, 180_000);

        it("parses an error line without a request's context, and keeps nginx's line's other fields out", async () => {
            const line = "2026/12/02 10:00:00 [notice] 1#1: signal process started";
            await suite.pipeline.sendLines("webapp", "stderr", [line]);
            const event = (await stored([line], (e) => e.log)).get(line)!;
            expectBoth(event, { log_type: "nginx_error", level: "notice", pid: 1, message: "signal process started" });
            for (const field of ["connection_id", "client_ip", "request", "upstream", "host", "parse_error"]) expect(event.store[field]).toBeUndefined();
        }, 90_000);
    });

    describe("the api's records", () => {
        it("stores the api's records of a failed request, its multi-line stack trace in one event, with nginx's request id", async () => {
            const requestId = newRequestId();
            expect((await fetch(`${suite.api.url}/api/fail`, { headers: { "X-Request-ID": requestId } })).status).toBe(500);
            const event = (await stored([requestId], (e) => e.log_type === "app" ? e.request_id : undefined)).get(requestId)!;
            expectBoth(event, { app: "api", log_type: "app", level: "error", route: "/api/fail", error_type: "DeliberateFailure", duration_ms: expect.any(Number) });
            expect((event.store.stack as string).split("\n").length).toBeGreaterThan(2);
            // Logged straight to the agent: no log driver's fields, and the record's line in `log`.
            expect(event.store.source).toBeUndefined();
            expect(JSON.parse(event.store.log as string)).toEqual(expect.objectContaining({ request_id: requestId, stack: event.store.stack }));
        }, 90_000);

        it("stores an uncaught error the api printed on stderr as one event, its whole stack trace in it", async () => {
            // The api stopping at start on a bad setting, its stderr sent as Docker's log driver sends a container's.
            const { stderr } = await runApiToExit({ DLE_API_PORT: "0x1F90", DLE_AGENT_HOST: "127.0.0.1", DLE_AGENT_PORT: String(suite.pipeline.appPort), DLE_LOG_TAG: "api" });
            const lines = stderr.split("\n").filter((l) => l !== "");
            expect(lines).toHaveLength(1);
            await suite.pipeline.sendLines("api", "stderr", lines);
            const event = (await stored(lines, (e) => e.log)).get(lines[0])!;
            expectBoth(event, { app: "api", log_type: "app", source: "stderr", level: "fatal", error_type: "Error" });
            expect(event.store.stack).toMatch(/^Error: The api's DLE_API_PORT must be a TCP port .*\n {4}at /);
            expect(event.store.parse_error).toBeUndefined();
        }, 90_000);
    });

    describe("lines that do not parse", () => {
        it("keeps a line that does not parse whole, marked with the reason, and counts it", async () => {
            const before = await parseErrors();
            const lines = {
                webappStdout: "/docker-entrypoint.sh: Configuration complete; ready for start up",
                webappStderr: "nginx: [emerg] unknown directive \"lisen\" in /etc/nginx/nginx.conf:40",
                apiStdout: "Debugger listening on ws://127.0.0.1:9229/x",
            };
            await suite.pipeline.sendLines("webapp", "stdout", [lines.webappStdout]);
            await suite.pipeline.sendLines("webapp", "stderr", [lines.webappStderr]);
            await suite.pipeline.sendLines("api", "stdout", [lines.apiStdout]);
            const events = await stored(Object.values(lines), (e) => e.log);
            expectBoth(events.get(lines.webappStdout)!, { app: "webapp", log_type: "nginx_access", parse_error: "not a JSON object" });
            expectBoth(events.get(lines.webappStderr)!, { app: "webapp", log_type: "nginx_error", parse_error: "does not match the pattern of the log type" });
            expectBoth(events.get(lines.apiStdout)!, { app: "api", log_type: "app", parse_error: "not a JSON object" });
            for (const event of events.values()) expect(typeof event.store.event_id).toBe("string");
            // monitor_agent (and so the metrics) counts them per application.
            const after = await parseErrors();
            expect(after.webapp_log_types - before.webapp_log_types).toBe(2);
            expect(after.api_log_types - before.api_log_types).toBe(1);
        }, 90_000);

        it("joins a line Docker's log driver split before parsing it, and lets go of one whose last part never comes", async () => {
            const id = newRequestId();
            const line = JSON.stringify({ time: Date.now() / 1000, client_ip: "172.18.0.1", method: "GET", path: `/${"s".repeat(40_000)}`, query: "", protocol: "HTTP/1.1", status: 404, bytes_sent: 1, request_time: 0.001, request_id: id });
            await suite.pipeline.sendLines("webapp", "stdout", [line]);
            const joined = (await stored([id], (e) => e.request_id)).get(id)!;
            expectBoth(joined, { log: line, status: 404, log_type: "nginx_access" });
            // The first part of another long line, and no more (its container stopped): after the 5 s wait, let go.
            const cut = `{"request_id":"${newRequestId()}","path":"/${"c".repeat(20_000)}`;
            await suite.pipeline.sendEvents("webapp", [{ container_id: "test", container_name: "/dle-webapp", source: "stdout", log: cut, partial_message: "true", partial_id: "cut-1", partial_ordinal: "1", partial_last: "false" }]);
            const kept = (await stored([cut], (e) => e.log)).get(cut)!;
            expectBoth(kept, { log_type: "nginx_access", parse_error: "not a JSON object" });
            expect(Object.keys(kept.store).filter((k) => k.startsWith("partial_"))).toEqual([]);
        }, 90_000);
    });

    describe("ids, the index template and retention", () => {
        it("stores every event under the agent's event_id: the store's _id, the search index's document id", () => {
            const store = storeEvents();
            expect(store.length).toBeGreaterThan(0);
            for (const doc of store) expect(doc._id).toBe(doc.event_id);
            const search = searchEvents();
            for (const doc of search) {
                expect(doc.id).toBe(doc.source.event_id);
                expect(doc.source._id).toBeUndefined();
            }
            expect(new Set(store.map((d) => d.event_id)).size).toBe(store.length);
        });

        it("installs the index template before the first write, and the indices take its typed mappings", () => {
            const template = JSON.parse(fs.readFileSync(path.join(fluentdDir, "search", "index-template.json"), "utf8").replace("<<INDEX_PREFIX>>", "logstash"));
            expect(suite.pipeline.sinks.elasticsearch.store.indexTemplates.get("dle-logstash")).toEqual(template);
            for (const [name, index] of suite.pipeline.sinks.elasticsearch.store.indices) {
                if (name.startsWith("logstash-")) expect(index.mappings).toEqual(template.template.mappings);
            }
            const log = suite.pipeline.sinks.elasticsearch.requestLog;
            expect(log.findIndex((r) => r.startsWith("PUT /_index_template/dle-logstash"))).toBeLessThan(log.findIndex((r) => r.includes("/_bulk")));
        });

        it("installs the ILM policy deleting indices after dle:searchRetentionDays, and names it in every log index", async () => {
            const es = suite.pipeline.sinks.elasticsearch.store;
            for (let waited = 0; waited < 60_000; waited += 1_000) {
                const indices = [...es.indices].filter(([name]) => name.startsWith("logstash-"));
                if (es.ilmPolicies.has("logstash-retention") && indices.length > 0 && indices.every(([, index]) => index.settings["index.lifecycle.name"] === "logstash-retention")) break;
                await sleep(1_000);
            }
            const { policy } = es.ilmPolicies.get("logstash-retention");
            expect(policy.phases.delete).toEqual({ min_age: "30d", actions: { delete: {} } });
            for (const [name, index] of es.indices) {
                if (name.startsWith("logstash-")) expect(index.settings["index.lifecycle.name"]).toBe("logstash-retention");
            }
            expect(suite.pipeline.primary.tail(400)).toContain("search retention: indices logstash-* are deleted after 30 days (elasticsearch policy logstash-retention)");
        }, 90_000);
    });

    describe("every log type", () => {
        it("is stored with the fields every event has, in the store and the search index alike", () => {
            const common = ["app", "log_type", "log", "event_id", "forwarder", "@timestamp"];
            for (const logType of ["nginx_access", "nginx_error", "app"]) {
                const store = storeEvents().filter((e) => e.log_type === logType && e.parse_error === undefined);
                expect(store.length).toBeGreaterThan(0);
                for (const event of store) for (const field of common) expect(event[field]).toBeDefined();
                // The fullest of each, as the store holds it, for the examples of docs/log-types.md.
                const filled = (e: Document) => Object.values(e).filter((v) => v !== null).length;
                const example = store.reduce((a, b) => (filled(b) > filled(a) ? b : a));
                report(`${logType}, as stored:\n${JSON.stringify(example, null, 2)}`);
                const search = searchEvents().find((e) => e.id === example.event_id)!;
                // The same fields in both; the search index adds the tag (@log_name), the store has its _id.
                expect(Object.keys(search.source).filter((k) => k !== "@log_name").sort()).toEqual(Object.keys(example).filter((k) => k !== "_id").sort());
            }
        });
    });

    /** The agent's parse_errors per dle_log_type filter, from monitor_agent. */
    async function parseErrors(): Promise<Record<string, number>> {
        const { plugins } = await fetch(`http://127.0.0.1:${suite.pipeline.agent.monitorPort}/api/plugins.json`).then((r) => r.json()) as { plugins: { plugin_id: string; parse_errors?: number }[] };
        return Object.fromEntries(plugins.filter((p) => p.parse_errors !== undefined).map((p) => [p.plugin_id, p.parse_errors!]));
    }
});
