/**
 * The three sinks on loopback for tests: the MongoDB and Elasticsearch stand-ins, and s3rver, a real
 * S3-compatible server from npm. Described as stack outputs, so the verification suite's own code
 * reaches them exactly as it reaches a deployed stack.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import S3rver from "s3rver";
import { ElasticsearchStandin, startElasticsearchStandin } from "../standins/elasticsearch-standin";
import { MongoStandin, startMongoStandin } from "../standins/mongo-standin";
import type { StackOutputs } from "../verify/outputs";

/** s3rver's built-in key pair: the only credentials it accepts. */
const s3rverKey = "S3RVER";

export interface LoopbackSinks {
    mongo: MongoStandin;
    elasticsearch: ElasticsearchStandin;
    s3: { endpoint: string; close(): Promise<void> };
    /** The sinks' part of a stack's outputs (the webapp and forwarder outputs are the caller's). */
    outputs: Omit<StackOutputs, "webappUrl" | "forwarderControl" | "forwarderPrimary" | "forwarderSecondary">;
    stop(): Promise<void>;
}

export async function startLoopbackSinks(): Promise<LoopbackSinks> {
    const credentials = { username: "dle", password: `pw-${Math.random().toString(36).slice(2)}` };
    const mongo = await startMongoStandin(credentials);
    const elasticsearch = await startElasticsearchStandin({ username: "elastic", password: credentials.password });
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dle-s3rver-"));
    const s3rver = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
    const { port } = await s3rver.run();
    const s3 = { endpoint: `http://127.0.0.1:${port}`, close: () => s3rver.close() };
    return {
        mongo,
        elasticsearch,
        s3,
        outputs: {
            storeConnectionString: mongo.uri.replace("/?", "/applogs?"),
            storeDatabase: "applogs",
            storeCollection: "docker",
            searchUrl: elasticsearch.url,
            searchAuth: "basic",
            searchUsername: "elastic",
            searchPassword: credentials.password,
            searchIndexPrefix: "logstash",
            archiveEndpoint: s3.endpoint,
            archiveRegion: "us-east-1",
            archiveBucket: "applogs",
            archiveKeyPrefix: "logs/",
            archiveAccessKeyId: s3rverKey,
            archiveSecretAccessKey: s3rverKey,
        },
        async stop() {
            await Promise.all([mongo.stop(), elasticsearch.stop(), s3.close()]);
            fs.rmSync(directory, { recursive: true, force: true });
        },
    };
}
