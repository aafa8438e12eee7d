/**
 * What every phase of the benchmark works with: the three sinks, each in its own process, the project's fluentd
 * processes (tests/support/loopback-pipeline.ts) started on demand, the sender, and the meter of every process.
 */
import { randomBytes } from "crypto";
import { setTimeout as sleep } from "timers/promises";
import { LoopbackFluentd, LoopbackSinkOutputs, startLoopbackFluentd } from "../support/loopback-pipeline";
import { RecordedResource } from "../support/mocks";
import { startLoopbackCredentialsEndpoint } from "../support/credentials-endpoint";
import type { SinkName as AnySink } from "../verify/probes";

/** The sinks the benchmark measures: the three every stack has (the sql and cloudwatch sinks are not in its rig yet). */
export type SinkName = Exclude<AnySink, "sql" | "cloudwatch">;
import { Child, startChild } from "./child";
import { RangeSummary } from "./marker-counter";
import { ProcessMeter } from "./process-meter";

export const sinkNames: SinkName[] = ["store", "search", "archive"];

export interface Rig {
    fluentd: string;
    /** What the mocked local stack registered: the containers' environments (the fluentds', the canary's). */
    resources: RecordedResource[];
    sinks: Record<SinkName, Child>;
    outputs: LoopbackSinkOutputs;
    sender: Child;
    meter: ProcessMeter;
    /** The agent and the forwarders, once started. */
    pipeline?: LoopbackFluentd;
    startPipeline(): Promise<LoopbackFluentd>;
    stop(): Promise<void>;
}

export async function startRig(fluentd: string, resources: RecordedResource[]): Promise<Rig> {
    const password = randomBytes(18).toString("base64url");
    const meter = new ProcessMeter();
    const started: Child[] = [];
    const start = async (module: string, args: string[], name: string) => {
        const child = await startChild(module, args, name);
        started.push(child);
        meter.track(name, () => child.pid());
        return child;
    };
    const [store, search, archive, sender] = await Promise.all([
        start("sink-process", ["store", password], "store"),
        start("sink-process", ["search", password], "search"),
        start("sink-process", ["archive", password], "archive"),
        start("sender", [], "sender"),
    ]);
    const { uri } = await store.request<{ uri: string }>("info");
    const { url } = await search.request<{ url: string }>("info");
    const { endpoint } = await archive.request<{ endpoint: string }>("info");
    // The forwarders get s3rver's keys as in the stack, from a container credentials endpoint (in this process: it
    // answers once an hour per forwarder).
    const credentials = await startLoopbackCredentialsEndpoint({ accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
    // The sinks' part of the stack outputs, as tests/support/sinks.ts describes its in-process sinks.
    const outputs: LoopbackSinkOutputs = {
        storeConnectionString: uri.replace("/?", "/applogs?"),
        storeDatabase: "applogs",
        storeCollection: "docker",
        searchUrl: url,
        searchAuth: "basic",
        searchUsername: "elastic",
        searchPassword: password,
        searchIndexPrefix: "logstash",
        archiveEndpoint: endpoint,
        archiveRegion: "us-east-1",
        archiveBucket: "applogs",
        archiveKeyPrefix: "logs/",
        archiveAccessKeyId: "S3RVER",
        archiveSecretAccessKey: "S3RVER",
        archiveCredentials: credentials.client,
    };
    const rig: Rig = {
        fluentd, resources, sinks: { store, search, archive }, outputs, sender, meter,
        async startPipeline() {
            const pipeline = await startLoopbackFluentd(fluentd, resources, outputs);
            rig.pipeline = pipeline;
            for (const p of [pipeline.agent, pipeline.primary, pipeline.secondary]) meter.track(p.name, () => p.pid());
            return pipeline;
        },
        async stop() {
            meter.close();
            await rig.pipeline?.stop();
            await Promise.all(started.map((c) => c.stop()));
            await credentials.close();
        },
    };
    return rig;
}

/** Per sink, what arrived of events first .. first + count - 1. */
export async function summaries(rig: Rig, runId: string, first: number, count: number): Promise<Record<SinkName, RangeSummary>> {
    const entries = await Promise.all(sinkNames.map(async (s) => [s, await rig.sinks[s].request<RangeSummary>("summary", { runId, first, count })] as const));
    return Object.fromEntries(entries) as Record<SinkName, RangeSummary>;
}

/** The fewest distinct events of the run any sink has. */
export async function leastStored(rig: Rig, runId: string): Promise<number> {
    const progress = await Promise.all(sinkNames.map((s) => rig.sinks[s].request<{ distinct: number }>("progress", { runId })));
    return Math.min(...progress.map((p) => p.distinct));
}

/**
 * Waits until every sink has all `count` events of the run, or until none has made progress for `stallSeconds`
 * (then what is missing is reported as lost by the caller). Returns the per-sink summaries. A pipeline that still
 * trickles events in after `deadlineSeconds` (30 min: far beyond any phase's drain on a loaded 2-core machine) fails
 * the run, saying what each sink still misses, rather than waiting for ever.
 */
export async function waitForAll(rig: Rig, runId: string, first: number, count: number, stallSeconds = 90, deadlineSeconds = 1800): Promise<Record<SinkName, RangeSummary>> {
    let last = -1;
    let lastProgressAt = Date.now();
    const deadline = Date.now() + deadlineSeconds * 1000;
    for (;;) {
        const now = await summaries(rig, runId, first, count);
        if (sinkNames.every((n) => now[n].missing === 0)) return now;
        if (Date.now() > deadline) {
            const missing = sinkNames.map((n) => `${n} misses ${now[n].missing}`).join(", ");
            throw new Error(`run ${runId}: events ${first}..${first + count - 1} still arriving after ${deadlineSeconds} s (${missing})`);
        }
        const arrived = sinkNames.reduce((sum, n) => sum + now[n].distinct + now[n].duplicates, 0);
        if (arrived !== last) {
            last = arrived;
            lastProgressAt = Date.now();
        } else if (Date.now() - lastProgressAt > stallSeconds * 1000) {
            return now;
        }
        await sleep(500);
    }
}
