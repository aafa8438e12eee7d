/**
 * Reads the project's fluentd configs the way fluentd does for what matters to the tests: which
 * environment variables a config (with everything it @includes) reads.
 */
import * as fs from "fs";
import * as path from "path";
import { defaults } from "../../components/config";
import { fluentdDir } from "../../components/platform/local";

export { fluentdDir };

/**
 * dle's own fluentd plugins: fluentd must be run with `-p` on this directory, as the image's entrypoint runs it
 * with -p /fluentd/plugins.
 */
export const fluentdPluginDir = path.join(fluentdDir, "plugins");

const envRef = /ENV\.fetch\('([A-Z0-9_]+)'\)/g;
const include = /^\s*@include\s+(?:"([^"]+)"|(\S+))\s*$/gm;
/** forwarder.conf's choice of a sink's file: the file when FORWARDER_SINKS names the sink, else `unselected`. */
const sinkChoice = /#\{ENV\.fetch\('FORWARDER_SINKS'\)\.split\(','\)\.include\?\('([a-z]+)'\) \? '([a-z-]+)' : '([a-z-]+)'\}/g;

/**
 * Environment variable names read by `file` and its includes, for the given DLE_TARGET and FORWARDER_SINKS (a
 * comma-separated list, as dle:sinks; its default when not given).
 */
export function envNamesRead(file: string, target: string, sinks: string = defaults.sinks): Set<string> {
    const chosen = sinks.split(",").map((sink) => sink.trim());
    const names = new Set<string>();
    const visit = (current: string) => {
        const text = fs.readFileSync(current, "utf8");
        for (const match of text.matchAll(envRef)) names.add(match[1]);
        for (const match of text.matchAll(include)) {
            // fluentd resolves an include relative to the file that includes it.
            const included = (match[1] ?? match[2]).replace("#{ENV.fetch('DLE_TARGET')}", target)
                .replace(sinkChoice, (_, sink: string, file: string, otherwise: string) => (chosen.includes(sink) ? file : otherwise));
            visit(path.resolve(path.dirname(current), included));
        }
    };
    visit(file);
    return names;
}
