/**
 * The importer's set-up of the domain's fine-grained access control (components/dashboards/security-setup.ts): the
 * requests it makes to the security plugin's REST API, in order and signed, against a recording server; what it does
 * with "not yet" and with a refusal; and dle's roles as the repo's file gives them.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { SecuritySetup, applySecurity, securityRequests } from "../../components/dashboards/security-setup";
import { openSearchRoles } from "../../components/search/aws";

const setup: SecuritySetup = {
    roles: openSearchRoles("logstash"),
    mappings: {
        dle_forwarder: { backendRoles: ["arn:aws:iam::111111111111:role/forwarder"], users: [] },
        dle_reader: { backendRoles: ["arn:aws:iam::111111111111:role/canary"], users: ["arn:aws:iam::111111111111:user/verifier"] },
    },
};
const auth = { kind: "aws-sigv4" as const, region: "eu-west-1", credentials: { accessKeyId: "ASIATEST", secretAccessKey: "secret", sessionToken: "token" } };

interface Recorded { method: string; path: string; body: unknown; authorization: string }

/** A server that records each request and answers with the next of `statuses` (then 200). */
async function recorder(statuses: number[] = []): Promise<{ url: string; requests: Recorded[]; close(): Promise<void> }> {
    const requests: Recorded[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            requests.push({ method: req.method!, path: req.url!, body: JSON.parse(Buffer.concat(chunks).toString() || "null"), authorization: String(req.headers.authorization) });
            const status = statuses.shift() ?? 200;
            res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(status === 200 ? { status: "OK" } : { error: `status ${status}` }));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("dle's roles", () => {
    it("let the forwarders write and the readers search the log indices of the prefix, nothing else", () => {
        expect(Object.keys(setup.roles).sort()).toEqual(["dle_forwarder", "dle_reader"]);
        expect(setup.roles.dle_forwarder.index_permissions).toEqual([{ index_patterns: ["logstash-*"], allowed_actions: ["crud", "create_index", "indices:admin/mapping/put"] }]);
        expect(setup.roles.dle_reader.index_permissions).toEqual([{ index_patterns: ["logstash-*"], allowed_actions: ["read"] }]);
        expect(setup.roles.dle_reader.cluster_permissions).toEqual(["cluster_composite_ops_ro"]);
    });
});

describe("applySecurity", () => {
    it("puts the roles, then their mappings, then turns audit logging on, each request signed for the domain", async () => {
        const server = await recorder();
        try {
            expect(await applySecurity({ url: server.url, product: "opensearch-dashboards", auth }, setup)).toEqual({ requests: 5 });
            expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
                "PUT /_plugins/_security/api/roles/dle_forwarder",
                "PUT /_plugins/_security/api/roles/dle_reader",
                "PUT /_plugins/_security/api/rolesmapping/dle_forwarder",
                "PUT /_plugins/_security/api/rolesmapping/dle_reader",
                "PATCH /_plugins/_security/api/audit",
            ]);
            expect(server.requests[3].body).toEqual({ backend_roles: ["arn:aws:iam::111111111111:role/canary"], users: ["arn:aws:iam::111111111111:user/verifier"], hosts: [] });
            expect(server.requests[4].body).toEqual([{ op: "add", path: "/config/enabled", value: true }]);
            for (const r of server.requests) expect(r.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIATEST\/\d{8}\/eu-west-1\/es\/aws4_request, /);
        } finally {
            await server.close();
        }
    });

    it("waits out a domain that answers 503 or 403 while its access control comes up", async () => {
        const server = await recorder([503, 403]);
        try {
            await applySecurity({ url: server.url, product: "opensearch-dashboards", auth }, setup, { attempts: 3, retryDelayMs: 10, retryStatuses: [403, 503] });
            expect(server.requests.map((r) => r.path).slice(0, 3)).toEqual(Array(3).fill("/_plugins/_security/api/roles/dle_forwarder"));
            expect(server.requests).toHaveLength(7);
        } finally {
            await server.close();
        }
    });

    it("stops at a refusal, naming the request and the answer", async () => {
        const server = await recorder([200, 400]);
        try {
            await expect(applySecurity({ url: server.url, product: "opensearch-dashboards", auth }, setup, { attempts: 3, retryDelayMs: 10, retryStatuses: [403, 503] }))
                .rejects.toThrow(`Setting up the domain's access control at ${server.url} failed: PUT /_plugins/_security/api/roles/dle_reader answered 400 {"error":"status 400"}`);
            expect(server.requests).toHaveLength(2);
        } finally {
            await server.close();
        }
    });

    it("makes one request per role and mapping, the mappings after the roles they name", () => {
        const requests = securityRequests(setup).map((r) => r.path);
        expect(requests.indexOf("/_plugins/_security/api/rolesmapping/dle_reader")).toBeGreaterThan(requests.indexOf("/_plugins/_security/api/roles/dle_reader"));
    });
});
