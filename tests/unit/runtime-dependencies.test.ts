/**
 * What the program loads while `pulumi up` runs is installed by `npm ci --omit=dev`: every package that index.ts and
 * components/ import (a type-only import aside) is a dependency, not a devDependency. Folders with a package.json of
 * their own (the api's service, built into its image) bring their own dependencies.
 */
import * as fs from "fs";
import * as path from "path";
import { builtinModules } from "module";

const root = path.join(__dirname, "..", "..");
const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };

/** The program's TypeScript files: index.ts and components/, less folders that are packages of their own. */
function programFiles(dir = path.join(root, "components")): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return fs.existsSync(path.join(full, "package.json")) ? [] : programFiles(full);
        return entry.name.endsWith(".ts") ? [full] : [];
    });
}

/** The packages a file loads at run time: its value imports and requires of bare specifiers, by package name. */
function packagesLoaded(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    const specifiers = [
        ...[...text.matchAll(/^import (?!type )[^;]*? from "([^".][^"]*)";$/gm)].map((m) => m[1]),
        ...[...text.matchAll(/\brequire\("([^".][^"]*)"\)/g)].map((m) => m[1]),
    ];
    return specifiers
        .filter((s) => !s.startsWith("node:") && !builtinModules.includes(s.split("/")[0]))
        .map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]));
}

describe("the program's run-time packages", () => {
    const loaded = [path.join(root, "index.ts"), ...programFiles()].flatMap((file) => packagesLoaded(file).map((pkg) => ({ pkg, file: path.relative(root, file) })));

    it("reads the program's imports (a check over nothing would prove nothing)", () => {
        expect(new Set(loaded.map((l) => l.pkg))).toEqual(new Set(["@pulumi/pulumi", "@pulumi/aws", "@pulumi/docker", "@pulumi/random", "@pulumi/tls", "typescript", "zod"]));
    });

    it("are all dependencies, so `npm ci --omit=dev` installs what `pulumi up` loads", () => {
        expect(loaded.filter((l) => !(l.pkg in manifest.dependencies)).map((l) => `${l.file}: ${l.pkg} is not in dependencies`)).toEqual([]);
    });
});
