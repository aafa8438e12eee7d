/**
 * The log types, read from the files that define them, so that they cannot drift apart: the fields each parser
 * produces (nginx's log_format in components/webapp/nginx.conf and fluentd/parsers/nginx-access.conf, the named groups
 * of fluentd/parsers/nginx-error.conf, the api's record in components/api/service/server.ts), with their types, against
 * the search index template (fluentd/search/index-template.json) and docs/log-types.md. The same lines through
 * real fluentd: tests/e2e/log-types.test.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { apiServer } from "../../components/api";
import { webappFiles } from "../../components/webapp";
import { fluentdDir } from "../support/fluentd-config";
import { accessFields } from "../support/log-lines";

const root = path.join(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(file, "utf8");
const template = JSON.parse(read(path.join(fluentdDir, "search", "index-template.json")));
const mappings: Record<string, { type: string }> = template.template.mappings.properties;

/** A field's kind as the pipeline writes it: a JSON number (integer or float) or a string. */
type Kind = "integer" | "float" | "string";

/** `name:type,…` of a parser's `types` parameter. */
function parserTypes(conf: string): Record<string, Kind> {
    const types = /^types\s+(\S+)$/m.exec(conf)?.[1] ?? "";
    return Object.fromEntries(types.split(",").filter(Boolean).map((pair) => pair.split(":") as [string, Kind]));
}

/** The JSON keys of nginx's dle_json log_format, in order. */
function logFormatKeys(): string[] {
    const format = /log_format dle_json escape=json ((?:'[^']*'\s*)+);/.exec(read(webappFiles.nginxConf))![1];
    return [...format.matchAll(/"(\w+)":/g)].map((m) => m[1]);
}

/** What each log type's parser produces: every field and its kind. */
function producedFields(): Record<string, Record<string, Kind>> {
    const access = read(path.join(fluentdDir, "parsers", "nginx-access.conf"));
    const timeKey = /^time_key\s+(\S+)$/m.exec(access)![1];
    const accessTypes = parserTypes(access);
    const error = read(path.join(fluentdDir, "parsers", "nginx-error.conf"));
    const errorTypes = parserTypes(error);
    const groups = [...(/^expression\s+\/(.*)\/$/m.exec(error)![1]).matchAll(/\(\?<(\w+)>/g)].map((m) => m[1]);
    // The api's record: the fields of its AppFields interface (number: float; the rest are strings).
    const appInterface = /interface AppFields \{([^}]*)\}/.exec(read(apiServer))![1];
    const app: Record<string, Kind> = Object.fromEntries([...appInterface.matchAll(/^\s+(\w+)\??: ([^;]+);/gm)].map((m) => [m[1], m[2] === "number" ? "float" : "string"]));
    const appTypes = parserTypes(read(path.join(fluentdDir, "parsers", "app.conf")));
    return {
        nginx_access: Object.fromEntries(logFormatKeys().filter((k) => k !== timeKey).map((k) => [k, accessTypes[k] ?? "string"])),
        nginx_error: Object.fromEntries(groups.map((g) => [g, errorTypes[g] ?? "string"])),
        app: { ...app, ...appTypes },
    };
}

/**
 * What every event carries, and where it comes from: the log driver (container_name, source; FireLens too), the
 * agent (app, log_type, parse_error: fluentd/plugins/filter_dle_log_type.rb; event_id: fluentd/agent-log-types.conf),
 * a forwarder (forwarder, and @timestamp: fluentd/forwarder.conf, search-index.conf). `log` is the line.
 */
const commonFields: Record<string, Kind | "date"> = {
    "@timestamp": "date", app: "string", log_type: "string", log: "string", event_id: "string",
    forwarder: "string", container_name: "string", source: "string", parse_error: "string",
};

/** The index types each kind may be mapped to. */
const compatible: Record<Kind | "date", string[]> = {
    integer: ["integer", "long"],
    float: ["float", "double"],
    string: ["keyword", "text", "ip"],
    date: ["date"],
};

describe("the log types and the search index template", () => {
    const produced = producedFields();

    it("reads the parsers' fields from their files", () => {
        expect(Object.keys(produced.nginx_access)).toEqual(["client_ip", "x_forwarded_for", "method", "path", "query", "protocol", "status",
            "bytes_sent", "referer", "user_agent", "request_time", "upstream_addr", "upstream_response_time", "request_id"]);
        expect(produced.nginx_error).toEqual({ level: "string", pid: "integer", connection_id: "integer", message: "string", client_ip: "string", request: "string", upstream: "string", host: "string" });
        expect(Object.keys(produced.app).sort()).toEqual(["duration_ms", "error_type", "level", "message", "request_id", "route", "stack"]);
    });

    it("maps every field each parser produces, with a type that takes its values", () => {
        const wrong: string[] = [];
        for (const [logType, fields] of Object.entries({ ...produced, common: commonFields })) {
            for (const [field, kind] of Object.entries(fields)) {
                const mapped = mappings[field]?.type;
                if (!compatible[kind].includes(mapped)) wrong.push(`${logType}.${field}: produced as ${kind}, mapped as ${mapped ?? "nothing"}`);
            }
        }
        expect(wrong).toEqual([]);
    });

    it("maps nothing that no log type produces", () => {
        const all = new Set([...Object.values(produced).flatMap(Object.keys), ...Object.keys(commonFields)]);
        expect(Object.keys(mappings).filter((field) => !all.has(field))).toEqual([]);
    });

    it("gives a field the same type in every log type that has it", () => {
        const kinds = new Map<string, Set<string>>();
        for (const fields of Object.values(produced)) for (const [field, kind] of Object.entries(fields)) kinds.set(field, (kinds.get(field) ?? new Set()).add(kind));
        expect([...kinds].filter(([, k]) => k.size > 1).map(([field]) => field)).toEqual([]);
    });

    it("types the IP fields as ip and the long texts as text; keyword fields that can be long have an ignore_above a term can hold", () => {
        expect(mappings.client_ip.type).toBe("ip");
        for (const field of ["log", "message", "stack"]) expect(mappings[field].type).toBe("text");
        for (const field of ["path", "query", "user_agent", "referer", "request", "x_forwarded_for"]) {
            // 8191 characters of up to 4 UTF-8 bytes each fit Lucene's 32766-byte term.
            expect(mappings[field]).toEqual({ type: "keyword", ignore_above: 8191 });
        }
    });

    it("applies to the configured index prefix, which the search output fills in", () => {
        expect(template.index_patterns).toEqual(["<<INDEX_PREFIX>>-*"]);
        expect(read(path.join(fluentdDir, "search-index.conf"))).toContain(`customize_template {"<<INDEX_PREFIX>>": "#{ENV.fetch('SEARCH_INDEX_PREFIX')}"}`);
    });

    it("keeps the tests' access lines in nginx's log_format", () => {
        expect(Object.keys(accessFields())).toEqual(logFormatKeys());
    });

    it("lists every field of each log type in docs/log-types.md", () => {
        const page = read(path.join(root, "docs", "log-types.md"));
        const missing = Object.entries({ ...produced, common: commonFields })
            .flatMap(([logType, fields]) => Object.keys(fields).filter((field) => !page.includes(`\`${field}\``)).map((field) => `${logType}.${field}`));
        expect(missing).toEqual([]);
    });
});
