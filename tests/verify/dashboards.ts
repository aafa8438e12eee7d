/**
 * The verification suite's look at the dashboards: the repo's data view and dashboard are installed in the
 * stack's Kibana or OpenSearch Dashboards (read through its saved-objects API, with the stack's login locally and
 * SigV4 on AWS), and a search through the installed data view (its index pattern and time field, as Discover
 * queries them, and locally with the dashboards' own login, so its read role is checked too) finds the run's
 * markers.
 */
import * as fs from "fs";
import { Client as ElasticsearchClient } from "@elastic/elasticsearch";
import { Client as OpenSearchClient } from "@opensearch-project/opensearch";
import { AwsSigv4Signer } from "@opensearch-project/opensearch/aws";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { DashboardsTarget, dashboardsRequest, productNames } from "../../components/dashboards/saved-objects-import";
import { SavedObject, parseSavedObjects, savedObjectsFile } from "../../components/dashboards/saved-objects";
import type { StackOutputs } from "./outputs";
import { Sighting, sightingsOf } from "./probes";

export interface DashboardsReport {
    /** Each installed data view: id, index pattern, time field. */
    dataViews: { id: string; title: string; timeFieldName: string }[];
    dashboards: { id: string; title: string }[];
    /** The run's markers found by a search through the (first) data view. */
    sightings: Sighting[];
}

const requestTimeoutMs = 10_000;

/** How the suite reaches the stack's dashboards: the outputs' login locally, the default AWS credentials on AWS. */
async function dashboardsTarget(outputs: StackOutputs): Promise<DashboardsTarget> {
    const { dashboardsUrl: url, dashboardsProduct: product } = outputs;
    const lacking = (names: string) => new Error(`Stack outputs lack ${names}: is the stack deployed, and up to date?`);
    if (!url || !product) throw lacking("`dashboardsUrl`, `dashboardsProduct`");
    if (outputs.searchAuth === "aws-sigv4") {
        const credentials = await defaultProvider()();
        return { url, product, auth: { kind: "aws-sigv4", region: outputs.searchRegion ?? outputs.archiveRegion, credentials } };
    }
    if (!outputs.dashboardsUsername || !outputs.dashboardsPassword) throw lacking("`dashboardsUsername`, `dashboardsPassword` (the dashboards' login)");
    return { url, product, auth: { kind: "basic", username: outputs.dashboardsUsername, password: outputs.dashboardsPassword } };
}

/** An installed saved object, or an error naming it, the product and what it answered. */
async function installed(target: DashboardsTarget, wanted: SavedObject): Promise<SavedObject> {
    const where = `${productNames[target.product]} at ${target.url}`;
    const answer = await dashboardsRequest(target, "GET", `/api/saved_objects/${encodeURIComponent(wanted.type)}/${encodeURIComponent(wanted.id)}`)
        .catch((error: Error & { cause?: Error }) => {
            throw new Error(`${where} is unreachable: ${error.cause?.message ?? error.message}`);
        });
    if (answer.status !== 200) throw new Error(`The ${wanted.type} ${wanted.id} is not installed in ${where}: ${answer.status} ${answer.text.slice(0, 300)}`);
    return JSON.parse(answer.text) as SavedObject;
}

/** Events of the run in `indexPattern` since `since` by `timeField`, as a Discover search on that data view finds them. */
async function searchThroughDataView(outputs: StackOutputs, indexPattern: string, timeField: string, runId: string, since: Date): Promise<{ log?: unknown; forwarder?: unknown }[]> {
    const body = {
        size: 10_000,
        query: { bool: { filter: [{ match: { log: runId } }, { range: { [timeField]: { gte: since.toISOString() } } }] } },
        _source: ["log", "forwarder"],
    };
    if (outputs.searchAuth === "aws-sigv4") {
        const client = new OpenSearchClient({
            ...AwsSigv4Signer({ region: outputs.searchRegion ?? outputs.archiveRegion, service: "es", getCredentials: defaultProvider() }),
            node: outputs.searchUrl,
            requestTimeout: requestTimeoutMs,
            maxRetries: 0,
        });
        try {
            const result = await client.search({ index: indexPattern, body });
            return (result.body.hits.hits as { _source?: { log?: unknown; forwarder?: unknown } }[]).map((hit) => hit._source ?? {});
        } finally {
            await client.close();
        }
    }
    const client = new ElasticsearchClient({
        node: outputs.searchUrl,
        auth: { username: outputs.dashboardsUsername ?? "", password: outputs.dashboardsPassword ?? "" },
        requestTimeout: requestTimeoutMs,
        maxRetries: 0,
    });
    try {
        const result = await client.search<{ log?: unknown; forwarder?: unknown }>({ index: indexPattern, ...body });
        return result.hits.hits.map((hit) => hit._source ?? {});
    } finally {
        await client.close();
    }
}

/**
 * Checks that every data view and dashboard of the repo's saved objects is installed (each data view over
 * `<searchIndexPrefix>-*`), and searches through the first data view for the run's markers since `since`.
 */
export async function checkDashboards(outputs: StackOutputs, runId: string, since: Date, savedObjects = fs.readFileSync(savedObjectsFile, "utf8")): Promise<DashboardsReport> {
    const target = await dashboardsTarget(outputs);
    const wanted = parseSavedObjects(savedObjects).filter((o) => o.type === "index-pattern" || o.type === "dashboard");
    const found = await Promise.all(wanted.map((object) => installed(target, object)));
    const dataViews = found.filter((o) => o.type === "index-pattern").map((o) => ({
        id: o.id, title: String(o.attributes.title), timeFieldName: String(o.attributes.timeFieldName),
    }));
    const expectedTitle = `${outputs.searchIndexPrefix}-*`;
    const wrong = dataViews.filter((v) => v.title !== expectedTitle);
    if (wrong.length > 0) {
        throw new Error(`The data view ${wrong[0].id} covers ${wrong[0].title}, not the stack's indices ${expectedTitle}`);
    }
    if (dataViews.length === 0) throw new Error(`${savedObjectsFile} has no data view to search through`);
    const [view] = dataViews;
    const records = await searchThroughDataView(outputs, view.title, view.timeFieldName, runId, since).catch((error: Error) => {
        throw new Error(`A search through the data view ${view.id} (${view.title}, ${view.timeFieldName}) at ${outputs.searchUrl} failed: ${error.message}`);
    });
    return {
        dataViews,
        dashboards: found.filter((o) => o.type === "dashboard").map((o) => ({ id: o.id, title: String(o.attributes.title) })),
        sightings: records.flatMap((record) => sightingsOf(record, runId)),
    };
}
