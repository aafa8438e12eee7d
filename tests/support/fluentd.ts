/**
 * Finding a real fluentd for the tests that run one: `$FLUENTD`, else `fluentd` on PATH.
 * Without one, those tests skip with a one-line reason instead of failing.
 */
import * as fs from "fs";
import * as path from "path";

export function findFluentd(): string | undefined {
    if (process.env.FLUENTD) return process.env.FLUENTD;
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, "fluentd");
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        } catch {
            // not in this directory
        }
    }
    return undefined;
}

/** `describe` when fluentd is available; otherwise a skipped block whose title gives the reason. */
export function describeWithFluentd(title: string, body: (fluentd: string) => void): void {
    const fluentd = findFluentd();
    if (fluentd) {
        describe(title, () => body(fluentd));
    } else {
        const reason = "skipped: no fluentd on PATH or in $FLUENTD";
        // eslint-disable-next-line no-console
        console.warn(`${title}: ${reason}`);
        describe.skip(`${title} (${reason})`, () => body(""));
    }
}
