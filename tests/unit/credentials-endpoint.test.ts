/**
 * The local stack's container credentials endpoint (components/archive/credentials-endpoint/endpoint.ts) over HTTP:
 * what it serves to a client with the token, what it answers without one, and the shared-credentials profiles it reads.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CredentialsEndpoint, readProfile, startCredentialsEndpoint } from "../../components/archive/credentials-endpoint/endpoint";

let dir: string;
let endpoint: CredentialsEndpoint;
const logged: Record<string, unknown>[] = [];
const tokenFile = () => path.join(dir, "token");
const keysFile = () => path.join(dir, "credentials");

beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-credentials-test-"));
    fs.writeFileSync(tokenFile(), "the-token\n");
    fs.writeFileSync(keysFile(), "[default]\naws_access_key_id = OTHER\naws_secret_access_key = other\n\n[dle-archive]\naws_access_key_id = AKID\naws_secret_access_key = s3cr3t\n");
    logged.length = 0;
    endpoint = await startCredentialsEndpoint({
        host: "127.0.0.1", port: 0, path: "/v1/credentials/x", tokenFile: tokenFile(), credentialsFile: keysFile(), profile: "dle-archive",
        lifetimeSeconds: 900, log: (line) => logged.push(line),
    });
});

afterEach(async () => {
    await endpoint.close();
    fs.rmSync(dir, { recursive: true, force: true });
});

const get = (headers: Record<string, string> = {}, url = endpoint.url) => fetch(url, { headers });

describe("the credentials endpoint", () => {
    it("serves the profile's keys to a client sending the token, with an expiry its lifetime ahead", async () => {
        const before = Date.now();
        const res = await get({ authorization: "the-token" });
        expect(res.status).toBe(200);
        const body = await res.json() as Record<string, string>;
        expect(body).toEqual({ AccessKeyId: "AKID", SecretAccessKey: "s3cr3t", Expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
        const expires = Date.parse(body.Expiration);
        expect(expires).toBeGreaterThanOrEqual(before + 899_000);
        expect(expires).toBeLessThanOrEqual(Date.now() + 900_000);
        expect(endpoint.served()).toBe(1);
    });

    it("refuses a client without the token (401) or with another (403), saying why, and logs each refusal", async () => {
        const none = await get();
        expect(none.status).toBe(401);
        expect(await none.json()).toEqual({ code: "Unauthorized", message: expect.stringContaining("no Authorization header") });
        const wrong = await get({ authorization: "the-token-not" });
        expect(wrong.status).toBe(403);
        expect(await wrong.json()).toEqual({ code: "Forbidden", message: "the Authorization header is not the endpoint's token" });
        expect(logged.map((l) => l.message)).toEqual([
            expect.stringContaining("refused a request for credentials: no Authorization header"),
            "refused a request for credentials: the Authorization header is not the endpoint's token",
        ]);
        expect(endpoint.served()).toBe(0);
    });

    it("serves nothing at another path, but answers its health check without a token", async () => {
        expect((await get({ authorization: "the-token" }, endpoint.url.replace("/x", "/y"))).status).toBe(404);
        expect((await get({}, endpoint.url.replace("/v1/credentials/x", "/healthz"))).status).toBe(200);
    });

    it("reads the token and the keys at every request: a replaced token is the one accepted", async () => {
        fs.writeFileSync(tokenFile(), "a-new-token");
        expect((await get({ authorization: "the-token" })).status).toBe(403);
        expect((await get({ authorization: "a-new-token" })).status).toBe(200);
    });

    it("answers 500 naming the file and the profile when the profile is missing", async () => {
        fs.writeFileSync(keysFile(), "[default]\naws_access_key_id = OTHER\naws_secret_access_key = other\n");
        const res = await get({ authorization: "the-token" });
        expect(res.status).toBe(500);
        expect(((await res.json()) as { message: string }).message).toBe(`cannot serve credentials: ${keysFile()} has no profile [dle-archive]`);
    });
});

describe("readProfile", () => {
    it("passes a session token on, for temporary credentials (a real AWS profile's)", () => {
        expect(readProfile("[p]\naws_access_key_id=ASIA1\naws_secret_access_key = k\naws_session_token = tok==\n", "p"))
            .toEqual({ accessKeyId: "ASIA1", secretAccessKey: "k", sessionToken: "tok==" });
    });

    it("names the key a profile lacks", () => {
        expect(() => readProfile("[p]\naws_access_key_id = A\n", "p", "creds")).toThrow("profile [p] of creds lacks aws_secret_access_key");
    });
});
