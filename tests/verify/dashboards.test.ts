/**
 * The verification suite's dashboards check, against the stand-ins set up the way the stack sets up the real
 * services: Elasticsearch with the login and role that the local stack's setup creates, the dashboards stand-in
 * with the saved objects imported by the stack's importer; and, as on AWS, both signed with SigV4.
 */
import { applyKibanaAccess } from "../../components/dashboards/elasticsearch-users";
import { DashboardsTarget, importSavedObjects } from "../../components/dashboards/saved-objects-import";
import { savedObjectsFor, toNdjson } from "../../components/dashboards/saved-objects";
import { ElasticsearchStandin, startElasticsearchStandin } from "../standins/elasticsearch-standin";
import { DashboardsStandin, startDashboardsStandin } from "../standins/dashboards-standin";
import { checkDashboards } from "./dashboards";
import { markersFor } from "./delivery";
import { StackOutputs } from "./outputs";
import { markerParameter, newRunId } from "./probes";

const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, ".");
const objects = toNdjson(savedObjectsFor("logstash"));

/** Events in today's index as the forwarders write them: the log line with the marker, and @timestamp. */
function index(standin: ElasticsearchStandin, markers: string[], at: Date, forwarder = "primary"): void {
    const name = `logstash-${today()}`;
    const documents = standin.store.ensureIndex(name).documents;
    for (const marker of markers) {
        documents.set(marker, { index: name, id: marker, source: { "@timestamp": at.toISOString(), log: `GET /?${markerParameter}=${marker} HTTP/1.1`, forwarder } });
    }
}

const baseOutputs = (searchUrl: string): StackOutputs => ({
    webappUrl: "http://127.0.0.1:1", storeConnectionString: "mongodb://127.0.0.1:1", storeDatabase: "applogs", storeCollection: "docker",
    searchUrl, searchAuth: "basic", searchIndexPrefix: "logstash", archiveRegion: "us-east-1", archiveBucket: "applogs", archiveKeyPrefix: "logs/",
    forwarderControl: "docker", forwarderPrimary: "p", forwarderSecondary: "s",
});

describe("the dashboards check (local: Kibana, basic authentication)", () => {
    const superuser = { username: "elastic", password: "su-pw" };
    const login = { username: "dle-dashboards", password: "login-pw" };
    let elasticsearch: ElasticsearchStandin;
    let kibana: DashboardsStandin;
    let outputs: StackOutputs;

    beforeAll(async () => {
        elasticsearch = await startElasticsearchStandin(superuser);
        await applyKibanaAccess({ url: elasticsearch.url, superuser, kibanaSystemPassword: "ks-pw", readerRole: { name: "dle-logs-reader", indexPattern: "logstash-*" }, login });
        kibana = await startDashboardsStandin({ product: "kibana", users: { [login.username]: login.password } });
        await importSavedObjects({ url: kibana.url, product: "kibana", auth: { kind: "basic", ...login } }, objects);
        outputs = { ...baseOutputs(elasticsearch.url), searchUsername: "elastic", searchPassword: superuser.password,
            dashboardsUrl: kibana.url, dashboardsProduct: "kibana", dashboardsUsername: login.username, dashboardsPassword: login.password };
    });
    afterAll(() => Promise.all([elasticsearch.stop(), kibana.stop()]));

    it("finds the data view and the dashboard, and the run's markers through the data view, since the run began", async () => {
        const runId = newRunId();
        const since = new Date(Date.now() - 60_000);
        index(elasticsearch, markersFor(runId, 0, 5), new Date());
        index(elasticsearch, markersFor(runId, 5, 2), new Date(since.getTime() - 3_600_000));
        const report = await checkDashboards(outputs, runId, since);
        expect(report.dataViews).toEqual([{ id: "dle-logs", title: "logstash-*", timeFieldName: "@timestamp" }]);
        expect(report.dashboards).toEqual([{ id: "dle-logs-overview", title: "dle logs" }]);
        expect(report.sightings.map((s) => s.marker).sort()).toEqual(markersFor(runId, 0, 5).sort());
        expect(report.sightings.every((s) => s.forwarder === "primary")).toBe(true);
    });

    it("names a dashboard that is not installed, and where it looked", async () => {
        kibana.objects.delete("dashboard:dle-logs-overview");
        try {
            await expect(checkDashboards(outputs, newRunId(), new Date())).rejects.toThrow(
                `The dashboard dle-logs-overview is not installed in Kibana at ${kibana.url}: 404`);
        } finally {
            await importSavedObjects({ url: kibana.url, product: "kibana", auth: { kind: "basic", ...login } }, objects);
        }
    });

    it("refuses a data view over other indices than the stack's", async () => {
        await expect(checkDashboards({ ...outputs, searchIndexPrefix: "applogs" }, newRunId(), new Date()))
            .rejects.toThrow("The data view dle-logs covers logstash-*, not the stack's indices applogs-*");
    });

    it("fails the search when the login may not read the log indices", async () => {
        const granted = elasticsearch.store.roles.get("dle-logs-reader");
        elasticsearch.store.roles.set("dle-logs-reader", { indices: [{ names: ["other-*"], privileges: ["read"] }] });
        try {
            await expect(checkDashboards(outputs, newRunId(), new Date()))
                .rejects.toThrow(`A search through the data view dle-logs (logstash-*, @timestamp) at ${elasticsearch.url} failed:`);
        } finally {
            elasticsearch.store.roles.set("dle-logs-reader", granted);
        }
    });

    it("names the outputs it lacks", async () => {
        await expect(checkDashboards({ ...outputs, dashboardsPassword: undefined }, newRunId(), new Date()))
            .rejects.toThrow("Stack outputs lack `dashboardsUsername`, `dashboardsPassword` (the dashboards' login)");
    });
});

