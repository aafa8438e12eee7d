/**
 * Reads the project's fluentd configs the way fluentd does for what matters to the tests: which
 * environment variables a config (with everything it @includes) reads.
 */
import * as fs from "fs";
import * as path from "path";
import { fluentdDir } from "../../components/platform/local";

export { fluentdDir };

/**
 * dle's own fluentd plugins: fluentd must be run with `-p` on this directory, as the image's entrypoint runs it
 * with -p /fluentd/plugins.
 */
export const fluentdPluginDir = path.join(fluentdDir, "plugins");

const envRef = /ENV\.fetch\('([A-Z0-9_]+)'\)/g;
const include = /^\s*@include\s+"?([^"\s]+)"?\s*$/gm;

/** Environment variable names read by `file` and its includes, for the given DLE_TARGET. */
export function envNamesRead(file: string, target: string): Set<string> {
    const names = new Set<string>();
    const visit = (current: string) => {
        const text = fs.readFileSync(current, "utf8");
        for (const match of text.matchAll(envRef)) names.add(match[1]);
        for (const match of text.matchAll(include)) {
            // fluentd resolves an include relative to the file that includes it.
            const included = match[1].replace("#{ENV.fetch('DLE_TARGET')}", target);
            visit(path.resolve(path.dirname(current), included));
        }
    };
    visit(file);
    return names;
}
