/**
 * The local stack's setup in Elasticsearch for Kibana (kibana_system's password, the reader role, the login
 * user) and its saved-objects import: first the functions, against the Elasticsearch and dashboards stand-ins;
 * then the two Pulumi dynamic providers exactly as Pulumi serializes them, run the way its dynamic-provider host
 * runs them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Client } from "@elastic/elasticsearch";
import { KibanaAccess, applyKibanaAccess, kibanaUserRole } from "../../components/dashboards/elasticsearch-users";
import { savedObjectsFor, toNdjson } from "../../components/dashboards/saved-objects";
import { ElasticsearchStandin, startElasticsearchStandin } from "../standins/elasticsearch-standin";
import { DashboardsStandin, startDashboardsStandin } from "../standins/dashboards-standin";
import { freePort } from "../support/fluentd-process";
import { RecordedResource, generatedSecretMarker, installMocks, plainSecretPaths, unwrapSecrets, valueOf } from "../support/mocks";

const superuser = { username: "elastic", password: `su-${Math.random().toString(36).slice(2)}` };
let elasticsearch: ElasticsearchStandin;
let access: KibanaAccess;
beforeAll(async () => {
    elasticsearch = await startElasticsearchStandin(superuser);
    access = {
        url: elasticsearch.url,
        superuser,
        kibanaSystemPassword: "kibana-system-pw",
        readerRole: { name: "dle-logs-reader", indexPattern: "logstash-*" },
        login: { username: "dle-dashboards", password: "login-pw" },
    };
});
afterAll(() => elasticsearch.stop());

/** A search as `user`, over `index`: the hit count, or the error's status. */
async function searchAs(user: { username: string; password: string }, index: string): Promise<number | string> {
    const client = new Client({ node: elasticsearch.url, auth: user, maxRetries: 0 });
    try {
        const result = await client.search({ index, query: { match_all: {} } });
        return (result.hits.total as { value: number }).value;
    } catch (error) {
        return `status ${(error as { meta?: { statusCode?: number } }).meta?.statusCode}`;
    }
}

describe("Kibana's access to Elasticsearch", () => {
    it("sets kibana_system's password, and a login that may use Kibana and read the log indices only", async () => {
        await applyKibanaAccess(access);
        expect(elasticsearch.store.users.get("kibana_system")?.password).toBe("kibana-system-pw");
        expect(elasticsearch.store.users.get("dle-dashboards")).toEqual({ password: "login-pw", roles: [kibanaUserRole, "dle-logs-reader"] });
        expect(elasticsearch.store.roles.get("dle-logs-reader")).toEqual({ indices: [{ names: ["logstash-*"], privileges: ["read", "view_index_metadata"] }] });
        await new Client({ node: elasticsearch.url, auth: superuser }).bulk({ refresh: true, operations: [{ index: { _index: "logstash-2026.11.25" } }, { log: "x" }] });
        expect(await searchAs(access.login, "logstash-2026.11.25*")).toBe(1);
        expect(await searchAs(access.login, "other-*")).toBe("status 403");
    });

    it("is idempotent: applied again, it changes only what differs", async () => {
        await applyKibanaAccess(access);
        await applyKibanaAccess({ ...access, login: { ...access.login, password: "new-login-pw" } });
        expect(elasticsearch.store.users.get("dle-dashboards")?.password).toBe("new-login-pw");
        expect([...elasticsearch.store.roles.keys()]).toEqual(["dle-logs-reader"]);
    });

    it("names Elasticsearch, the call and the status when the superuser is refused", async () => {
        await expect(applyKibanaAccess({ ...access, superuser: { ...superuser, password: "wrong" } }))
            .rejects.toThrow(`Elasticsearch at ${elasticsearch.url} refused POST /_security/user/kibana_system/_password: 401 `);
    });

    it("says it could not reach Elasticsearch, after the attempts it was given", async () => {
        const closed = `http://127.0.0.1:${await freePort()}`;
        await expect(applyKibanaAccess({ ...access, url: closed }, { attempts: 2, retryDelayMs: 10 }))
            .rejects.toThrow(`Elasticsearch at ${closed} did not answer POST /_security/user/kibana_system/_password after 2 attempt(s): unreachable:`);
    });
});

