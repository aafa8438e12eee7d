/**
 * Every field the saved objects use, and what kind of field each use needs: a date histogram a date, percentiles
 * a number, terms an aggregatable (not analysed) field, a KQL comparison a number or a date, a sort a sortable
 * field. Checked against the index template's mappings, so that a renamed or retyped field breaks a test, not the
 * dashboard.
 */
import type { SavedObject } from "../../components/dashboards/saved-objects";

const numeric = ["byte", "short", "integer", "long", "unsigned_long", "half_float", "float", "double", "scaled_float"];
const dates = ["date", "date_nanos"];
const exact = ["keyword", "constant_keyword", "ip", "boolean"];

/** The field types each aggregation (of those Kibana and OpenSearch Dashboards share) accepts. */
export const aggregationFieldTypes: Record<string, readonly string[]> = {
    date_histogram: dates,
    histogram: numeric,
    range: numeric,
    avg: numeric,
    sum: numeric,
    min: [...numeric, ...dates],
    max: [...numeric, ...dates],
    median: numeric,
    percentiles: numeric,
    cardinality: [...exact, ...numeric, ...dates],
    terms: [...exact, ...numeric, ...dates],
};
/** Aggregations without a field. */
const fieldless = new Set(["count", "filters"]);
const searchable = [...exact, ...numeric, ...dates, "text", "match_only_text", "wildcard"];
const comparable = [...numeric, ...dates, "ip"];
const sortable = [...exact, ...numeric, ...dates];

export interface FieldUse {
    /** `type/id` of the saved object. */
    object: string;
    /** What uses the field, e.g. "terms aggregation", "query 'status >= 500'". */
    use: string;
    field: string;
    /** The mapped types that work for this use. */
    accepts: readonly string[];
}

const parseJson = <T>(text: unknown, fallback: T): T => (typeof text === "string" ? JSON.parse(text) : fallback);

/** Field uses in a KQL query: `field:value` and `field:*` (any searchable field), `field >= n` (a number, date or ip). */
export function kqlFieldUses(query: string): { field: string; accepts: readonly string[] }[] {
    const uses: { field: string; accepts: readonly string[] }[] = [];
    // A field, an operator, and the value (a quoted string is consumed whole, so nothing inside it is read as a field).
    const clause = /([A-Za-z_@][\w.@]*)\s*(>=|<=|>|<|:)\s*("(?:[^"\\]|\\.)*"|\(|[^\s()]+)?/g;
    for (const [, field, operator] of query.matchAll(clause)) {
        uses.push({ field, accepts: operator === ":" ? searchable : comparable });
    }
    return uses;
}

export function fieldUses(objects: SavedObject[]): FieldUse[] {
    const uses: FieldUse[] = [];
    for (const object of objects) {
        const name = `${object.type}/${object.id}`;
        const attributes = object.attributes as Record<string, unknown> & { kibanaSavedObjectMeta?: { searchSourceJSON?: string } };
        const add = (use: string, field: string, accepts: readonly string[]) => uses.push({ object: name, use, field, accepts });
        const query = parseJson<{ query?: { query?: string } }>(attributes.kibanaSavedObjectMeta?.searchSourceJSON, {}).query?.query ?? "";
        for (const use of kqlFieldUses(query)) add(`query '${query}'`, use.field, use.accepts);

        if (object.type === "index-pattern" && typeof attributes.timeFieldName === "string") {
            add("data view time field", attributes.timeFieldName, dates);
        }
        if (object.type === "search") {
            for (const column of (attributes.columns as string[] | undefined) ?? []) add("column", column, [...searchable, "geo_point"]);
            for (const [field] of (attributes.sort as [string, string][] | undefined) ?? []) add("sort", field, sortable);
        }
        if (object.type === "visualization") {
            const vis = parseJson<{ aggs?: { type: string; params?: Record<string, unknown> }[] }>(attributes.visState, {});
            for (const agg of vis.aggs ?? []) {
                const field = agg.params?.field;
                if (typeof field === "string") {
                    add(`${agg.type} aggregation`, field, aggregationFieldTypes[agg.type] ?? []);
                } else if (!fieldless.has(agg.type)) {
                    add(`${agg.type} aggregation`, "(no field)", []);
                }
                for (const filter of (agg.params?.filters as { input?: { query?: string } }[] | undefined) ?? []) {
                    const filterQuery = filter.input?.query ?? "";
                    for (const use of kqlFieldUses(filterQuery)) add(`filter '${filterQuery}'`, use.field, use.accepts);
                }
            }
        }
    }
    return uses;
}

/** What is wrong with the objects' field uses against `fieldTypes` (field → mapped type); empty when nothing is. */
export function fieldProblems(objects: SavedObject[], fieldTypes: Map<string, string>): string[] {
    return fieldUses(objects).flatMap((use) => {
        const type = fieldTypes.get(use.field);
        if (type === undefined) return [`${use.object}: ${use.use} uses ${use.field}, which the index template does not map`];
        if (!use.accepts.includes(type)) return [`${use.object}: ${use.use} needs ${use.field} to be ${use.accepts.join("|") || "(a known aggregation)"}, but it is ${type}`];
        return [];
    });
}