describe("the dashboards check (aws: OpenSearch Dashboards, SigV4)", () => {
    const region = "eu-central-1";
    const key = { accessKeyId: "AKIDVERIFIER", secretAccessKey: "verifier-secret" };
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    let domain: ElasticsearchStandin;
    let osd: DashboardsStandin;

    beforeAll(async () => {
        domain = await startElasticsearchStandin({ sigV4: { region, accessKeyId: key.accessKeyId } });
        osd = await startDashboardsStandin({ product: "opensearch-dashboards", basePath: "/_dashboards", sigV4: { region, ...key } });
        const importer: DashboardsTarget = { url: osd.url, product: "opensearch-dashboards", auth: { kind: "aws-sigv4", region, credentials: key } };
        await importSavedObjects(importer, objects);
        // The default credential chain's first link, as on a verifier instance with keys in its environment.
        process.env.AWS_ACCESS_KEY_ID = key.accessKeyId;
        process.env.AWS_SECRET_ACCESS_KEY = key.secretAccessKey;
    });
    afterAll(async () => {
        for (const [name, value] of [["AWS_ACCESS_KEY_ID", saved.id], ["AWS_SECRET_ACCESS_KEY", saved.secret]] as const) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
        await Promise.all([domain.stop(), osd.stop()]);
    });

    it("reads the saved objects and searches through the data view with signed requests", async () => {
        const runId = newRunId();
        index(domain, markersFor(runId, 0, 3), new Date(), "secondary");
        const report = await checkDashboards({
            ...baseOutputs(domain.url), searchAuth: "aws-sigv4", searchRegion: region, dashboardsUrl: osd.url, dashboardsProduct: "opensearch-dashboards",
        }, runId, new Date(Date.now() - 60_000));
        expect(report.dashboards.map((d) => d.id)).toEqual(["dle-logs-overview"]);
        expect(report.sightings.map((s) => [s.marker, s.forwarder]).sort()).toEqual(markersFor(runId, 0, 3).map((m) => [m, "secondary"]).sort());
        expect(osd.requestLog.filter((r) => r.startsWith("GET"))).toEqual([
            "GET /_dashboards/api/saved_objects/index-pattern/dle-logs", "GET /_dashboards/api/saved_objects/dashboard/dle-logs-overview",
        ]);
    });
});
