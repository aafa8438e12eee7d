/**
 * Probes: how dle reads its own events back from each sink. The one copy of that code: the canary service ships it
 * (./server.ts) and reads the sinks with it all the time; the verification suite (tests/verify/probes.ts, which maps a
 * stack's outputs to the locations below) and the tests drive the real services and the stand-ins with it.
 *
 * An event is found by its marker, `<runId>-<n>`, anywhere in the stored event's `log` (the line as the application
 * wrote it): the verification suite puts `dle-verify=<runId>-<n>` into its requests, the canary
 * `dle-canary=<runId>-<n>` into its lines. A probe reports every sighting of a run's markers, with the forwarder that
 * handled the event where the record says so, and the stored event itself (its fields as the sink returns them, typed),
 * and finds the events of given request ids. A sink added later is one more probe: a function that returns a
 * {@link SinkProbe}, and one more entry of {@link SinkLocations}.
 *
 * Runs under Node's type stripping in the canary's image and under ts-jest in the tests: no relative imports, no
 * TypeScript-only syntax that has to be compiled (parameter properties, enums).
 */
import { gunzipSync } from "node:zlib";
import { Client as ElasticsearchClient } from "@elastic/elasticsearch";
import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Client as OpenSearchClient } from "@opensearch-project/opensearch";
import { AwsSigv4Signer } from "@opensearch-project/opensearch/aws";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { MongoClient } from "mongodb";
import { Pool } from "pg";

export type SinkName = "store" | "search" | "archive" | "sql" | "cloudwatch";

/** A stored event, as the sink returns it: numbers as numbers, `@timestamp` a Date from MongoDB, a string elsewhere. */
export type StoredEvent = Record<string, unknown>;

/** One marker seen once in a sink. */
export interface Sighting {
    marker: string;
    /** "primary" or "secondary", from the record's `forwarder` field, when present. */
    forwarder?: string;
    /** The event the marker was seen in. */
    event: StoredEvent;
}

export interface SinkProbe {
    readonly sink: SinkName;
    /** Where the sink is, for messages; never includes credentials. */
    readonly endpoint: string;
    /** Answers quickly, or throws a {@link SinkUnreachableError} naming the endpoint. */
    check(): Promise<void>;
    /** Every sighting of the run's markers in events since `since`. */
    sightings(runId: string, since: Date): Promise<Sighting[]>;
    /** Every event since `since` whose `request_id` is one of these. */
    eventsOfRequests(requestIds: string[], since: Date): Promise<StoredEvent[]>;
    close(): Promise<void>;
}

export class SinkUnreachableError extends Error {
    readonly sink: SinkName;
    readonly endpoint: string;

    constructor(sink: SinkName, endpoint: string, cause: unknown) {
        super(`The ${sink} sink at ${endpoint} is unreachable: ${(cause as Error)?.message ?? String(cause)}`);
        this.name = "SinkUnreachableError";
        this.sink = sink;
        this.endpoint = endpoint;
    }
}

