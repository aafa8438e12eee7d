/**
 * The three sinks on loopback for tests: the MongoDB and Elasticsearch stand-ins, and s3rver, a real
 * S3-compatible server from npm. Described as stack outputs, so the verification suite's own code
 * reaches them exactly as it reaches a deployed stack. Each sink can be taken down and brought back on
 * the same port with the data it had, for outage tests.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import S3rver from "s3rver";
import { ElasticsearchStandin, RejectDocument, startElasticsearchStandin } from "../standins/elasticsearch-standin";
import { MongoStandin, startMongoStandin } from "../standins/mongo-standin";
import type { SinkName } from "../verify/probes";
import { PostgresServer, startPostgres } from "./postgres";
import type { StackOutputs } from "../verify/outputs";
import { LoopbackArchiveCredentials, LoopbackCredentialsEndpoint, startLoopbackCredentialsEndpoint } from "./credentials-endpoint";

/** s3rver's built-in key pair: the only credentials it accepts. */
const s3rverKey = "S3RVER";

export interface LoopbackSinksOptions {
    /** Makes the Elasticsearch stand-in refuse some documents, as a mapping error does. */
    rejectDocument?: RejectDocument;
    /** Makes the archive's credentials endpoint expect another token than the forwarders are given. */
    archiveEndpointToken?: string;
    /** The sql sink too: a real PostgreSQL 17, run with this prefix (tests/support/postgres.ts's locatePostgres). */
    postgres?: string[];
}

/** The sinks a test can take down: the three, and the sql sink where the test has it (CloudWatch Logs is not a loopback sink). */
export type LoopbackSinkName = Exclude<SinkName, "cloudwatch">;

export interface LoopbackSinks {
    readonly mongo: MongoStandin;
    readonly elasticsearch: ElasticsearchStandin;
    /** With `postgres`: the sql sink's server. */
    readonly postgres?: PostgresServer;
    /**
     * The sinks' part of a stack's outputs (the webapp and forwarder outputs are the caller's), and where the
     * forwarders get the archive's keys.
     */
    outputs: Omit<StackOutputs, "webappUrl" | "forwarderControl" | "forwarderPrimary" | "forwarderSecondary"> & { archiveCredentials: LoopbackArchiveCredentials };
    /** The archive's container credentials endpoint, serving s3rver's keys. */
    readonly archiveCredentials: LoopbackCredentialsEndpoint;
    /** Takes a sink down: its port refuses connections until {@link bringBack}. */
    takeDown(sink: LoopbackSinkName): Promise<void>;
    /** Brings a sink back on the same port, with the data it had. */
    bringBack(sink: LoopbackSinkName): Promise<void>;
    stop(): Promise<void>;
}

interface S3Server {
    port: number;
    close(): Promise<void>;
}

async function startS3(directory: string, port = 0): Promise<S3Server> {
    const server = new S3rver({ address: "127.0.0.1", port, silent: true, directory });
    const address = await server.run();
    return { port: address.port, close: () => server.close() };
}

export async function startLoopbackSinks(options: LoopbackSinksOptions = {}): Promise<LoopbackSinks> {
    const credentials = { username: "dle", password: `pw-${Math.random().toString(36).slice(2)}` };
    const esCredentials = { username: "elastic", password: credentials.password };
    let mongo = await startMongoStandin(credentials);
    let elasticsearch = await startElasticsearchStandin({ ...esCredentials, rejectDocument: options.rejectDocument });
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dle-s3rver-"));
    let s3: S3Server | undefined = await startS3(directory);
    const s3Port = s3.port;
    const archiveCredentials = await startLoopbackCredentialsEndpoint({ accessKeyId: s3rverKey, secretAccessKey: s3rverKey }, { endpointToken: options.archiveEndpointToken });
    const postgres = options.postgres === undefined ? undefined : await startPostgres(options.postgres);
    const up = { store: true, search: true, archive: true, sql: true };

    return {
        get mongo() { return mongo; },
        get elasticsearch() { return elasticsearch; },
        archiveCredentials,
        postgres,
        outputs: {
            storeConnectionString: mongo.uri.replace("/?", "/applogs?"),
            storeDatabase: "applogs",
            storeCollection: "docker",
            searchUrl: elasticsearch.url,
            searchAuth: "basic",
            searchUsername: esCredentials.username,
            searchPassword: esCredentials.password,
            searchIndexPrefix: "logstash",
            archiveEndpoint: `http://127.0.0.1:${s3Port}`,
            archiveRegion: "us-east-1",
            archiveBucket: "applogs",
            archiveKeyPrefix: "logs/",
            archiveAccessKeyId: s3rverKey,
            archiveSecretAccessKey: s3rverKey,
            archiveCredentials: archiveCredentials.client,
            ...(postgres === undefined ? {} : { sqlUrl: postgres.url }),
        },
        async takeDown(sink) {
            up[sink] = false;
            if (sink === "store") await mongo.stop();
            if (sink === "search") await elasticsearch.stop();
            if (sink === "archive") await s3?.close();
            if (sink === "sql") await postgres?.stop();
        },
        async bringBack(sink) {
            up[sink] = true;
            if (sink === "store") mongo = await startMongoStandin({ ...credentials, port: mongo.port, store: mongo.store });
            if (sink === "search") {
                elasticsearch = await startElasticsearchStandin({ ...esCredentials, port: elasticsearch.port, store: elasticsearch.store, rejectDocument: options.rejectDocument });
            }
            // s3rver keeps its objects on disk, in the same directory.
            if (sink === "archive") s3 = await startS3(directory, s3Port);
            if (sink === "sql") await postgres?.start();
        },
        async stop() {
            await Promise.all([
                up.store ? mongo.stop() : undefined,
                up.search ? elasticsearch.stop() : undefined,
                up.archive ? s3?.close() : undefined,
                archiveCredentials.close(),
                postgres?.destroy(),
            ]);
            fs.rmSync(directory, { recursive: true, force: true });
        },
    };
}
