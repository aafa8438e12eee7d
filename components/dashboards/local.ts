import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { On } from "../platform";
import { LocalPlatform } from "../platform/local";
import { localContainer, publishedHost } from "../platform/local-container";
import { DashboardsArgs, DashboardsOutputs } from "./args";
import { KibanaAccessSetup, SavedObjectsImport } from "./local-providers";
import { savedObjectsFor, toNdjson } from "./saved-objects";

/** Kibana's settings that do not depend on the deploy; the stack appends the rest (see kibanaYml). */
export const kibanaSettingsFile = path.join(__dirname, "kibana.yml");
/** Where the Kibana image reads its settings. */
export const kibanaConfigPath = "/usr/share/kibana/config/kibana.yml";
const kibanaPort = 5601;
/** The user people log in with, and the role that lets it read the log indices. */
export const dashboardsUsername = "dle-dashboards";
export const logsReaderRole = "dle-logs-reader";

/** The settings file Kibana gets: the repo's kibana.yml plus the connection and keys (secrets, so the file is). */
function kibanaYml(settings: Record<string, pulumi.Input<string> | pulumi.Input<string>[]>): pulumi.Output<string> {
    // JSON strings and arrays are YAML too: values need no escaping of their own.
    const lines = Object.entries(settings).map(([key, value]) => pulumi.output(value).apply((v) => `${key}: ${JSON.stringify(v)}`));
    return pulumi.secret(pulumi.all(lines).apply((added) => `${fs.readFileSync(kibanaSettingsFile, "utf8").trimEnd()}\n${added.join("\n")}\n`));
}

/**
 * Kibana at the Elasticsearch version, on 127.0.0.1:`dle:kibanaPort`. It connects as `kibana_system`, whose
 * password the stack sets in Elasticsearch first; people log in as `dle-dashboards`, which may use Kibana and read
 * the log indices. Both passwords are generated. Once Kibana is healthy, the saved objects are imported.
 */
export function createLocalDashboards(name: string, parent: pulumi.Resource, args: On<DashboardsArgs, LocalPlatform>): DashboardsOutputs {
    const { config, platform, search } = args;
    if (search.auth.kind !== "basic") throw new Error("unreachable: checked by Dashboards");
    const opts = { parent };
    const secret = (suffix: string, length: number) =>
        pulumi.secret(new random.RandomPassword(`${name}-${suffix}`, { length, special: false }, opts).result);
    const kibanaSystemPassword = secret("kibana-system-password", 32);
    const loginPassword = secret("login-password", 32);

    // The published port, reached once the Elasticsearch container is up (its host output carries that dependency).
    const elasticsearchUrl = pulumi.all([search.host, search.publishedUrl]).apply(([, url]) => url);
    const access = new KibanaAccessSetup(`${name}-elasticsearch-access`, {
        url: elasticsearchUrl,
        superuser: { username: search.auth.username, password: search.auth.password },
        kibanaSystemPassword,
        readerRole: { name: logsReaderRole, indexPattern: `${config.search.indexPrefix}-*` },
        login: { username: dashboardsUsername, password: loginPassword },
    }, opts);

    const url = `http://${publishedHost}:${config.ports.kibana}`;
    const kibana = localContainer(name, {
        platform,
        image: config.images.kibana,
        alias: "dashboards",
        uploads: [{
            file: kibanaConfigPath,
            content: kibanaYml({
                "server.publicBaseUrl": url,
                "elasticsearch.hosts": [pulumi.interpolate`${search.scheme}://${search.host}:${search.port}`],
                "elasticsearch.username": "kibana_system",
                "elasticsearch.password": kibanaSystemPassword,
                // Fixed keys keep sessions and encrypted saved objects valid across restarts.
                "xpack.security.encryptionKey": secret("session-key", 48),
                "xpack.encryptedSavedObjects.encryptionKey": secret("saved-objects-key", 48),
            }),
            // The image runs Kibana as uid 1000 in group 0, whatever owner the upload gets: group-readable is enough.
            permissions: "0440",
        }],
        // Unauthenticated, /api/status answers only the overall level: 200 once Kibana is available, 503 before.
        healthcheck: ["curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${kibanaPort}/api/status`],
        startPeriodSeconds: 120,
        publish: [{ internal: kibanaPort, external: config.ports.kibana }],
        memoryMb: 1024,
        // The config directory (filled from the image's when the volume is made) takes kibana.yml; Kibana keeps its
        // UUID and state in data/, and its temporary files in /tmp.
        writablePaths: [path.posix.dirname(kibanaConfigPath), "/usr/share/kibana/data", "/tmp"],
        after: [access],
    }, parent);

    const login = { username: pulumi.output(dashboardsUsername), password: loginPassword };
    new SavedObjectsImport(`${name}-saved-objects`, {
        target: { url: kibana.host.apply(() => url), product: "kibana", auth: { kind: "basic", ...login } },
        objects: toNdjson(savedObjectsFor(config.search.indexPrefix)),
    }, opts);
    return { product: "kibana", url: pulumi.output(url), login };
}
