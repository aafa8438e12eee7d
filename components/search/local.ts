import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SearchEndpoint } from "../endpoints";
import { localContainer, localVolume, publishedHost } from "../platform/local-container";
import { SearchArgs } from "./args";
import { LocalPlatform } from "../platform/local";
import { On } from "../platform";

const httpPort = 9200;
const superuser = "elastic";
/** The `elastic` password, as a file the image's entrypoint reads (ELASTIC_PASSWORD_FILE): never in the environment. */
const passwordFile = "/usr/share/elasticsearch/config/dle-elastic-password";
/**
 * Elasticsearch runs as uid 1000 in group 0 and never as root, and its entrypoint requires the password file to be
 * its own, mode 0400 or 0600. The container starts as root, so that the file is made so whatever owner the upload
 * got; then setpriv runs the image's entrypoint (tini, docker-entrypoint.sh) as 1000:0.
 */
const asElasticsearch = ["setpriv", "--reuid=1000", "--regid=0", "--clear-groups", "--"];
const imageEntrypoint = ["/bin/tini", "--", "/usr/local/bin/docker-entrypoint.sh"];

/** Single-node Elasticsearch on the local Docker network, security on, `elastic` password generated. */
export function createLocalSearch(name: string, parent: pulumi.Resource, args: On<SearchArgs, LocalPlatform>): SearchEndpoint {
    const { config, platform } = args;
    const password = new random.RandomPassword(`${name}-elastic-password`, { length: 32, special: false }, { parent });
    const data = localVolume(`${name}-data`, parent);

    const elasticsearch = localContainer(name, {
        platform,
        image: config.images.elasticsearch,
        alias: "search",
        envs: [
            "discovery.type=single-node",
            // A bounded heap: a laptop runs the whole pipeline beside it.
            "ES_JAVA_OPTS=-Xms512m -Xmx512m",
            "xpack.security.enabled=true",
            // Plain HTTP inside the stack's network and on 127.0.0.1; authentication is still required.
            "xpack.security.http.ssl.enabled=false",
            // A nearly full laptop disk must not turn the log indices read-only.
            "cluster.routing.allocation.disk.threshold_enabled=false",
            `ELASTIC_PASSWORD_FILE=${passwordFile}`,
            // The home of the image's user (a container that starts as root gets root's).
            "HOME=/usr/share/elasticsearch",
        ],
        user: "0:0",
        secretFiles: { owner: "1000:0", imageEntrypoint: [...asElasticsearch, ...imageEntrypoint], files: [{ file: passwordFile, content: password.result }] },
        command: ["eswrapper"],
        // curl reads the credentials from its standard input (printf is the shell's own), so the password is in no
        // command line, where `ps` on the host would show it.
        healthcheck: ["sh", "-c", `printf 'user = "${superuser}:%s"\n' "$(cat "$ELASTIC_PASSWORD_FILE")" | curl -fsS -K - "http://127.0.0.1:${httpPort}/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null`],
        startPeriodSeconds: 60,
        publish: [{ internal: httpPort, external: config.ports.search }],
        volumes: [{ volume: data, containerPath: "/usr/share/elasticsearch/data" }],
        // The config directory (filled from the image's when the volume is made) takes the password file, and the
        // keystore the entrypoint creates at start; the logs directory; /tmp: the JVM's and JNA's temporary files.
        writablePaths: ["/usr/share/elasticsearch/config", "/usr/share/elasticsearch/logs", "/tmp"],
        memoryMb: 1536,
    }, parent);

    return {
        host: elasticsearch.host,
        port: pulumi.output(httpPort),
        scheme: pulumi.output("http" as const),
        auth: {
            kind: "basic",
            username: pulumi.output(superuser),
            // RandomPassword's result is secret in the engine already; said again so no code path can lose it.
            password: pulumi.secret(password.result),
        },
        publishedUrl: pulumi.output(`http://${publishedHost}:${config.ports.search}`),
        indexPrefix: config.search.indexPrefix,
        retentionDays: config.search.retentionDays,
    };
}
