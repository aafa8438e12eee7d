/**
 * Feeds one sink directly, as fast as it takes them, with batches of the benchmark's events (tests/bench/frames.ts),
 * in the form the forwarder's output plugin sends them: MongoDB inserts of many documents, Elasticsearch _bulk
 * requests, gzip JSON-lines objects put to S3. What the sink counts per second is its ceiling: the most the
 * pipeline could deliver to it. Runs in a process of its own, beside the sink's.
 */
import { gzipSync } from "zlib";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { MongoClient } from "mongodb";
import { serve } from "./child";
import { benchRecord } from "./frames";
import type { SinkName } from "./rig";
import type { LoopbackSinkOutputs } from "../support/loopback-pipeline";

interface Feed {
    sink: SinkName;
    outputs: LoopbackSinkOutputs;
    runId: string;
    seconds: number;
}

/** Events per request: about one forwarder chunk's worth for each output. */
const batchSize: Record<SinkName, number> = { store: 1000, search: 1000, archive: 10_000 };
/** Requests in flight at once, as the forwarder's flush threads would have. */
const concurrency = 4;

/** The records the forwarder would send for events n .. n + count - 1. */
function records(runId: string, first: number, count: number): Record<string, unknown>[] {
    return Array.from({ length: count }, (_, i) => ({ ...benchRecord(runId, first + i), forwarder: "primary", "@log_name": "docker.webapp", time: new Date() }));
}

/** One request's worth of sending, for events first .. first + count - 1. */
type Send = (first: number, count: number) => Promise<void>;

async function sender(feed: Feed): Promise<{ send: Send; close: () => Promise<void> }> {
    const o = feed.outputs;
    if (feed.sink === "store") {
        const client = await new MongoClient(o.storeConnectionString).connect();
        const collection = client.db(o.storeDatabase).collection("bench_ceiling");
        return { send: async (first, count) => { await collection.insertMany(records(feed.runId, first, count)); }, close: () => client.close() };
    }
    if (feed.sink === "search") {
        const authorization = `Basic ${Buffer.from(`${o.searchUsername}:${o.searchPassword}`).toString("base64")}`;
        const action = JSON.stringify({ index: { _index: "bench-ceiling" } });
        return {
            send: async (first, count) => {
                const body = records(feed.runId, first, count).map((r) => `${action}\n${JSON.stringify(r)}\n`).join("");
                const response = await fetch(`${o.searchUrl}/_bulk`, { method: "POST", headers: { authorization, "content-type": "application/x-ndjson" }, body });
                if (!response.ok) throw new Error(`_bulk answered ${response.status}`);
                await response.arrayBuffer();
            },
            close: async () => undefined,
        };
    }
    const s3 = new S3Client({
        endpoint: o.archiveEndpoint, region: o.archiveRegion, forcePathStyle: true,
        credentials: { accessKeyId: o.archiveAccessKeyId!, secretAccessKey: o.archiveSecretAccessKey! },
    });
    // The forwarders create the bucket on their first upload; the feeder may come first.
    await s3.send(new CreateBucketCommand({ Bucket: o.archiveBucket })).catch(() => undefined);
    return {
        send: async (first, count) => {
            const body = gzipSync(records(feed.runId, first, count).map((r) => JSON.stringify(r)).join("\n"));
            await s3.send(new PutObjectCommand({ Bucket: o.archiveBucket, Key: `bench-ceiling/${feed.runId}-${first}.gz`, Body: body }));
        },
        close: async () => s3.destroy(),
    };
}

serve({
    async feed(feed: Feed) {
        const { send, close } = await sender(feed);
        const size = batchSize[feed.sink];
        const until = Date.now() + feed.seconds * 1000;
        let next = 0;
        const loop = async () => {
            while (Date.now() < until) {
                const first = next;
                next += size;
                await send(first, size);
            }
        };
        const startedAt = Date.now();
        await Promise.all(Array.from({ length: concurrency }, loop));
        await close();
        return { sent: next, startedAt, endedAt: Date.now() };
    },
});