/** A fresh run id: letters and digits only, so a search engine's tokenizer keeps it one token. */
export function newRunId(): string {
    return `v${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** The markers of one run in a text (a log line, a JSON line): `<runId>-<n>`, not inside a longer word. */
export function markersIn(text: string, runId: string): string[] {
    return [...text.matchAll(new RegExp(`(?<![A-Za-z0-9])(${runId}-\\d+)`, "g"))].map((m) => m[1]);
}

/** The run's markers in a stored record's `log`, with the forwarder that handled it. */
export function sightingsOf(event: StoredEvent, runId: string): Sighting[] {
    const forwarder = typeof event.forwarder === "string" ? event.forwarder : undefined;
    return markersIn(String(event.log ?? ""), runId).map((marker) => ({ marker, forwarder, event }));
}

/** Elasticsearch's and OpenSearch's result window; MongoDB's and the archive's answers are bounded the same way. */
const maxHits = 10_000;

/** UTC dates (YYYY-MM-DD) from `since` to now: daily indices and archive prefixes to look in. */
function utcDatesSince(since: Date, now = new Date()): string[] {
    const dates: string[] = [];
    const day = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate()));
    for (; day <= now; day.setUTCDate(day.getUTCDate() + 1)) dates.push(day.toISOString().slice(0, 10));
    return dates;
}

/** How long a probe waits for a sink to answer before calling it unreachable. */
const connectTimeoutMs = 5_000;

async function reachable(sink: SinkName, endpoint: string, attempt: () => Promise<unknown>): Promise<void> {
    try {
        await attempt();
    } catch (error) {
        throw new SinkUnreachableError(sink, endpoint, error);
    }
}

/** A URL or connection string with any password removed. */
function withoutCredentials(url: string): string {
    return url.replace(/\/\/[^@/]*@/, "//");
}

/** The store: MongoDB or DocumentDB. */
export interface StoreLocation {
    /** With the credentials in it (a read-only user's, for the canary). */
    connectionString: string;
    database: string;
    collection: string;
}

export function storeProbe(location: StoreLocation): SinkProbe {
    const endpoint = withoutCredentials(location.connectionString);
    const client = new MongoClient(location.connectionString, {
        serverSelectionTimeoutMS: connectTimeoutMs,
        connectTimeoutMS: connectTimeoutMs,
    });
    const docs = () => client.db(location.database).collection(location.collection);
    return {
        sink: "store",
        endpoint,
        check: () => reachable("store", endpoint, () => client.db(location.database).command({ ping: 1 })),
        async sightings(runId, since) {
            const found = await docs().find({ log: { $regex: runId }, "@timestamp": { $gte: since } }).limit(maxHits).toArray();
            return found.flatMap((doc) => sightingsOf(doc, runId));
        },
        eventsOfRequests: (requestIds, since) =>
            docs().find({ request_id: { $in: requestIds }, "@timestamp": { $gte: since } }).limit(maxHits).toArray(),
        close: () => client.close(),
    };
}

/** The search index: Elasticsearch with a login, or Amazon OpenSearch with requests signed by the caller's AWS credentials. */
export type SearchLocation = {
    url: string;
    indexPrefix: string;
} & (
    | { auth: "basic"; username?: string; password?: string }
    | { auth: "aws-sigv4"; region: string }
);

/** The slice of the Elasticsearch and OpenSearch clients the search probe needs: a search by a query, whole events back. */
interface LogSearch {
    ping(): Promise<unknown>;
    search(indexPattern: string, query: object): Promise<StoredEvent[]>;
    close(): Promise<void>;
}

function elasticsearch(url: string, username?: string, password?: string): LogSearch {
    const client = new ElasticsearchClient({
        node: url,
        auth: username ? { username, password: password ?? "" } : undefined,
        requestTimeout: connectTimeoutMs,
        maxRetries: 0,
    });
    return {
        ping: () => client.info(),
        async search(index, query) {
            const result = await client.search<StoredEvent>({ index, size: maxHits, query });
            return result.hits.hits.map((hit) => hit._source ?? {});
        },
        close: () => client.close(),
    };
}

function openSearchWithSigV4(url: string, region: string): LogSearch {
    const client = new OpenSearchClient({
        ...AwsSigv4Signer({ region, service: "es", getCredentials: defaultProvider() }),
        node: url,
        requestTimeout: connectTimeoutMs,
        maxRetries: 0,
    });
    return {
        ping: () => client.info(),
        async search(index, query) {
            const result = await client.search({ index, body: { size: maxHits, query } });
            return (result.body.hits.hits as { _source?: StoredEvent }[]).map((hit) => hit._source ?? {});
        },
        close: () => client.close(),
    };
}

export function searchProbe(location: SearchLocation): SinkProbe {
    const search = location.auth === "aws-sigv4"
        ? openSearchWithSigV4(location.url, location.region)
        : elasticsearch(location.url, location.username, location.password);
    const endpoint = withoutCredentials(location.url);
    // Daily indices <prefix>-YYYY.MM.DD; the trailing * makes a day without events an empty match, not an error.
    const indicesSince = (since: Date) => utcDatesSince(since).map((date) => `${location.indexPrefix}-${date.replace(/-/g, ".")}*`).join(",");
    return {
        sink: "search",
        endpoint,
        check: () => reachable("search", endpoint, () => search.ping()),
        async sightings(runId, since) {
            const events = await search.search(indicesSince(since), { match: { log: runId } });
            return events.flatMap((event) => sightingsOf(event, runId));
        },
        eventsOfRequests: (requestIds, since) => search.search(indicesSince(since), { bool: { filter: [{ terms: { request_id: requestIds } }] } }),
        close: () => search.close(),
    };
}

/** The archive: an S3-compatible server with keys, or Amazon S3 with the caller's default AWS credentials. */
export interface ArchiveLocation {
    /** An S3-compatible server's endpoint; none for Amazon S3. */
    endpoint?: string;
    region: string;
    bucket: string;
    keyPrefix: string;
    accessKeyId?: string;
    secretAccessKey?: string;
}

/** The text of a gzip object; undefined when it ends early (not fully written yet); an error naming it when it is not gzip. */
function gunzipOrUnfinished(bytes: Uint8Array, name: string): string | undefined {
    try {
        return gunzipSync(bytes).toString("utf8");
    } catch (error) {
        if ((error as { code?: string }).code === "Z_BUF_ERROR") return undefined;
        throw new Error(`The archive object ${name} is not gzip: ${(error as Error).message}`);
    }
}

export function archiveProbe(location: ArchiveLocation): SinkProbe {
    const endpoint = location.endpoint ?? `https://s3.${location.region}.amazonaws.com`;
    const client = new S3Client({
        region: location.region,
        endpoint: location.endpoint,
        // S3-compatible servers serve buckets by path.
        forcePathStyle: location.endpoint !== undefined,
        credentials: location.accessKeyId
            ? { accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey ?? "" }
            : undefined,
        maxAttempts: 1,
        requestHandler: { requestTimeout: connectTimeoutMs, connectionTimeout: connectTimeoutMs },
    });
    const where = `${endpoint}/${location.bucket}`;
    // The matching lines of each complete object (by key and ETag), per search: a finished object never changes (each
    // upload is the next numbered object), so a probe that polls every second (the canary) downloads each object once.
    // Only the objects of the latest listing are kept.
    const cache = new Map<string, Map<string, StoredEvent[]>>();
    /** The JSON lines since `since` that contain any of `texts`, parsed. */
    async function linesWith(texts: string[], since: Date): Promise<StoredEvent[]> {
        const search = texts.join("\n");
        const known = cache.get(search) ?? new Map<string, StoredEvent[]>();
        const listed = new Map<string, StoredEvent[]>();
        const found: StoredEvent[] = [];
        for (const date of utcDatesSince(since)) {
            let token: string | undefined;
            do {
                const page = await client.send(new ListObjectsV2Command({
                    Bucket: location.bucket,
                    Prefix: `${location.keyPrefix}${date}/`,
                    ContinuationToken: token,
                })).catch((error: { name?: string }) => {
                    if (error.name === "NoSuchBucket") return { Contents: [], NextContinuationToken: undefined };
                    throw error;
                });
                // Objects written before the run cannot hold its markers (a minute of clock skew allowed).
                const fresh = (page.Contents ?? []).filter((o) => !o.LastModified || o.LastModified.getTime() >= since.getTime() - 60_000);
                for (const object of fresh) {
                    const id = `${object.Key}\0${object.ETag ?? ""}`;
                    let events = known.get(id);
                    if (events === undefined) {
                        const body = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: object.Key }));
                        const text = gunzipOrUnfinished(await body.Body!.transformToByteArray(), `${where}/${object.Key}`);
                        // An object still being written (S3-compatible servers may list it early) is read at the next poll.
                        if (text === undefined) continue;
                        events = text.split("\n").filter((l) => texts.some((t) => l.includes(t))).map((line) => JSON.parse(line) as StoredEvent);
                    }
                    listed.set(id, events);
                    found.push(...events);
                }
                token = page.NextContinuationToken;
            } while (token);
        }
        cache.set(search, listed);
        return found;
    }
    return {
        sink: "archive",
        endpoint: where,
        check: () => reachable("archive", where, () => client.send(new HeadBucketCommand({ Bucket: location.bucket }))
            .catch((error: { name?: string }) => {
                // The forwarders create the bucket on their first upload: a missing bucket is a reachable server.
                if (error.name !== "NotFound") throw error;
            })),
        sightings: async (runId, since) => (await linesWith([runId], since)).flatMap((event) => sightingsOf(event, runId)),
        async eventsOfRequests(requestIds, since) {
            const wanted = new Set(requestIds);
            return (await linesWith(requestIds, since)).filter((event) => wanted.has(event.request_id as string));
        },
        close: async () => client.destroy(),
    };
}

