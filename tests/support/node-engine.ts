/**
 * The Node.js that runs the tests and the benchmark must be one package.json's `engines.node` allows: an older one
 * fails later in ways that name no version (the api's type stripping, a missing API). jest's global setup (both
 * projects) and the benchmark ask first, so a wrong Node on PATH stops them at once with one error saying which
 * Node ran, where it is, and what is required.
 */
import * as fs from "fs";
import * as path from "path";

/** A version's numbers: major, minor, patch. A prerelease or build suffix is ignored. */
type Numbers = [number, number, number];

const compare = (a: Numbers, b: Numbers): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** `22.6` as semver reads a partial version: from 22.6.0 (`low`) up to, not including, 22.7.0 (`high`). */
function partial(text: string, range: string): { low: Numbers; high: Numbers } {
    const match = /^v?(\d+)(?:\.(\d+)(?:\.(\d+))?)?$/.exec(text);
    if (!match) throw new Error(`engines.node ${JSON.stringify(range)}: ${JSON.stringify(text)} is not a version this check reads`);
    const parts = match.slice(1).filter((p) => p !== undefined).map(Number);
    const low = [0, 1, 2].map((i) => parts[i] ?? 0) as Numbers;
    const high = [...low] as Numbers;
    high[parts.length - 1] += 1;
    for (let i = parts.length; i < 3; i++) high[i] = 0;
    return { low, high };
}

/** Whether one comparator (`>=22.6`, `<25`, `^24`, `22.6.0`) holds for `version`. */
function holds(version: Numbers, comparator: string, range: string): boolean {
    const [, op, text] = /^(>=|<=|>|<|=|\^)?(.*)$/.exec(comparator)!;
    const { low, high } = partial(text, range);
    // Below 1.0.0 a caret means more than "the same major"; no Node.js version is there.
    if (op === "^" && low[0] === 0) throw new Error(`engines.node ${JSON.stringify(range)}: a caret below major 1 is not a range this check reads`);
    switch (op) {
        case ">=": return compare(version, low) >= 0;
        case ">": return compare(version, high) >= 0;
        case "<": return compare(version, low) < 0;
        case "<=": return compare(version, high) < 0;
        case "^": return compare(version, low) >= 0 && version[0] === low[0];
        default: return compare(version, low) >= 0 && compare(version, high) < 0;
    }
}

/**
 * Whether `version` (as `process.version` gives it, `v24.22.3`) is in `range`, read as npm reads `engines`:
 * comparators joined by spaces must all hold, alternatives joined by `||` any one. The comparators are `>=`, `>`,
 * `<=`, `<`, `=`, `^` (for majors from 1) and a bare, possibly partial, version; anything else is refused by name.
 */
export function satisfiesRange(version: string, range: string): boolean {
    const numbers = partial(version.replace(/[-+].*$/, ""), range).low;
    return range.split("||").some((alternative) => {
        const comparators = alternative.trim().replace(/(>=|<=|>|<|=|\^)\s+/g, "$1").split(/\s+/).filter((c) => c !== "");
        return comparators.every((comparator) => holds(numbers, comparator, range));
    });
}

/** The error for a Node.js outside `range`, naming its version and path; undefined when it is in range. */
export function nodeEngineProblem(version: string, execPath: string, range: string): string | undefined {
    if (satisfiesRange(version, range)) return undefined;
    return `dle needs Node.js ${range} (package.json engines.node), but this is Node.js ${version} at ${execPath}. ` +
        "Put a Node.js in that range (Node 24, the current LTS) first on PATH and run again.";
}

/** The running Node's problem with package.json's engines.node, if it has one. */
export function runningNodeProblem(): string | undefined {
    const packageJson = JSON.parse(fs.readFileSync(path.join(__dirname, "../../package.json"), "utf8"));
    return nodeEngineProblem(process.version, process.execPath, packageJson.engines.node);
}
