/**
 * TEST STAND-IN, NOT KIBANA OR OPENSEARCH DASHBOARDS.
 *
 * A small in-memory HTTP server answering the saved-objects API the way Kibana 8 and OpenSearch Dashboards 2 do
 * for an import and a lookup, so the importer and the verification suite can be driven here, where neither
 * product can run. It checks what the products check on an import: the product's own xsrf header, a multipart
 * body whose `file` field is an `.ndjson` file, `overwrite` (without it an existing object is a conflict), known
 * types, references that resolve (in the file or already stored), and authentication: basic, or AWS SigV4 as an
 * Amazon OpenSearch Service domain checks it (here with the AWS SDK's own signer, so a signing bug in the
 * importer cannot pass). It listens on loopback only, and renders nothing.
 */
import { createHash, createHmac } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import { SignatureV4 } from "@smithy/signature-v4";

export type StandinProduct = "kibana" | "opensearch-dashboards";

export interface StoredObject {
    type: string;
    id: string;
    attributes: Record<string, unknown>;
    references: { name: string; type: string; id: string }[];
    migrationVersion?: Record<string, string>;
}

export interface DashboardsStandinOptions {
    product: StandinProduct;
    /** Where the API is served: "" for Kibana, "/_dashboards" on an Amazon OpenSearch Service domain. */
    basePath?: string;
    /** Users that may log in (basic authentication). */
    users?: Record<string, string>;
    /** Accept only requests SigV4-signed for this region and service "es" with these credentials. */
    sigV4?: { region: string; accessKeyId: string; secretAccessKey: string };
}

export interface DashboardsStandin {
    url: string;
    objects: Map<string, StoredObject>;
    /** "METHOD /path?query" of every request, in order. */
    requestLog: string[];
    /** The imports it accepted, with the request details a test may check. */
    imports: { overwrite: boolean; fileName: string; objectCount: number }[];
    /** Answers the next `count` requests with `status`, as a product that is still starting does (503). */
    answerNext(status: number, count: number): void;
    stop(): Promise<void>;
}

/** The object types both products' saved-objects import knows, of those dle uses. */
const knownTypes = new Set(["index-pattern", "search", "visualization", "dashboard", "config"]);
const xsrfHeader: Record<StandinProduct, string> = { kibana: "kbn-xsrf", "opensearch-dashboards": "osd-xsrf" };

class HttpError extends Error {
    constructor(readonly status: number, message: string) {
        super(message);
    }
}

/** Node's SHA-256 in the shape @smithy/signature-v4 wants (a hash, or an HMAC when given a key). */
class NodeSha256 {
    private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
    constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
        this.hash = this.fresh();
    }
    private fresh() {
        const secret = this.secret;
        if (secret === undefined) return createHash("sha256");
        return createHmac("sha256", typeof secret === "string" ? secret : ArrayBuffer.isView(secret)
            ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength) : Buffer.from(secret));
    }
    update(data: string | ArrayBuffer | ArrayBufferView): void {
        this.hash.update(typeof data === "string" ? data : ArrayBuffer.isView(data)
            ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data));
    }
    async digest(): Promise<Uint8Array> {
        return new Uint8Array(this.hash.digest());
    }
    reset(): void {
        this.hash = this.fresh();
    }
}

/** The multipart/form-data parts of a body: name, filename and content of each. */
function multipartParts(body: Buffer, contentType: string): { name?: string; filename?: string; content: Buffer }[] {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
    if (!contentType.startsWith("multipart/form-data") || !boundary) throw new HttpError(415, `Unsupported Media Type: expected multipart/form-data, got ${contentType || "none"}`);
    const delimiter = `--${boundary[1] ?? boundary[2]}`;
    const text = body.toString("latin1");
    return text.split(delimiter).slice(1, -1).map((raw) => {
        const part = raw.replace(/^\r\n/, "").replace(/\r\n$/, "");
        const split = part.indexOf("\r\n\r\n");
        if (split < 0) throw new HttpError(400, "malformed multipart part");
        const headers = part.slice(0, split);
        const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headers)?.[1] ?? "";
        return {
            name: /name="([^"]*)"/.exec(disposition)?.[1],
            filename: /filename="([^"]*)"/.exec(disposition)?.[1],
            content: Buffer.from(part.slice(split + 4), "latin1"),
        };
    });
}

