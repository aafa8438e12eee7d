/**
 * Tests that need a program from outside the project (fluentd, nginx) find it here, and skip with a
 * one-line reason, instead of failing, where it is absent.
 */
import * as fs from "fs";
import * as path from "path";

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

/** `describe` when `tool` was found; otherwise a skipped block whose title gives `reason`. */
export function describeWhen<T>(tool: T | undefined, title: string, reason: string, body: (tool: T) => void): void {
    if (tool !== undefined) {
        describe(title, () => body(tool));
    } else {
        // eslint-disable-next-line no-console
        console.warn(`${title}: skipped: ${reason}`);
        describe.skip(`${title} (skipped: ${reason})`, () => body(undefined as T));
    }
}
