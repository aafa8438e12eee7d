/**
 * The policy pack as a project of its own (policy/): what `pulumi preview --policy-pack policy` loads runs on the
 * pack's own dependencies, at the version the tests run, and every rule it applies comes from one module.
 */
import * as fs from "fs";
import * as path from "path";
import { builtinModules } from "module";
import { dlePolicies } from "../../policy/policies";

const root = path.join(__dirname, "..", "..");
const policyDir = path.join(root, "policy");
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));

describe("the policy pack", () => {
    it("is a Node.js policy pack with a version, pinning @pulumi/policy at the version the tests run", () => {
        expect(fs.readFileSync(path.join(policyDir, "PulumiPolicy.yaml"), "utf8")).toMatch(/^runtime: nodejs$/m);
        const pack = readJson(path.join(policyDir, "package.json"));
        expect(pack.version).toMatch(/^\d+\.\d+\.\d+$/);
        expect(pack.dependencies["@pulumi/policy"]).toBe(readJson(path.join(root, "package.json")).devDependencies["@pulumi/policy"]);
        expect(readJson(path.join(policyDir, "package-lock.json")).packages[""].dependencies).toEqual(pack.dependencies);
    });

    it("loads nothing but @pulumi/policy, Node's built-ins, its own modules and components/constraints.ts", () => {
        const imports = fs.readdirSync(policyDir).filter((f) => f.endsWith(".ts")).flatMap((file) =>
            [...fs.readFileSync(path.join(policyDir, file), "utf8").matchAll(/^import [^;]*? from "([^"]+)";$/gm)].map((m) => `${file}: ${m[1]}`));
        const allowed = (specifier: string) => specifier === "@pulumi/policy" || builtinModules.includes(specifier)
            || /^\.\/[a-z-]+$/.test(specifier) || specifier === "../components/constraints";
        expect(imports.length).toBeGreaterThan(10);
        expect(imports.filter((line) => !allowed(line.split(": ")[1]))).toEqual([]);
    });

    it("gates every deploy and preview script of the project", () => {
        const scripts = readJson(path.join(root, "package.json")).scripts as Record<string, string>;
        const gated = ["deploy:local", "deploy:aws", "preview:local", "preview:aws"];
        expect(gated.filter((name) => !/npm ci --prefix policy .*&& pulumi (up|preview) .*--policy-pack policy$/.test(scripts[name] ?? ""))).toEqual([]);
    });

    it("has policies of unique names, each described and mandatory but the FSBP named exceptions, which docs/aws.md lists", () => {
        const names = dlePolicies.map((p) => p.name);
        expect(new Set(names).size).toBe(names.length);
        expect(dlePolicies.filter((p) => p.description.length < 40).map((p) => p.name)).toEqual([]);
        const advisory = dlePolicies.filter((p) => p.enforcementLevel !== "mandatory");
        expect(advisory.map((p) => [p.name, p.enforcementLevel])).toEqual([
            ["fsbp-documentdb-5-deletion-protection", "advisory"], ["fsbp-ecs-12-container-insights", "advisory"], ["fsbp-elb-1-https-redirect", "advisory"],
            ["fsbp-opensearch-5-audit-logs", "advisory"], ["fsbp-rds-5-multi-az", "advisory"], ["fsbp-rds-8-deletion-protection", "advisory"],
        ]);
        const exceptions = fs.readFileSync(path.join(root, "docs", "aws.md"), "utf8").split("## FSBP controls and their named exceptions")[1].split("\n## ")[0];
        expect(advisory.filter((p) => !exceptions.includes(`| \`${p.name}\` |`)).map((p) => p.name)).toEqual([]);
    });
});

describe("the policy pack's documentation", () => {
    it("names every policy in docs/aws.md or docs/local.md, where users read what is checked", () => {
        const docs = ["aws.md", "local.md"].map((page) => fs.readFileSync(path.join(root, "docs", page), "utf8")).join("\n");
        expect(dlePolicies.map((p) => p.name).filter((name) => !docs.includes(`\`${name}\``))).toEqual([]);
    });
});

describe("components/constraints.ts", () => {
    it("imports nothing, so the policy pack loads it without the program's dependencies", () => {
        expect(fs.readFileSync(path.join(root, "components", "constraints.ts"), "utf8")).not.toMatch(/^import /m);
    });
});
