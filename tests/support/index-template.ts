/**
 * The search index template (fluentd/search/index-template.json), read as tests need it: each mapped field's
 * name (dotted for objects and multi-fields) and its Elasticsearch/OpenSearch type.
 */
import * as fs from "fs";
import * as path from "path";

const indexTemplateFile = path.join(__dirname, "..", "..", "fluentd", "search", "index-template.json");

interface Mapping {
    type?: string;
    properties?: Record<string, Mapping>;
    fields?: Record<string, Mapping>;
}

export interface IndexTemplate {
    indexPatterns: string[];
    /** Field name → mapped type. */
    fieldTypes: Map<string, string>;
}

function collect(properties: Record<string, Mapping>, prefix: string, into: Map<string, string>): void {
    for (const [name, mapping] of Object.entries(properties)) {
        const full = `${prefix}${name}`;
        if (mapping.type) into.set(full, mapping.type);
        if (mapping.properties) collect(mapping.properties, `${full}.`, into);
        if (mapping.fields) collect(mapping.fields, `${full}.`, into);
    }
}

/** A composable template (`template.mappings`) or a legacy one (`mappings`). */
export function readIndexTemplate(file = indexTemplateFile): IndexTemplate {
    const template = JSON.parse(fs.readFileSync(file, "utf8"));
    const mappings = template.template?.mappings ?? template.mappings;
    if (!mappings?.properties) throw new Error(`${file} has no mappings.properties (composable template.mappings or legacy mappings)`);
    const fieldTypes = new Map<string, string>();
    collect(mappings.properties, "", fieldTypes);
    return { indexPatterns: template.index_patterns ?? [], fieldTypes };
}