export async function startDashboardsStandin(options: DashboardsStandinOptions): Promise<DashboardsStandin> {
    const basePath = options.basePath ?? "";
    const objects = new Map<string, StoredObject>();
    const requestLog: string[] = [];
    const imports: DashboardsStandin["imports"] = [];
    const pending: number[] = [];
    const key = (type: string, id: string) => `${type}:${id}`;
    const signer = options.sigV4 && new SignatureV4({
        service: "es",
        region: options.sigV4.region,
        credentials: { accessKeyId: options.sigV4.accessKeyId, secretAccessKey: options.sigV4.secretAccessKey },
        sha256: NodeSha256,
        // An OpenSearch domain does not require x-amz-content-sha256 (S3 does): neither signs it.
        applyChecksum: false,
    });

    async function authenticate(req: http.IncomingMessage, url: URL, body: Buffer): Promise<void> {
        if (options.users) {
            const [user, password] = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString().split(":");
            if (!req.headers.authorization?.startsWith("Basic ") || options.users[user] === undefined || options.users[user] !== password) {
                throw new HttpError(401, "Unauthorized: username or password is incorrect");
            }
        }
        if (signer) {
            const given = req.headers.authorization ?? "";
            const amzDate = String(req.headers["x-amz-date"] ?? "");
            const signedHeaders = /SignedHeaders=([^,]+)/.exec(given)?.[1]?.split(";") ?? [];
            if (!given.startsWith("AWS4-HMAC-SHA256 ") || !/^\d{8}T\d{6}Z$/.test(amzDate) || !signedHeaders.includes("host")) {
                throw new HttpError(403, "User: anonymous is not authorized to perform: es:ESHttpPost (no SigV4 signature)");
            }
            const headers = Object.fromEntries(signedHeaders.map((name) => [name, String(req.headers[name] ?? "")]));
            const expected = await signer.sign({
                method: req.method ?? "GET",
                protocol: "http:",
                hostname: url.hostname,
                port: Number(url.port),
                path: url.pathname,
                query: Object.fromEntries(url.searchParams.entries()),
                headers,
                body,
            }, {
                signingDate: new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`),
                unsignableHeaders: new Set(),
                signableHeaders: new Set(signedHeaders),
            });
            if (expected.headers.authorization !== given) {
                throw new HttpError(403, "The request signature we calculated does not match the signature you provided.");
            }
        }
    }

    function importObjects(req: http.IncomingMessage, url: URL, body: Buffer): unknown {
        const xsrf = xsrfHeader[options.product];
        if (req.headers[xsrf] === undefined) throw new HttpError(400, `Request must contain a ${xsrf} header.`);
        const file = multipartParts(body, String(req.headers["content-type"] ?? "")).find((part) => part.name === "file");
        if (!file) throw new HttpError(400, "[request body.file]: expected value of type [Stream] but got [undefined]");
        if (!file.filename?.endsWith(".ndjson")) throw new HttpError(400, `Invalid file extension ${file.filename ?? "(none)"}`);
        const overwrite = url.searchParams.get("overwrite") === "true";
        const incoming = file.content.toString("utf8").split("\n").filter((line) => line.trim() !== "").map((line) => {
            try {
                return JSON.parse(line) as StoredObject;
            } catch {
                throw new HttpError(400, `Unexpected token in the NDJSON: ${line.slice(0, 80)}`);
            }
        });
        const inFile = new Set(incoming.map((o) => key(o.type, o.id)));
        const errors: unknown[] = [];
        const accepted: StoredObject[] = [];
        for (const object of incoming) {
            const missing = (object.references ?? []).filter((r) => !inFile.has(key(r.type, r.id)) && !objects.has(key(r.type, r.id)));
            if (!knownTypes.has(object.type)) {
                errors.push({ type: object.type, id: object.id, error: { type: "unsupported_type" } });
            } else if (missing.length > 0) {
                errors.push({ type: object.type, id: object.id, error: { type: "missing_references", references: missing.map(({ type, id }) => ({ type, id })) } });
            } else if (objects.has(key(object.type, object.id)) && !overwrite) {
                errors.push({ type: object.type, id: object.id, error: { type: "conflict" } });
            } else {
                accepted.push(object);
            }
        }
        for (const object of accepted) objects.set(key(object.type, object.id), { ...object, references: object.references ?? [] });
        imports.push({ overwrite, fileName: file.filename, objectCount: incoming.length });
        return {
            success: errors.length === 0,
            successCount: accepted.length,
            successResults: accepted.map(({ type, id }) => ({ type, id, ...(overwrite ? { overwrite: true } : {}) })),
            ...(errors.length > 0 ? { errors } : {}),
        };
    }

    function route(req: http.IncomingMessage, url: URL, body: Buffer): unknown {
        if (!url.pathname.startsWith(`${basePath}/`)) throw new HttpError(404, "Not Found");
        const path = url.pathname.slice(basePath.length);
        if (req.method === "GET" && path === "/api/status") return { status: { overall: { level: "available" } } };
        if (req.method === "POST" && path === "/api/saved_objects/_import") return importObjects(req, url, body);
        const get = /^\/api\/saved_objects\/([^/]+)\/([^/]+)$/.exec(path);
        if (req.method === "GET" && get) {
            const [type, id] = [decodeURIComponent(get[1]), decodeURIComponent(get[2])];
            const found = objects.get(key(type, id));
            if (!found) throw new HttpError(404, `Saved object [${type}/${id}] not found`);
            return found;
        }
        throw new HttpError(404, `Not Found (not supported by the stand-in): ${req.method} ${path}`);
    }

    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
            requestLog.push(`${req.method} ${url.pathname}${url.search}`);
            const body = Buffer.concat(chunks);
            const early = pending.shift();
            (early !== undefined ? Promise.reject(new HttpError(early, "Kibana server is not ready yet")) : authenticate(req, url, body))
                .then(() => ({ status: 200, payload: route(req, url, body) }))
                .catch((error: unknown) => {
                    const status = error instanceof HttpError ? error.status : 500;
                    return { status, payload: { statusCode: status, error: http.STATUS_CODES[status], message: (error as Error).message } };
                })
                .then(({ status, payload }) => {
                    res.writeHead(status, { "content-type": "application/json" });
                    res.end(JSON.stringify(payload));
                });
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: "127.0.0.1", port: 0 }, resolve);
    });
    const port = (server.address() as AddressInfo).port;
    return {
        url: `http://127.0.0.1:${port}${basePath}`,
        objects,
        requestLog,
        imports,
        answerNext: (status, count) => pending.push(...Array<number>(count).fill(status)),
        stop: () => new Promise<void>((resolve, reject) => {
            server.close((err) => (err ? reject(err) : resolve()));
            server.closeAllConnections();
        }),
    };
}
