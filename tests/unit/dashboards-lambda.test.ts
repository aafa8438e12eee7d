/**
 * The aws stack's importer function as it is packaged: the transpiled modules, loaded from a directory of their
 * own (as Lambda loads the package), importing into the dashboards stand-in as a domain's OpenSearch Dashboards.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { builtinModules } from "module";
import { lambdaHandler, lambdaSources } from "../../components/dashboards/lambda-code";
import { savedObjectsFor, toNdjson } from "../../components/dashboards/saved-objects";
import type { ImportEvent } from "../../components/dashboards/importer-lambda";
import type { ImportOptions } from "../../components/dashboards/saved-objects-import";
import { DashboardsStandin, startDashboardsStandin } from "../standins/dashboards-standin";

const credentials = { AWS_ACCESS_KEY_ID: "ASIASTANDIN", AWS_SECRET_ACCESS_KEY: "lambda-role-secret", AWS_SESSION_TOKEN: "lambda-role-token" };
const sources = lambdaSources();
let osd: DashboardsStandin;
let importer: { handler: unknown; lambdaRetry: ImportOptions; importEvent(event: ImportEvent, env: NodeJS.ProcessEnv, retry?: ImportOptions): Promise<{ imported: number }> };

beforeAll(async () => {
    osd = await startDashboardsStandin({
        product: "opensearch-dashboards",
        basePath: "/_dashboards",
        sigV4: { region: "us-east-1", accessKeyId: credentials.AWS_ACCESS_KEY_ID, secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY },
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-lambda-"));
    for (const [file, source] of Object.entries(sources)) fs.writeFileSync(path.join(dir, file), source);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    importer = require(path.join(dir, lambdaHandler.replace(/\.handler$/, ".js")));
});
afterAll(() => osd.stop());

const env = () => ({ DASHBOARDS_URL: osd.url, AWS_REGION: "us-east-1", ...credentials });

describe("the importer function's package", () => {
    it("holds the handler and the modules it imports, which need only Node's built-ins", () => {
        expect(Object.keys(sources).sort()).toEqual(["importer-lambda.js", "saved-objects-import.js", "security-setup.js", "sigv4.js"]);
        expect(typeof importer.handler).toBe("function");
        const required = Object.values(sources).flatMap((source) => [...source.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
        const outside = required.filter((name) => !(name.startsWith("./") && `${name.slice(2)}.js` in sources) && !builtinModules.includes(name));
        expect(outside).toEqual([]);
    });

    it("imports the objects it is invoked with, signed with the function's role credentials", async () => {
        const objects = toNdjson(savedObjectsFor("logstash"));
        expect(await importer.importEvent({ objects }, env())).toEqual({ imported: objects.trim().split("\n").length });
        expect(osd.requestLog).toEqual(["POST /_dashboards/api/saved_objects/_import?overwrite=true"]);
        expect(osd.objects.get("dashboard:dle-logs-overview")?.attributes.title).toBe("dle logs");
    });

    it("takes a 403 for permissions still reaching the domain, for a bounded while, then fails the invocation with the reason", async () => {
        expect(importer.lambdaRetry).toEqual({ attempts: 6, retryDelayMs: 10_000, retryStatuses: [403, 502, 503, 504] });
        const quick = { ...importer.lambdaRetry, retryDelayMs: 10 };
        await expect(importer.importEvent({ objects: toNdjson(savedObjectsFor("logstash")) }, { ...env(), AWS_SECRET_ACCESS_KEY: "rotated" }, quick))
            .rejects.toThrow(/OpenSearch Dashboards at .*\/_dashboards failed after 6 attempt\(s\): answered 403: .*signature/);
    });

    it("names what it lacks: the objects, or a variable of its environment", async () => {
        await expect(importer.importEvent({ objects: "" }, env())).rejects.toThrow("The dashboards importer was invoked without `objects`");
        const { DASHBOARDS_URL: _omitted, ...withoutUrl } = env();
        await expect(importer.importEvent({ objects: "{}" }, withoutUrl)).rejects.toThrow("The dashboards importer needs the environment variable DASHBOARDS_URL");
    });
});
