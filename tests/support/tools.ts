/**
 * Tests that need a program from outside the project (fluentd, nginx, promtool) find it here. Where it is absent they
 * skip, saying why in one line, except where tools are required (CI=true, or DLE_REQUIRE_TOOLS=1 as `npm run faults`
 * sets it): there a missing tool fails the tests that need it, so that a green run means they ran.
 */
import * as fs from "fs";
import * as path from "path";

/** Whether a missing tool fails its tests instead of skipping them. */
export const toolsRequired = process.env.CI === "true" || process.env.DLE_REQUIRE_TOOLS === "1";

/** The first executable `name` on PATH, if any. */
export function findOnPath(name: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        } catch {
            // not in this directory
        }
    }
    return undefined;
}

/** Whether a test may skip for a missing tool: `optional` ones may even where tools are required. */
export interface WhenOptions {
    /** Skips even where tools are required: only for what these machines cannot have (an image from a registry). */
    optional?: boolean;
}

function skipLine(title: string, reason: string): void {
    process.stderr.write(`skipped: ${title}: ${reason}\n`);
}

function missingToolError(title: string, reason: string): Error {
    return new Error(`${title}: ${reason} (tools are required here: CI=true or DLE_REQUIRE_TOOLS=1)`);
}

/**
 * `describe` when `tool` was found. Otherwise a skipped block whose title gives `reason`, or, where tools are
 * required, a block whose one test fails with `reason`.
 */
export function describeWhen<T>(tool: T | undefined, title: string, reason: string, body: (tool: T) => void, options: WhenOptions = {}): void {
    if (tool !== undefined) {
        describe(title, () => body(tool));
    } else if (toolsRequired && !options.optional) {
        describe(title, () => it("has the tools it needs", () => {
            throw missingToolError(title, reason);
        }));
    } else {
        skipLine(title, reason);
        describe.skip(`${title} (skipped: ${reason})`, () => body(undefined as T));
    }
}

/** `it` when `can`; otherwise as `describeWhen` does for a block: a skipped test giving `reason`, or a failing one. */
export function itWhen(can: boolean, reason: string, options: WhenOptions = {}): (title: string, body: jest.ProvidesCallback, timeoutMs?: number) => void {
    return (title, body, timeoutMs) => {
        if (can) {
            it(title, body, timeoutMs);
        } else if (toolsRequired && !options.optional) {
            it(title, () => {
                throw missingToolError(title, reason);
            });
        } else {
            skipLine(title, reason);
            it.skip(`${title} (skipped: ${reason})`, body, timeoutMs);
        }
    };
}