/** The sql sink: PostgreSQL or RDS for PostgreSQL, its table `logs` (fluentd/sql/). */
export interface SqlLocation {
    /** A postgres:// URL of the user, its password, the host, the port and the database, with `?sslmode=verify-full&sslrootcert=<CA bundle>` for RDS. */
    url: string;
}

export function sqlProbe(location: SqlLocation): SinkProbe {
    const endpoint = withoutCredentials(location.url);
    const pool = new Pool({ connectionString: location.url, max: 2, connectionTimeoutMillis: connectTimeoutMs });
    // A broken idle connection must not crash the process: the next query makes a new one.
    pool.on("error", () => undefined);
    // The row as the other sinks hold the event: its columns, and the rest of its fields beside them.
    const columns = `event_id, "@timestamp", app, log_type, forwarder, log, fields`;
    const events = async (where: string, values: unknown[]): Promise<StoredEvent[]> => {
        try {
            const { rows } = await pool.query(`SELECT ${columns} FROM logs WHERE ${where} LIMIT ${maxHits}`, values);
            return rows.map(({ fields, ...row }: Record<string, unknown>) => ({ ...(fields as Record<string, unknown>), ...row }));
        } catch (error) {
            // No table yet: the forwarders create it before their first write (undefined_table), so nothing has arrived.
            if ((error as { code?: string }).code === "42P01") return [];
            throw error;
        }
    };
    return {
        sink: "sql",
        endpoint,
        check: () => reachable("sql", endpoint, () => pool.query("SELECT 1")),
        async sightings(runId, since) {
            const found = await events(`log LIKE $1 AND "@timestamp" >= $2`, [`%${runId}-%`, since]);
            return found.flatMap((event) => sightingsOf(event, runId));
        },
        eventsOfRequests: (requestIds, since) => events(`fields->>'request_id' = ANY($1) AND "@timestamp" >= $2`, [requestIds, since]),
        close: () => pool.end(),
    };
}

/** Where each sink of a stack is; a sink left out is not probed. */
export interface SinkLocations {
    store?: StoreLocation;
    search?: SearchLocation;
    archive?: ArchiveLocation;
    sql?: SqlLocation;
}

/** One probe per sink located, in the order store, search, archive, sql. */
export function sinkProbes(locations: SinkLocations): SinkProbe[] {
    return [
        ...(locations.store ? [storeProbe(locations.store)] : []),
        ...(locations.search ? [searchProbe(locations.search)] : []),
        ...(locations.archive ? [archiveProbe(locations.archive)] : []),
        ...(locations.sql ? [sqlProbe(locations.sql)] : []),
    ];
}
