/**
 * Imports a saved-objects NDJSON file into Kibana or OpenSearch Dashboards, the way both document it:
 * `POST <base>/api/saved_objects/_import?overwrite=true` with the product's xsrf header and the file as the
 * multipart field `file`. Overwrite makes the import idempotent: a changed object replaces the installed one,
 * an unchanged one is written again as it was.
 *
 * Used by the local stack's Pulumi dynamic provider, by the aws stack's Lambda function (which is packaged from
 * this folder's modules, so they use Node's built-ins only), and by the verification suite.
 */
import { randomBytes } from "crypto";
import { AwsCredentials, signV4 } from "./sigv4";

export type DashboardsProduct = "kibana" | "opensearch-dashboards";

/** The header each product requires on every request that changes something (its CSRF protection). */
const xsrfHeaders: Record<DashboardsProduct, string> = {
    kibana: "kbn-xsrf",
    "opensearch-dashboards": "osd-xsrf",
};

export const productNames: Record<DashboardsProduct, string> = {
    kibana: "Kibana",
    "opensearch-dashboards": "OpenSearch Dashboards",
};

export type DashboardsAuth =
    | { kind: "basic"; username: string; password: string }
    /** Requests signed for the domain (service "es"), as Amazon OpenSearch Service requires with IAM access. */
    | { kind: "aws-sigv4"; region: string; credentials: AwsCredentials };

export interface DashboardsTarget {
    /** Where the product serves its API, without a trailing slash: `http://127.0.0.1:5601`, `https://<domain>/_dashboards`. */
    url: string;
    product: DashboardsProduct;
    auth: DashboardsAuth;
}

export interface ImportOptions {
    /** Attempts while the product is starting (connection refused, 503); at least 1. */
    attempts?: number;
    /** Milliseconds between attempts. */
    retryDelayMs?: number;
    /** Answers that mean "not yet" rather than "no" (default: 502, 503, 504, as while the product starts). */
    retryStatuses?: number[];
}

/**
 * How long one request may take, answer included: without a bound, a product that accepts the connection and never
 * answers would hang `pulumi up` (or the Lambda function until its own timeout). An import writes every object; 60 s
 * leaves room for a loaded machine.
 */
const requestTimeoutMs = 60_000;

/**
 * An HTTP request to a dashboards product, authenticated for it; the answer's status and body. Throws, naming the
 * request, when the answer has not come within requestTimeoutMs.
 */
export async function dashboardsRequest(
    target: DashboardsTarget,
    method: string,
    path: string,
    body: Buffer = Buffer.alloc(0),
    headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
    const url = new URL(`${target.url}${path}`);
    const all: Record<string, string> = { ...headers };
    if (method !== "GET" && method !== "HEAD") all[xsrfHeaders[target.product]] = "true";
    if (target.auth.kind === "basic") {
        all.authorization = `Basic ${Buffer.from(`${target.auth.username}:${target.auth.password}`).toString("base64")}`;
    } else {
        Object.assign(all, signV4({ method, url, headers: all, body }, { region: target.auth.region, service: "es" }, target.auth.credentials));
    }
    try {
        // The signal bounds the answer's body too.
        const response = await fetch(url, { method, headers: all, body: method === "GET" || method === "HEAD" ? undefined : body, signal: AbortSignal.timeout(requestTimeoutMs) });
        return { status: response.status, text: await response.text() };
    } catch (error) {
        if ((error as Error).name === "TimeoutError") throw new Error(`${method} ${url.origin}${url.pathname} got no answer within ${requestTimeoutMs / 1000} s`);
        throw error;
    }
}

interface ImportError {
    type: string;
    id: string;
    title?: string;
    error: { type: string; message?: string; references?: { type: string; id: string }[] };
}

/** Why one object was refused, in a few words. */
function describeError(e: ImportError): string {
    const missing = e.error.references?.map((r) => `${r.type} ${r.id}`).join(", ");
    return `${e.type} ${e.id} (${e.error.type}${missing ? `: ${missing}` : ""}${e.error.message ? `: ${e.error.message}` : ""})`;
}

/** The multipart/form-data body with `ndjson` as the field `file`, as a browser's file upload sends it. */
export function multipartFile(ndjson: string, boundary = `dle-${randomBytes(12).toString("hex")}`): { body: Buffer; contentType: string } {
    const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="dle-saved-objects.ndjson"\r\nContent-Type: application/ndjson\r\n\r\n`),
        Buffer.from(ndjson, "utf8"),
        Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Imports `ndjson` with overwrite and returns how many objects the product accepted. Throws an error naming the
 * product, its URL and the reason: unreachable or not ready after the attempts, refused (401, 403, 400 with the
 * product's message), or the objects it could not import (with each one's type, id and error).
 */
export async function importSavedObjects(target: DashboardsTarget, ndjson: string, options: ImportOptions = {}): Promise<{ successCount: number }> {
    const attempts = Math.max(1, options.attempts ?? 1);
    const retryStatuses = options.retryStatuses ?? [502, 503, 504];
    const where = `${productNames[target.product]} at ${target.url}`;
    const { body, contentType } = multipartFile(ndjson);
    let last = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 5_000));
        let answer: { status: number; text: string };
        try {
            answer = await dashboardsRequest(target, "POST", "/api/saved_objects/_import?overwrite=true", body, {
                "content-type": contentType,
                // With fine-grained access control, OpenSearch Dashboards keeps saved objects per tenant: the global
                // tenant's are everyone's. (Without it, the header is ignored.)
                ...(target.product === "opensearch-dashboards" ? { securitytenant: "global" } : {}),
            });
        } catch (error) {
            last = `unreachable: ${(error as { cause?: Error }).cause?.message ?? (error as Error).message}`;
            continue;
        }
        if (retryStatuses.includes(answer.status)) {
            last = `answered ${answer.status}: ${answer.text.slice(0, 300)}`;
            continue;
        }
        if (answer.status !== 200) {
            throw new Error(`Importing the saved objects into ${where} failed: ${answer.status} ${answer.text.slice(0, 500)}`);
        }
        const result = JSON.parse(answer.text) as { success: boolean; successCount: number; errors?: ImportError[] };
        if (!result.success || (result.errors ?? []).length > 0) {
            const errors = result.errors ?? [];
            throw new Error(`${where} refused ${errors.length} saved object(s): ${errors.map(describeError).join("; ")}`);
        }
        return { successCount: result.successCount };
    }
    throw new Error(`Importing the saved objects into ${where} failed after ${attempts} attempt(s): ${last}`);
}
