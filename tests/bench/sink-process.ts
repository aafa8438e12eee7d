/**
 * One sink of the benchmark, in a process of its own: the MongoDB or Elasticsearch stand-in, or s3rver (or, to
 * measure the sender alone, a server that discards what it reads). Each counts what it receives by marker
 * (tests/bench/marker-counter.ts) the moment it receives it, and keeps no documents but the canary's (one a second,
 * which the canary reads back during the latency phase): a million events would otherwise fill its memory. The
 * stand-ins themselves are unchanged; only their stores count instead of keeping. s3rver keeps its objects on disk.
 *
 * Usage (by tests/bench/child.ts): sink-process.ts <store|search|archive|discard> <password>
 */
import { EventEmitter } from "events";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import type { Document } from "bson";
import S3rver from "s3rver";
import { canaryMarker } from "../../components/canary/service/canary";
import { EsDocument, EsStore, startElasticsearchStandin } from "../standins/elasticsearch-standin";
import { MongoStore, startMongoStandin } from "../standins/mongo-standin";
import { serve } from "./child";
import { Forwarder, MarkerCounter } from "./marker-counter";

const counter = new MarkerCounter();

/** Whether a record is one of the canary's events, which the sinks keep for the canary to find. */
const isCanaryEvent = (log: unknown) => typeof log === "string" && log.includes(`${canaryMarker}=`);

/** A collection's documents that are counted as they are inserted, and not kept (but the canary's). */
class CountedDocuments extends Array<Document> {
    static override get [Symbol.species]() { return Array; }
    override push(...documents: Document[]): number {
        const at = Date.now();
        for (const d of documents) {
            counter.record(d.log, d.forwarder, at);
            if (isCanaryEvent(d.log)) super.push(d);
        }
        return this.length;
    }
}

class CountingMongoStore extends MongoStore {
    override ensureCollection(db: string, name: string, options: Document = {}) {
        const collection = super.ensureCollection(db, name, options);
        if (!(collection.documents instanceof CountedDocuments)) collection.documents = new CountedDocuments();
        return collection;
    }
}

/** An index's documents, counted as they are indexed and not kept (but the canary's). */
class CountedIndexDocuments extends Map<string, EsDocument> {
    override set(id: string, document: EsDocument): this {
        counter.record(document.source?.log, document.source?.forwarder);
        return isCanaryEvent(document.source?.log) ? super.set(id, document) : this;
    }
}

class CountingEsStore extends EsStore {
    override ensureIndex(name: string, body: any = {}) {
        const index = super.ensureIndex(name, body);
        if (!(index.documents instanceof CountedIndexDocuments)) index.documents = new CountedIndexDocuments();
        return index;
    }
}

const forwarderField = /"forwarder":"([a-z]+)"/;

/** s3rver, counting the JSON lines of every gzip object as it is stored (fluentd's S3 output writes them). */
async function startArchive(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dle-bench-s3-"));
    const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
    (server as unknown as EventEmitter).on("event", (event: { Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string } } }[] }) => {
        for (const record of event.Records) {
            if (!record.eventName.startsWith("ObjectCreated")) continue;
            const file = path.join(directory, record.s3.bucket.name, `${record.s3.object.key}._S3rver_object`);
            const at = Date.now();
            for (const line of gunzipSync(fs.readFileSync(file)).toString("utf8").split("\n")) {
                if (line !== "") counter.record(line, forwarderField.exec(line)?.[1], at);
            }
        }
    });
    const address = await server.run();
    return {
        endpoint: `http://127.0.0.1:${address.port}`,
        stop: async () => { await server.close(); fs.rmSync(directory, { recursive: true, force: true }); },
    };
}

/** Reads and drops everything: the sender's own ceiling is measured against this. */
async function startDiscard(): Promise<{ port: number; stop: () => Promise<void> }> {
    const server = net.createServer((socket) => socket.on("data", (data) => { counter.records += data.length; }).on("error", () => undefined));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { port: (server.address() as net.AddressInfo).port, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function main(): Promise<void> {
    const [kind, password] = process.argv.slice(2);
    let info: Record<string, unknown>;
    let stop: () => Promise<void>;
    if (kind === "store") {
        const mongo = await startMongoStandin({ username: "dle", password, store: new CountingMongoStore() });
        info = { uri: mongo.uri };
        stop = mongo.stop;
    } else if (kind === "search") {
        const es = await startElasticsearchStandin({ username: "elastic", password, store: new CountingEsStore() });
        info = { url: es.url };
        stop = es.stop;
    } else if (kind === "archive") {
        const s3 = await startArchive();
        info = { endpoint: s3.endpoint };
        stop = s3.stop;
    } else if (kind === "discard") {
        const discard = await startDiscard();
        info = { port: discard.port };
        stop = discard.stop;
    } else {
        throw new Error(`unknown sink ${JSON.stringify(kind)}: store, search, archive or discard`);
    }
    process.once("SIGTERM", () => { void stop().finally(() => process.exit(0)); });
    serve({
        info: () => info,
        progress: ({ runId }: { runId: string }) => counter.progress(runId),
        summary: ({ runId, first, count }: { runId: string; first: number; count: number }) => counter.summary(runId, first, count),
        firstThrough: ({ runId, forwarder, after, fromN }: { runId: string; forwarder: Forwarder; after: number; fromN?: number }) =>
            counter.firstThrough(runId, forwarder, after, fromN),
        firstSeen: ({ runId, first, count }: { runId: string; first: number; count: number }) => counter.firstSeen(runId, first, count),
        timeline: ({ runId, from, to, binMs }: { runId: string; from: number; to: number; binMs: number }) => counter.timeline(runId, from, to, binMs),
        forget: ({ runId }: { runId: string }) => counter.forget(runId),
    });
}

main().catch((error) => {
    process.stderr.write(`sink process: ${(error as Error).stack}\n`);
    process.exit(1);
});
