/**
 * Log lines as the project's applications write them, for tests that send events without running them: nginx's
 * access line in the webapp's `dle_json` log_format (components/webapp/nginx.conf; tests/unit/log-types.test.ts
 * checks these keys against it), and the event the pipeline stores for it.
 */
import { randomBytes } from "crypto";
import { markerParameter } from "../verify/probes";

export interface AccessRequest {
    /** A verification marker, carried in the query as dle-verify=<marker>. */
    marker?: string;
    path?: string;
    status?: number;
    /** nginx's $request_id: 32 hex digits. */
    requestId?: string;
    /** When nginx served it (seconds since the epoch, as $msec); now by default. */
    time?: number;
}

/** A fresh id in the form of nginx's $request_id. */
export function newRequestId(): string {
    return randomBytes(16).toString("hex");
}

/** The fields of an access line, as nginx writes them (the upstream's only for a proxied request). */
export function accessFields(request: AccessRequest = {}): Record<string, string | number> {
    const path = request.path ?? "/";
    const proxied = path.startsWith("/api/");
    return {
        time: request.time ?? Number((Date.now() / 1000).toFixed(3)),
        client_ip: "172.18.0.1",
        x_forwarded_for: "",
        method: "GET",
        path,
        query: request.marker === undefined ? "" : `${markerParameter}=${request.marker}`,
        protocol: "HTTP/1.1",
        status: request.status ?? 200,
        bytes_sent: 237,
        referer: "",
        user_agent: "dle-test",
        request_time: 0.002,
        upstream_addr: proxied ? "127.0.0.1:8080" : "",
        upstream_response_time: proxied ? "0.001" : "",
        request_id: request.requestId ?? newRequestId(),
    };
}

/** An access line of the webapp's nginx: one JSON object. */
export function accessLine(request: AccessRequest = {}): string {
    return JSON.stringify(accessFields(request));
}

/** The event the sinks hold for an access line: the line, its typed fields, and what the agent and a forwarder add. */
export function storedAccessEvent(request: AccessRequest, forwarder: string): Record<string, unknown> {
    // One set of fields for the line and the event, so that both carry the same request id and time.
    const line = accessFields(request);
    const { time: _, ...fields } = line;
    return {
        container_name: "/dle-webapp",
        source: "stdout",
        log: JSON.stringify(line),
        app: "webapp",
        log_type: "nginx_access",
        ...fields,
        x_forwarded_for: null,
        referer: null,
        upstream_addr: fields.upstream_addr === "" ? null : fields.upstream_addr,
        upstream_response_time: fields.upstream_response_time === "" ? null : Number(fields.upstream_response_time),
        event_id: randomBytes(27).toString("base64"),
        forwarder,
    };
}
