/**
 * AWS Signature Version 4 for one HTTP request, with Node's crypto only: the dashboards importer runs in a Lambda
 * function whose package holds nothing but this folder's few modules, so it cannot bring the AWS SDK's signer.
 * (The tests check these signatures with the AWS SDK's own signer, @smithy/signature-v4.)
 */
import { createHash, createHmac } from "crypto";

/** Temporary or long-term AWS credentials, as a Lambda function's environment or the default chain gives them. */
export interface AwsCredentials {
    accessKeyId: string;
    secretAccessKey: string;
    /** Present for temporary credentials (a role's); signed with the request. */
    sessionToken?: string;
}

export interface SigningScope {
    region: string;
    /** "es" for Amazon OpenSearch Service domains and their Dashboards. */
    service: string;
}

export interface RequestToSign {
    method: string;
    url: URL;
    /** The headers to send and sign (lowercase names). The Host header is taken from the URL. */
    headers: Record<string, string>;
    body: Buffer;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 encoding, as SigV4 wants it: everything but unreserved characters is percent-encoded. */
function uriEncode(text: string): string {
    return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Every service but S3 encodes each path segment twice: once as sent, once more for the canonical request. */
function canonicalPath(url: URL): string {
    return url.pathname.split("/").map((segment) => uriEncode(uriEncode(decodeURIComponent(segment)))).join("/") || "/";
}

function canonicalQuery(url: URL): string {
    return [...url.searchParams.entries()]
        .map(([key, value]) => [uriEncode(key), uriEncode(value)])
        .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
        .map(([key, value]) => `${key}=${value}`)
        .join("&");
}

/**
 * The headers that sign `request` for `scope` with `credentials` at `now`: `x-amz-date`, `x-amz-security-token`
 * for temporary credentials, and `authorization`. Send them with the request's own headers, unchanged.
 */
export function signV4(request: RequestToSign, scope: SigningScope, credentials: AwsCredentials, now = new Date()): Record<string, string> {
    const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    const day = amzDate.slice(0, 8);
    const added: Record<string, string> = { "x-amz-date": amzDate };
    if (credentials.sessionToken) added["x-amz-security-token"] = credentials.sessionToken;

    const signed: Record<string, string> = { ...request.headers, ...added, host: request.url.host };
    const names = Object.keys(signed).map((name) => name.toLowerCase()).sort();
    const values = Object.fromEntries(Object.entries(signed).map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, " ")]));
    const signedHeaders = names.join(";");
    const canonicalRequest = [
        request.method.toUpperCase(),
        canonicalPath(request.url),
        canonicalQuery(request.url),
        names.map((name) => `${name}:${values[name]}\n`).join(""),
        signedHeaders,
        sha256(request.body),
    ].join("\n");
    const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
    const stringToSign = ["AWS4-HMAC-SHA256", amzDate, credentialScope, sha256(canonicalRequest)].join("\n");
    const signingKey = [day, scope.region, scope.service, "aws4_request"]
        .reduce<Buffer | string>((key, part) => hmac(key, part), `AWS4${credentials.secretAccessKey}`);
    const signature = createHmac("sha256", signingKey).update(stringToSign).digest("hex");
    return {
        ...added,
        authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
}
