/**
 * The saved objects both targets' dashboards get: one NDJSON file, `saved-objects.ndjson` beside this module, in
 * the format that Kibana 8.19 and OpenSearch Dashboards 2.19 both import (Kibana 7.10's, which OpenSearch
 * Dashboards forked from and Kibana 8 migrates on import): a data view, saved searches, classic aggregation-based
 * visualizations (Lens does not exist in OpenSearch Dashboards) and a dashboard. The stack sets one thing in it:
 * the data view's index pattern, from `dle:searchIndexPrefix`.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

export const savedObjectsFile = path.join(__dirname, "saved-objects.ndjson");

export interface SavedObjectReference {
    name: string;
    type: string;
    id: string;
}

export interface SavedObject {
    type: string;
    id: string;
    attributes: Record<string, unknown>;
    references: SavedObjectReference[];
    migrationVersion?: Record<string, string>;
}

/** Parses NDJSON saved objects; an error names the file's line and what is wrong with it. */
export function parseSavedObjects(text: string, source = savedObjectsFile): SavedObject[] {
    return text.split("\n").flatMap((line, index) => {
        if (line.trim() === "") return [];
        let value: Partial<SavedObject>;
        try {
            value = JSON.parse(line);
        } catch (error) {
            throw new Error(`${source}:${index + 1}: not JSON: ${(error as Error).message}`);
        }
        if (typeof value.type !== "string" || typeof value.id !== "string" || typeof value.attributes !== "object" || value.attributes === null) {
            throw new Error(`${source}:${index + 1}: a saved object needs a string \`type\`, a string \`id\` and an \`attributes\` object`);
        }
        return [{ ...value, references: value.references ?? [] } as SavedObject];
    });
}

/** The repo's saved objects as the stack installs them: each data view's index pattern is `<indexPrefix>-*`. */
export function savedObjectsFor(indexPrefix: string, text = fs.readFileSync(savedObjectsFile, "utf8")): SavedObject[] {
    return parseSavedObjects(text).map((object) => object.type === "index-pattern"
        ? { ...object, attributes: { ...object.attributes, title: `${indexPrefix}-*` } }
        : object);
}

export function toNdjson(objects: SavedObject[]): string {
    return objects.map((object) => JSON.stringify(object)).join("\n") + "\n";
}

/** A digest of the objects to install: the stack imports again exactly when it changes. */
export function digestOf(ndjson: string): string {
    return createHash("sha256").update(ndjson).digest("hex");
}
