/**
 * The local stack's container credentials endpoint (components/archive/credentials-endpoint/) on loopback, serving
 * s3rver's keys: the forwarders' archive output gets its keys from it, as in the stack, through the AWS SDK's
 * default credential chain (AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { sharedCredentialsFile } from "../../components/archive/local";
import { startCredentialsEndpoint } from "../../components/archive/credentials-endpoint/endpoint";

/** What a forwarder is given: the endpoint's URL and the token it sends. */
export interface LoopbackArchiveCredentials {
    url: string;
    token: string;
}

export interface LoopbackCredentialsEndpoint {
    /** For the forwarders' environment. */
    client: LoopbackArchiveCredentials;
    /** The endpoint's own token file: write the clients' token into it to accept them. */
    tokenFile: string;
    /** Requests answered with credentials so far. */
    served(): number;
    /** What it logged: each refused request, with why. */
    log: Record<string, unknown>[];
    close(): Promise<void>;
}

/**
 * Starts the endpoint on 127.0.0.1 (a loopback address, which the AWS SDK accepts over plain HTTP), serving `keys`.
 * `endpointToken` makes it expect another token than the one its clients are given (default: theirs).
 */
export async function startLoopbackCredentialsEndpoint(keys: { accessKeyId: string; secretAccessKey: string }, options: { endpointToken?: string } = {}): Promise<LoopbackCredentialsEndpoint> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-credentials-"));
    const token = `token-${Math.random().toString(36).slice(2)}`;
    const tokenFile = path.join(dir, "token");
    const credentialsFile = path.join(dir, "credentials");
    fs.writeFileSync(tokenFile, options.endpointToken ?? token, { mode: 0o600 });
    fs.writeFileSync(credentialsFile, sharedCredentialsFile("dle-archive", keys), { mode: 0o600 });
    const log: Record<string, unknown>[] = [];
    const endpoint = await startCredentialsEndpoint({
        host: "127.0.0.1", port: 0, path: "/v1/credentials/dle-forwarder", tokenFile, credentialsFile, profile: "dle-archive",
        log: (line) => log.push(line),
    });
    return {
        client: { url: endpoint.url, token },
        tokenFile,
        served: endpoint.served,
        log,
        async close() {
            await endpoint.close();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
