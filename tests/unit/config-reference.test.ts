/**
 * docs/configuration.md and Pulumi.yaml against the config schema (components/config.ts), so that the reference cannot
 * drift: every key the parser reads is documented once with exactly its default, no documented key is one it does not
 * read, and both files hold exactly what the schema renders (`npm run config-reference` writes them).
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigKey, configKeys, defaults, parseStackConfig } from "../../components/config";
import { renderedConfigurationDoc, renderedPulumiYaml } from "../../components/config-reference";

const reference = path.join(__dirname, "../../docs/configuration.md");
const targetsColumn = new Set(["local", "aws", "both"]);

interface Row { key: string; value: string; target: string }

/** The reference's rows: `| `dle:<key>` | `<default>` | what it is | target |`; `""` stands for an empty default. */
function documented(): Row[] {
    return fs.readFileSync(reference, "utf8").split("\n").filter((line) => line.startsWith("| `dle:")).map((line) => {
        const cells = line.split("|").slice(1, -1).map((cell) => cell.trim());
        const code = (cell: string) => /^`([^`]*)`$/.exec(cell)?.[1];
        const value = code(cells[1]);
        return { key: code(cells[0])!.slice("dle:".length), value: value === '""' ? "" : value ?? `not in backticks: ${cells[1]}`, target: cells[3] };
    });
}

/** Every key the parser asks its source for, over both of its network branches (a new VPC, an existing one). */
function keysRead(): Set<string> {
    const read = new Set<string>();
    const existingVpc: Partial<Record<ConfigKey, string>> = {
        awsVpcId: "vpc-0123abcd",
        awsPublicSubnetIds: "subnet-0123abcd,subnet-4567ef01",
        awsPrivateSubnetIds: "subnet-89abcdef,subnet-01234567",
    };
    for (const values of [{}, existingVpc] as Partial<Record<ConfigKey, string>>[]) {
        parseStackConfig((key) => { read.add(key); return values[key]; });
    }
    return read;
}

describe("the stack config reference (docs/configuration.md)", () => {
    const rows = documented();

    it("documents every key the parser reads, each once", () => {
        const counts = new Map<string, number>();
        for (const row of rows) counts.set(row.key, (counts.get(row.key) ?? 0) + 1);
        const missing = [...keysRead()].filter((key) => !counts.has(key)).map((key) => `dle:${key}: read by the parser, not documented`);
        const twice = [...counts].filter(([, n]) => n > 1).map(([key, n]) => `dle:${key}: documented ${n} times`);
        expect([...missing, ...twice]).toEqual([]);
    });

    it("documents no key the parser does not read", () => {
        const read = keysRead();
        expect(rows.filter((row) => !read.has(row.key)).map((row) => `dle:${row.key}: documented, but the parser does not read it`)).toEqual([]);
    });

    it("gives each key exactly the parser's default", () => {
        const wrong = rows
            .filter((row) => row.key in defaults && row.value !== defaults[row.key as ConfigKey])
            .map((row) => `dle:${row.key}: documented default ${JSON.stringify(row.value)}, the parser's ${JSON.stringify(defaults[row.key as ConfigKey])}`);
        expect(wrong).toEqual([]);
    });

    it("says for each key which target reads it: local, aws or both", () => {
        expect(rows.filter((row) => !targetsColumn.has(row.target)).map((row) => `dle:${row.key}: target ${JSON.stringify(row.target)}`)).toEqual([]);
    });

    it("has a default for every key the parser reads, and reads every key of its defaults", () => {
        // The defaults object is the parser's list of keys: a key read without a default, or a default never read, is a slip in config.ts.
        expect([...keysRead()].sort()).toEqual(Object.keys(defaults).sort());
    });

    it("holds each section's table exactly as the schema renders it (run `npm run config-reference` after a change)", () => {
        const doc = fs.readFileSync(reference, "utf8");
        expect(renderedConfigurationDoc(doc)).toBe(doc);
    });
});

describe("Pulumi.yaml's config declarations", () => {
    const yaml = fs.readFileSync(path.join(__dirname, "../../Pulumi.yaml"), "utf8");

    it("declare every key of the schema, with its default", () => {
        const declared = Object.fromEntries([...yaml.matchAll(/^ {2}(\w+):\n(?: {4}.*\n)*? {4}default: (.*)$/gm)].map(([, key, value]) => [key, JSON.parse(value)]));
        expect(declared).toEqual(Object.fromEntries(Object.entries(configKeys).map(([key, spec]) => [key, spec.default])));
    });

    it("are exactly what the schema renders (run `npm run config-reference` after a change)", () => {
        expect(renderedPulumiYaml(yaml)).toBe(yaml);
    });
});
