/**
 * The saved objects both targets import (components/dashboards/saved-objects.ndjson): their fields against the
 * index template, their format against what Kibana 8.19 and OpenSearch Dashboards 2.19 both import, and the
 * dashboard's panels against what it promises.
 */
import * as fs from "fs";
import { defaults } from "../../components/config";
import { SavedObject, parseSavedObjects, savedObjectsFile, savedObjectsFor, toNdjson } from "../../components/dashboards/saved-objects";
import { readIndexTemplate } from "../support/index-template";
import { fieldProblems, fieldUses, kqlFieldUses } from "../support/saved-object-fields";

const text = fs.readFileSync(savedObjectsFile, "utf8");
const objects = parseSavedObjects(text);
const template = readIndexTemplate();
const byKey = new Map(objects.map((o) => [`${o.type}/${o.id}`, o]));
const ofType = (type: string) => objects.filter((o) => o.type === type);
const json = (value: unknown) => JSON.parse(String(value));
const queryOf = (o: SavedObject): string => json((o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON).query.query;
type Agg = { type: string; schema: string; params: Record<string, unknown> };
const aggsOf = (o: SavedObject): Agg[] => json(o.attributes.visState).aggs;

describe("the saved objects' fields", () => {
    it("exist in the index template, each with a type its use accepts", () => {
        expect(fieldProblems(objects, template.fieldTypes)).toEqual([]);
        // The check sees every kind of use the file has, so an empty list means something.
        const kinds = new Set(fieldUses(objects).map((u) => u.use.replace(/ '.*'$/, "")));
        expect([...kinds].sort()).toEqual([
            "column", "data view time field", "date_histogram aggregation", "filter", "percentiles aggregation", "query", "sort", "terms aggregation",
        ]);
    });

    it("would break on a renamed field, a retyped field, or an aggregation on an analysed field", () => {
        const renamed = parseSavedObjects(text.replaceAll("request_time", "request_seconds"));
        expect(fieldProblems(renamed, template.fieldTypes)).toContain(
            "visualization/dle-vis-request-time: percentiles aggregation uses request_seconds, which the index template does not map");
        const retyped = new Map(template.fieldTypes).set("status", "keyword");
        expect(fieldProblems(objects, retyped)).toContain(
            "visualization/dle-vis-5xx: query 'log_type:nginx_access and status >= 500' needs status to be " +
            "byte|short|integer|long|unsigned_long|half_float|float|double|scaled_float|date|date_nanos|ip, but it is keyword");
        const onText = parseSavedObjects(text.replace('\\"field\\":\\"path\\"', '\\"field\\":\\"message\\"'));
        expect(fieldProblems(onText, template.fieldTypes)).toEqual([
            expect.stringMatching(/^visualization\/dle-vis-top-paths: terms aggregation needs message to be keyword\|.*, but it is text$/),
        ]);
    });

    it("reads the fields of KQL queries, and only the fields", () => {
        expect(kqlFieldUses('log_type:app and (level:(error or fatal) or error_type:* or stack:*)').map((u) => u.field))
            .toEqual(["log_type", "level", "error_type", "stack"]);
        expect(kqlFieldUses('path:"/a:b" and status >= 500').map((u) => u.field)).toEqual(["path", "status"]);
    });
});

describe("the saved objects' format", () => {
    // The newest migration each type has in OpenSearch Dashboards 2.19 (the Kibana 7.10 line it forked): an object
    // marked newer is refused there; Kibana 8.19 migrates these on import.
    const sharedMigrations: Record<string, string> = { "index-pattern": "7.6.0", search: "7.9.3", visualization: "7.10.0", dashboard: "7.9.3" };
    const newer = (a: string, b: string): boolean => {
        const [x, y] = [a, b].map((v) => v.split(".").map(Number));
        const differs = x.findIndex((n, i) => n !== y[i]);
        return differs >= 0 && x[differs] > y[differs];
    };

    it("uses only types both products know, with unique ids", () => {
        expect(new Set(objects.map((o) => o.type))).toEqual(new Set(Object.keys(sharedMigrations)));
        expect(byKey.size).toBe(objects.length);
    });

    it("is in the format both products import: no migration newer than OpenSearch Dashboards knows, no Kibana 8 export markers", () => {
        for (const object of objects) {
            const version = object.migrationVersion?.[object.type];
            expect([object.id, version !== undefined && !newer(version, sharedMigrations[object.type])]).toEqual([object.id, true]);
            expect(Object.keys(object).filter((k) => ["coreMigrationVersion", "typeMigrationVersion", "managed"].includes(k))).toEqual([]);
        }
        expect(newer("7.10.0", "7.9.3")).toBe(true);
        expect(newer("7.9.3", "7.10.0")).toBe(false);
    });

    it("uses classic aggregation-based visualizations only (Lens does not exist in OpenSearch Dashboards)", () => {
        const types = ofType("visualization").map((o) => json(o.attributes.visState).type);
        expect(types.filter((t) => !["histogram", "line", "area", "table", "metric"].includes(t))).toEqual([]);
    });

    it("leaves out settings the two products name differently, so each uses its default", () => {
        // Kibana's date_histogram has useNormalizedEsInterval, OpenSearch Dashboards' useNormalizedOpenSearchInterval.
        expect(text).not.toMatch(/useNormalized(Es|OpenSearch)Interval/);
    });

    it("resolves every reference within the file", () => {
        const dangling = objects.flatMap((o) => o.references.filter((r) => !byKey.has(`${r.type}/${r.id}`)).map((r) => `${o.id} -> ${r.type}/${r.id}`));
        expect(dangling).toEqual([]);
        for (const dashboard of ofType("dashboard")) {
            const refNames = json(dashboard.attributes.panelsJSON).map((p: { panelRefName: string }) => p.panelRefName).sort();
            expect(refNames).toEqual(dashboard.references.map((r) => r.name).sort());
        }
    });

    it("names the line of a malformed object", () => {
        expect(() => parseSavedObjects('{"type":"search","id":"a","attributes":{}}\n{not json\n', "x.ndjson")).toThrow(/^x\.ndjson:2: not JSON/);
        expect(() => parseSavedObjects('{"type":"search","attributes":{}}\n', "x.ndjson")).toThrow("x.ndjson:1: a saved object needs a string `type`, a string `id`");
    });
});

describe("the data view and the saved searches", () => {
    it("has one data view, over the index template's indices, with @timestamp as its time field", () => {
        const [view, ...others] = ofType("index-pattern");
        expect(others).toEqual([]);
        expect(view.attributes).toEqual(expect.objectContaining({ title: `${defaults.searchIndexPrefix}-*`, timeFieldName: "@timestamp" }));
        // The template names its indices by the placeholder the forwarders' search output fills in (customize_template).
        expect(template.indexPatterns.map((p) => p.replace("<<INDEX_PREFIX>>", defaults.searchIndexPrefix))).toContain(view.attributes.title);
    });

    it("takes the data view's index pattern from dle:searchIndexPrefix, and nothing else", () => {
        const installed = savedObjectsFor("applogs");
        expect(installed.find((o) => o.type === "index-pattern")?.attributes.title).toBe("applogs-*");
        const others = (list: SavedObject[]) => list.filter((o) => o.type !== "index-pattern");
        expect(others(installed)).toEqual(others(objects));
        expect(parseSavedObjects(toNdjson(installed))).toEqual(installed);
    });

    it.each(["nginx_access", "nginx_error", "app"])("has a saved search for log type %s, newest first, with columns of that type", (logType) => {
        const search = ofType("search").find((o) => queryOf(o) === `log_type:${logType}`);
        expect(search).toBeDefined();
        expect(search!.attributes.sort).toEqual([["@timestamp", "desc"]]);
        expect((search!.attributes.columns as string[]).length).toBeGreaterThanOrEqual(4);
    });
});

describe("the dashboard", () => {
    const [dashboard] = ofType("dashboard");
    const panels = dashboard.references.map((r) => byKey.get(`${r.type}/${r.id}`)!);
    const visualizations = panels.filter((p) => p.type === "visualization");
    const overTime = (o: SavedObject) => aggsOf(o).some((a) => a.type === "date_histogram" && a.params.field === "@timestamp");
    const termsOn = (o: SavedObject, field: string) => aggsOf(o).some((a) => a.type === "terms" && a.params.field === field);

    it("is the only one, restores a time range and refreshes itself", () => {
        expect(ofType("dashboard")).toHaveLength(1);
        expect(dashboard.attributes).toEqual(expect.objectContaining({ timeRestore: true, refreshInterval: { pause: false, value: 30000 } }));
    });

    it("shows requests over time split by status class", () => {
        const vis = visualizations.filter((v) => overTime(v) && queryOf(v) === "log_type:nginx_access" && aggsOf(v).some((a) => a.type === "filters"));
        expect(vis).toHaveLength(1);
        const filters = aggsOf(vis[0]).find((a) => a.type === "filters")!.params.filters as { label: string; input: { query: string } }[];
        expect(filters.map((f) => [f.label, f.input.query])).toEqual(["1", "2", "3", "4", "5"].map((c) => [`${c}xx`, `status >= ${c}00 and status < ${+c + 1}00`]));
    });

    it("shows the top paths", () => {
        expect(visualizations.filter((v) => termsOn(v, "path") && json(v.attributes.visState).type === "table")).toHaveLength(1);
    });

    it("shows the request time's p50, p95 and p99 over time", () => {
        const percentiles = visualizations.filter(overTime).flatMap(aggsOf).filter((a) => a.type === "percentiles" && a.params.field === "request_time");
        expect(percentiles.map((a) => a.params.percents)).toEqual([[50, 95, 99]]);
    });

    it("shows 5xx responses over time", () => {
        expect(visualizations.filter((v) => overTime(v) && /\bstatus >= 500\b/.test(queryOf(v)))).toHaveLength(1);
    });

    it("lists the app's errors with their messages and stack traces", () => {
        const searches = panels.filter((p) => p.type === "search");
        expect(searches.map((s) => [queryOf(s).startsWith("log_type:app and"), (s.attributes.columns as string[]).filter((c) => c === "message" || c === "stack")]))
            .toEqual([[true, ["message", "stack"]]]);
    });

    it("shows events per forwarder over time, across every log type", () => {
        const vis = visualizations.filter((v) => overTime(v) && termsOn(v, "forwarder"));
        expect(vis.map(queryOf)).toEqual([""]);
    });

    it("counts the unparsed lines", () => {
        const vis = visualizations.filter((v) => queryOf(v) === "parse_error:*");
        expect(vis.map((v) => [json(v.attributes.visState).type, aggsOf(v).map((a) => a.type)])).toEqual([["metric", ["count"]]]);
    });

    it("lays its panels out without overlaps on the 48-column grid", () => {
        const grid = json(dashboard.attributes.panelsJSON).map((p: { gridData: { x: number; y: number; w: number; h: number } }) => p.gridData);
        for (const [i, a] of grid.entries()) {
            expect(a.x + a.w).toBeLessThanOrEqual(48);
            for (const b of grid.slice(i + 1)) {
                const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
                expect(overlap).toBe(false);
            }
        }
    });
});