describe("the dynamic providers, as Pulumi serializes and runs them", () => {
    let resources: RecordedResource[];
    let kibana: DashboardsStandin;
    const objects = toNdjson(savedObjectsFor("logstash"));
    const secret = (name: string) => pulumi.secret(`${generatedSecretMarker}${name}`);

    beforeAll(async () => {
        resources = installMocks({});
        kibana = await startDashboardsStandin({ product: "kibana", users: { "dle-dashboards": `${generatedSecretMarker}login` } });
        // Loaded after the mocks are installed, as the program is.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { KibanaAccessSetup, SavedObjectsImport } = require("../../components/dashboards/local-providers") as typeof import("../../components/dashboards/local-providers");
        const setup = new KibanaAccessSetup("setup", {
            ...access,
            superuser: { username: superuser.username, password: secret("superuser") },
            kibanaSystemPassword: secret("kibana-system"),
            login: { username: "dle-dashboards", password: secret("login") },
        });
        const imported = new SavedObjectsImport("import", {
            target: { url: kibana.url, product: "kibana", auth: { kind: "basic", username: "dle-dashboards", password: secret("login") } },
            objects,
        });
        await Promise.all([valueOf(setup.urn), valueOf(imported.urn)]);
    }, 120_000);
    afterAll(() => kibana.stop());

    const recorded = (name: string) => resources.find((r) => r.name === name)!;
    /** The provider as Pulumi's dynamic-provider host loads it: the serialized module's handler(). */
    const providerOf = (name: string): pulumi.dynamic.ResourceProvider => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dle-provider-")), "provider.js");
        fs.writeFileSync(file, String(recorded(name).inputs.__provider));
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(file).handler();
    };

    it("register as dashboards resources, with every password a secret input and none in the serialized code", () => {
        expect(recorded("setup").type).toBe("pulumi-nodejs:dynamic/dashboards:KibanaAccess");
        expect(recorded("import").type).toBe("pulumi-nodejs:dynamic/dashboards:SavedObjectsImport");
        for (const name of ["setup", "import"]) {
            const inputs = recorded(name).inputs;
            expect(plainSecretPaths(inputs)).toEqual([]);
            // The passwords are there, as secrets.
            expect(JSON.stringify(unwrapSecrets(inputs)).split(generatedSecretMarker).length - 1).toBe(name === "setup" ? 3 : 1);
            const code = String(recorded(name).inputs.__provider);
            expect(code).not.toContain(generatedSecretMarker);
            expect(code).not.toContain(superuser.password);
            // Only Node's built-ins are required: the provider runs outside this project's module tree.
            expect([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((m) => !["crypto"].includes(m))).toEqual([]);
        }
    });

    it("set up Elasticsearch from the serialized code, and return no secret", async () => {
        const provider = providerOf("setup");
        const result = await provider.create({ ...access, kibanaSystemPassword: "from-provider" });
        expect(elasticsearch.store.users.get("kibana_system")?.password).toBe("from-provider");
        expect(JSON.stringify(result.outs)).not.toContain("pw");
        await provider.update!(result.id, result.outs, { ...access, kibanaSystemPassword: "updated" });
        expect(elasticsearch.store.users.get("kibana_system")?.password).toBe("updated");
    });

    it("import the saved objects from the serialized code, and report how many and their digest", async () => {
        const provider = providerOf("import");
        const inputs = { target: { url: kibana.url, product: "kibana", auth: { kind: "basic", username: "dle-dashboards", password: `${generatedSecretMarker}login` } }, objects };
        const result = await provider.create(inputs);
        expect(result.outs).toEqual({ digest: expect.stringMatching(/^[0-9a-f]{64}$/), imported: objects.trim().split("\n").length });
        expect(kibana.objects.has("dashboard:dle-logs-overview")).toBe(true);
        expect(kibana.imports).toEqual([{ overwrite: true, fileName: "dle-saved-objects.ndjson", objectCount: objects.trim().split("\n").length }]);
    });
});
