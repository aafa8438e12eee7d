/**
 * A container credentials endpoint, as ECS runs one for a task's role: a client holding the authorization token gets
 * AWS credentials as JSON, with an expiry, and asks again before they expire. The AWS SDKs use it when
 * AWS_CONTAINER_CREDENTIALS_FULL_URI names it, sending the token of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE in the
 * Authorization header. The local stack runs it for the forwarders (./server.ts), so that their archive output, like
 * the aws stack's, holds no key: the credentials it serves are a profile of an AWS shared-credentials file (the
 * local S3 server's own keys, or a real AWS profile's).
 *
 * Only node: modules, so that Node.js runs it as it is in the stock Node.js image.
 */
import { timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** The endpoint's settings, by the environment variable ./server.ts reads each from. */
export const endpointVariables = {
    port: "DLE_ENDPOINT_PORT",
    path: "DLE_ENDPOINT_PATH",
    tokenFile: "DLE_ENDPOINT_TOKEN_FILE",
    credentialsFile: "DLE_ENDPOINT_KEYS_FILE",
    profile: "DLE_ENDPOINT_PROFILE",
} as const;

/** The answer's fields, as ECS's endpoint and amazon-ecs-local-container-endpoints give them. */
export interface ServedCredentials {
    AccessKeyId: string;
    SecretAccessKey: string;
    /** Only when the profile has a session token (temporary credentials). */
    Token?: string;
    /** ISO 8601: the SDKs ask again within minutes of it. */
    Expiration: string;
}

export interface CredentialsEndpointOptions {
    /** Where it listens (default 0.0.0.0: inside its container, the credentials network only). */
    host?: string;
    /** 0 for any free port. */
    port: number;
    /** The path the credentials are served at; any other answers 404 (but /healthz). */
    path: string;
    /** The file holding the authorization token a client must send; read at every request, so it can be replaced. */
    tokenFile: string;
    /** An AWS shared-credentials file (INI), read at every request. */
    credentialsFile: string;
    /** The profile of that file whose keys are served. */
    profile: string;
    /** How long the served credentials are said to last (default 3600 s): how often a client comes back. */
    lifetimeSeconds?: number;
    /** One line per refused request or failure (default: a JSON line on stderr). */
    log?: (line: Record<string, unknown>) => void;
}

export interface CredentialsEndpoint {
    /** The URL a client's AWS_CONTAINER_CREDENTIALS_FULL_URI names. */
    url: string;
    port: number;
    /** Requests answered with credentials so far. */
    served(): number;
    close(): Promise<void>;
}

/** The keys of `profile` in an AWS shared-credentials file; an Error naming what is missing. */
export function readProfile(text: string, profile: string, file = "the credentials file"): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } {
    const values: Record<string, string> = {};
    let current: string | undefined;
    let found = false;
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
        const section = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
        if (section) {
            current = section[1];
            if (current === profile) found = true;
            continue;
        }
        const pair = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
        if (pair && current === profile) values[pair[1].toLowerCase()] = pair[2].trim();
    }
    if (!found) throw new Error(`${file} has no profile [${profile}]`);
    const accessKeyId = values.aws_access_key_id;
    const secretAccessKey = values.aws_secret_access_key;
    if (!accessKeyId || !secretAccessKey) {
        throw new Error(`profile [${profile}] of ${file} lacks ${!accessKeyId ? "aws_access_key_id" : "aws_secret_access_key"}`);
    }
    return { accessKeyId, secretAccessKey, ...(values.aws_session_token ? { sessionToken: values.aws_session_token } : {}) };
}

/** Whether the Authorization header is the token: compared in constant time. */
function tokenMatches(sent: string, token: string): boolean {
    const a = Buffer.from(sent);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
}

function answer(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
}

export async function startCredentialsEndpoint(options: CredentialsEndpointOptions): Promise<CredentialsEndpoint> {
    const lifetimeMs = (options.lifetimeSeconds ?? 3600) * 1000;
    const log = options.log ?? ((line) => process.stderr.write(`${JSON.stringify(line)}\n`));
    let served = 0;
    const refuse = (req: IncomingMessage, res: ServerResponse, status: number, message: string) => {
        log({ level: "warn", message: `refused a request for credentials: ${message}`, from: req.socket.remoteAddress, path: req.url });
        answer(res, status, { code: status === 401 ? "Unauthorized" : status === 403 ? "Forbidden" : "NotFound", message });
    };
    const server = createServer((req, res) => {
        if (req.method === "GET" && req.url === "/healthz") return answer(res, 200, { status: "ok" });
        if (req.method !== "GET" || req.url !== options.path) return refuse(req, res, 404, `no credentials at ${req.method} ${req.url}`);
        let token: string;
        let credentials: ReturnType<typeof readProfile>;
        try {
            token = readFileSync(options.tokenFile, "utf8").trim();
            credentials = readProfile(readFileSync(options.credentialsFile, "utf8"), options.profile, options.credentialsFile);
        } catch (error) {
            const message = `cannot serve credentials: ${(error as Error).message}`;
            log({ level: "error", message });
            return answer(res, 500, { code: "InternalError", message });
        }
        const sent = req.headers.authorization;
        if (sent === undefined) return refuse(req, res, 401, "no Authorization header (the client's AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)");
        if (!tokenMatches(sent, token)) return refuse(req, res, 403, "the Authorization header is not the endpoint's token");
        served++;
        const body: ServedCredentials = {
            AccessKeyId: credentials.accessKeyId,
            SecretAccessKey: credentials.secretAccessKey,
            ...(credentials.sessionToken ? { Token: credentials.sessionToken } : {}),
            Expiration: new Date(Date.now() + lifetimeMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
        };
        answer(res, 200, body);
    });
    const host = options.host ?? "0.0.0.0";
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port, host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    return {
        url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}${options.path}`,
        port,
        served: () => served,
        close: () => new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
        }),
    };
}
