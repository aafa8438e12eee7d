/**
 * The stack config's reference, rendered from its schema (components/config.ts): the key tables of
 * docs/configuration.md and the `config:` declarations of Pulumi.yaml. `npm run config-reference` writes both;
 * tests/unit/config-reference.test.ts fails while either differs from what the schema renders.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigKey, configKeys, configSections } from "./config";

const projectDir = path.join(__dirname, "..");
export const configurationDoc = path.join(projectDir, "docs", "configuration.md");
export const pulumiYaml = path.join(projectDir, "Pulumi.yaml");

const keys = Object.keys(configKeys) as ConfigKey[];

/** A section's table, as docs/configuration.md has it: `| \`dle:<key>\` | \`<default>\` | what it is | target |`. */
export function sectionTable(section: (typeof configSections)[number]): string {
    const rows = keys.filter((key) => configKeys[key].section === section).map((key) => {
        const spec = configKeys[key];
        return `| \`dle:${key}\` | \`${spec.default === "" ? '""' : spec.default}\` | ${spec.description} | ${spec.target} |`;
    });
    return ["| key | default | what it is | target |", "|---|---|---|---|", ...rows].join("\n");
}

/** Markdown made plain for Pulumi.yaml: links keep their text, code loses its backticks. */
const plain = (markdown: string) => markdown.replace(/\[([^\]]+)\]\([^)]+\)/g, "$1").replace(/`/g, "");

/**
 * Pulumi.yaml's `config:` block: each key with its description and default (JSON strings, which YAML reads as they
 * are). Every key is a string there, as `pulumi config set` stores it: the schema reads and checks each value itself,
 * and a project type that differs from the stack value's makes Pulumi refuse the value (pulumi/pulumi#11499).
 */
export function pulumiConfigBlock(): string {
    const lines = keys.flatMap((key) => {
        const spec = configKeys[key];
        return [`  ${key}:`, "    type: string", `    description: ${JSON.stringify(plain(spec.description))}`, `    default: ${JSON.stringify(spec.default)}`];
    });
    return ["config:", ...lines].join("\n");
}

/** The doc with each section's table replaced by what the schema renders (the prose around the tables is kept). */
export function renderedConfigurationDoc(doc: string): string {
    return configSections.reduce((text, section) => {
        const pattern = new RegExp(`(^## ${section.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n(?:(?!\\|)[^\\n]*\\n)*)((?:\\|[^\\n]*\\n)+)`, "m");
        if (!pattern.test(text)) throw new Error(`${configurationDoc} has no table under "## ${section}"`);
        return text.replace(pattern, (_, heading: string) => `${heading}${sectionTable(section)}\n`);
    }, doc);
}

/** Pulumi.yaml with its `config:` block (the last thing in the file) as the schema renders it. */
export function renderedPulumiYaml(yaml: string): string {
    const start = yaml.search(/^config:$/m);
    return `${(start < 0 ? yaml : yaml.slice(0, start)).trimEnd()}\n${pulumiConfigBlock()}\n`;
}

/** Writes both files from the schema. */
export function writeConfigReference(): void {
    fs.writeFileSync(configurationDoc, renderedConfigurationDoc(fs.readFileSync(configurationDoc, "utf8")));
    fs.writeFileSync(pulumiYaml, renderedPulumiYaml(fs.readFileSync(pulumiYaml, "utf8")));
}

if (require.main === module) writeConfigReference();
