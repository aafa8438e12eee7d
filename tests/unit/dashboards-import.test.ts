/**
 * The saved-objects importer (components/dashboards/saved-objects-import.ts), the one the local dynamic provider,
 * the aws Lambda function and the verification suite use, against the dashboards stand-in as Kibana (basic
 * authentication, kbn-xsrf) and as a domain's OpenSearch Dashboards (SigV4, osd-xsrf, under /_dashboards).
 */
import { DashboardsTarget, importSavedObjects, multipartFile } from "../../components/dashboards/saved-objects-import";
import { savedObjectsFor, toNdjson } from "../../components/dashboards/saved-objects";
import { DashboardsStandin, startDashboardsStandin } from "../standins/dashboards-standin";
import { freePort } from "../support/fluentd-process";

const objects = toNdjson(savedObjectsFor("logstash"));
const objectCount = objects.trim().split("\n").length;
const password = `pw-${Math.random().toString(36).slice(2)}`;
const awsKey = { accessKeyId: "AKIDSTANDIN", secretAccessKey: "standin-secret-key", sessionToken: "standin-session-token" };

let kibana: DashboardsStandin;
let osd: DashboardsStandin;
beforeAll(async () => {
    kibana = await startDashboardsStandin({ product: "kibana", users: { "dle-dashboards": password } });
    osd = await startDashboardsStandin({ product: "opensearch-dashboards", basePath: "/_dashboards", sigV4: { region: "eu-west-1", ...awsKey } });
});
afterAll(() => Promise.all([kibana.stop(), osd.stop()]));

const kibanaTarget = (pw = password): DashboardsTarget => ({ url: kibana.url, product: "kibana", auth: { kind: "basic", username: "dle-dashboards", password: pw } });
const osdTarget = (secretAccessKey = awsKey.secretAccessKey): DashboardsTarget =>
    ({ url: osd.url, product: "opensearch-dashboards", auth: { kind: "aws-sigv4", region: "eu-west-1", credentials: { ...awsKey, secretAccessKey } } });

describe("importing into Kibana", () => {
    it("sends the file with kbn-xsrf, overwrite and basic authentication, and every object is installed", async () => {
        expect(await importSavedObjects(kibanaTarget(), objects)).toEqual({ successCount: objectCount });
        expect(kibana.imports.at(-1)).toEqual({ overwrite: true, fileName: "dle-saved-objects.ndjson", objectCount });
        expect(kibana.objects.get("dashboard:dle-logs-overview")?.attributes.title).toBe("dle logs");
        expect(kibana.requestLog.at(-1)).toBe("POST /api/saved_objects/_import?overwrite=true");
    });

    it("imports the same objects again without conflict, and a changed object replaces the installed one", async () => {
        await importSavedObjects(kibanaTarget(), objects);
        const changed = objects.replace('"title":"dle logs"', '"title":"dle logs, changed"');
        expect(await importSavedObjects(kibanaTarget(), changed)).toEqual({ successCount: objectCount });
        expect(kibana.objects.get("dashboard:dle-logs-overview")?.attributes.title).toBe("dle logs, changed");
    });

    it("names the product, its URL and the status when it refuses the login", async () => {
        await expect(importSavedObjects(kibanaTarget("wrong"), objects))
            .rejects.toThrow(`Importing the saved objects into Kibana at ${kibana.url} failed: 401 `);
    });

    it("names every object the product could not import, and why", async () => {
        const orphan = '{"type":"visualization","id":"orphan","attributes":{"title":"o"},"references":[{"name":"x","type":"index-pattern","id":"gone"}]}\n';
        await expect(importSavedObjects(kibanaTarget(), orphan))
            .rejects.toThrow(`Kibana at ${kibana.url} refused 1 saved object(s): visualization orphan (missing_references: index-pattern gone)`);
    });

    it("waits for a product that is still starting (503), for the attempts it was given", async () => {
        kibana.answerNext(503, 2);
        expect(await importSavedObjects(kibanaTarget(), objects, { attempts: 3, retryDelayMs: 10 })).toEqual({ successCount: objectCount });
        kibana.answerNext(503, 2);
        await expect(importSavedObjects(kibanaTarget(), objects, { attempts: 2, retryDelayMs: 10 }))
            .rejects.toThrow(`Importing the saved objects into Kibana at ${kibana.url} failed after 2 attempt(s): answered 503: `);
    });

    it("says where it could not connect, after the attempts it was given", async () => {
        const closed = `http://127.0.0.1:${await freePort()}`;
        await expect(importSavedObjects({ ...kibanaTarget(), url: closed }, objects, { attempts: 2, retryDelayMs: 10 }))
            .rejects.toThrow(new RegExp(`^Importing the saved objects into Kibana at ${closed} failed after 2 attempt\\(s\\): unreachable: .*ECONNREFUSED`));
    });
});

describe("importing into a domain's OpenSearch Dashboards", () => {
    it("signs the request with SigV4 (session token included) and sends osd-xsrf under /_dashboards", async () => {
        expect(await importSavedObjects(osdTarget(), objects)).toEqual({ successCount: objectCount });
        expect(osd.requestLog.at(-1)).toBe("POST /_dashboards/api/saved_objects/_import?overwrite=true");
        expect(osd.objects.get("index-pattern:dle-logs")?.attributes.title).toBe("logstash-*");
    });

    it("is refused when the signature is not the one the credentials make", async () => {
        await expect(importSavedObjects(osdTarget("another-secret"), objects))
            .rejects.toThrow(/OpenSearch Dashboards at .*\/_dashboards failed: 403 .*signature we calculated does not match/);
    });
});

describe("the dashboards stand-in refuses what the products refuse", () => {
    const post = async (standin: DashboardsStandin, query: string, headers: Record<string, string>, body: Buffer) => {
        const response = await fetch(`${standin.url}/api/saved_objects/_import${query}`, {
            method: "POST",
            headers: { authorization: `Basic ${Buffer.from(`dle-dashboards:${password}`).toString("base64")}`, ...headers },
            body,
        });
        return { status: response.status, body: await response.json() as Record<string, unknown> };
    };
    const file = multipartFile('{"type":"index-pattern","id":"dle-logs","attributes":{"title":"logstash-*"}}\n', "b0undary");

    it("an import without the product's xsrf header (the other product's does not count)", async () => {
        const answer = await post(kibana, "?overwrite=true", { "content-type": file.contentType, "osd-xsrf": "true" }, file.body);
        expect(answer).toEqual({ status: 400, body: expect.objectContaining({ message: "Request must contain a kbn-xsrf header." }) });
    });

    it("a file that is not .ndjson, and a body that is not multipart", async () => {
        const json = multipartFile("{}", "b0undary");
        const renamed = Buffer.from(json.body.toString().replace("dle-saved-objects.ndjson", "objects.json"));
        expect((await post(kibana, "", { "content-type": json.contentType, "kbn-xsrf": "true" }, renamed)).body.message).toBe("Invalid file extension objects.json");
        expect((await post(kibana, "", { "content-type": "application/json", "kbn-xsrf": "true" }, Buffer.from("{}"))).status).toBe(415);
    });

    it("an existing object without overwrite: a conflict", async () => {
        await importSavedObjects(kibanaTarget(), objects);
        const answer = await post(kibana, "", { "content-type": file.contentType, "kbn-xsrf": "true" }, file.body);
        expect(answer.body).toEqual(expect.objectContaining({ success: false, errors: [{ type: "index-pattern", id: "dle-logs", error: { type: "conflict" } }] }));
    });
});
