/**
 * The canary's figures in CloudWatch, published every minute with PutMetricData. The CloudWatch agent that collects
 * the fluentds' metrics cannot carry them: it drops Prometheus histograms, and the latency is one; PutMetricData takes
 * the raw latencies (values and counts), from which CloudWatch computes any percentile.
 *
 * One namespace (dle/canary) for every stack of an account and region, as AWS's own services keep one namespace per
 * service (AWS/ECS, ECS/ContainerInsights) and tell resources apart by a dimension. Each figure carries the dimension
 * Stack (the stack's name as its alarms and dashboard are named: see components/stack-names.ts), and each per-sink
 * figure also Sink. CloudWatch matches a metric only on all of its dimensions, so this module is the one definition of
 * them: the service publishes with it (CloudWatchFigures, below; ./server.ts sends them); the alarms,
 * the dashboard (components/monitoring/aws.ts) and `npm run verify` (tests/verify/canary.ts) read with it. A fixed
 * namespace also keeps the task role's `cloudwatch:namespace` condition one value for every stack.
 *
 * Runs under Node's type stripping in the canary's image and is imported by the program and the tests: no relative
 * value imports (ts-jest and the program would rewrite them to .js), no TypeScript-only syntax that has to be compiled.
 */
import type { Dimension, MetricDatum, PutMetricDataCommandInput } from "@aws-sdk/client-cloudwatch";
import type { CanaryRecorder } from "./canary.ts";

/** The dimension naming the stack whose canary published a figure. */
export const stackDimension = "Stack";
/** The dimension naming the sink a figure is about. */
export const sinkDimension = "Sink";

/** A figure's dimensions, in the order they are published: the stack, then the sink for a per-sink figure. */
export function canaryDimensions(stack: string, sink?: string): Dimension[] {
    return [{ Name: stackDimension, Value: stack }, ...(sink === undefined ? [] : [{ Name: sinkDimension, Value: sink }])];
}

/** The same dimensions as an alarm's `dimensions` map (name → value). */
export function canaryDimensionMap(stack: string, sink?: string): Record<string, string> {
    return Object.fromEntries(canaryDimensions(stack, sink).map((d) => [d.Name!, d.Value!]));
}

/** PutMetricData's limits (Amazon CloudWatch API reference, PutMetricData). */
export const putMetricDataLimits = {
    /** Distinct values in one datum's Values (with as many Counts). */
    valuesPerDatum: 150,
    /** Datums (metrics) in one request. */
    datumsPerRequest: 1000,
    /** One request's body, in bytes (HTTP POST). */
    requestBytes: 1_000_000,
};

/**
 * A generous bound on one datum's encoded size: its JSON, doubled, plus 100 bytes for every value and count, which
 * the query protocol spells out as `MetricData.member.N.Values.member.M=…`, the longest of the SDK's encodings.
 */
function encodedBytesBound(datum: MetricDatum): number {
    return 2 * JSON.stringify(datum).length + 100 * ((datum.Values?.length ?? 0) + (datum.Counts?.length ?? 0));
}

/**
 * The datums as PutMetricData requests that each stay within its limits: at most 1000 datums and well under 1 MB.
 * After a long outage of CloudWatch the canary sends what it kept (latencies of up to an hour, in hundredths of a
 * second) in as many requests as that takes. A datum with more values than one request takes is refused.
 */
export function putMetricDataRequests(namespace: string, datums: MetricDatum[]): PutMetricDataCommandInput[] {
    const budget = putMetricDataLimits.requestBytes / 2;
    const requests: PutMetricDataCommandInput[] = [];
    let current: MetricDatum[] = [];
    let bytes = 0;
    for (const datum of datums) {
        if ((datum.Values?.length ?? 0) > putMetricDataLimits.valuesPerDatum) {
            throw new Error(`A datum of ${datum.MetricName} has ${datum.Values!.length} values: PutMetricData takes at most ${putMetricDataLimits.valuesPerDatum}.`);
        }
        const size = encodedBytesBound(datum);
        if (current.length > 0 && (current.length >= putMetricDataLimits.datumsPerRequest || bytes + size > budget)) {
            requests.push({ Namespace: namespace, MetricData: current });
            current = [];
            bytes = 0;
        }
        current.push(datum);
        bytes += size;
    }
    if (current.length > 0) requests.push({ Namespace: namespace, MetricData: current });
    return requests;
}

/**
 * PutMetricData requests not sent yet, oldest first. Each minute's figures keep their own timestamps until CloudWatch
 * takes them, so a request that went through is never sent again (its counts would count twice) and one that did not
 * is sent with the next. At most `limit` requests are kept (a day of minutes by default; CloudWatch takes data
 * points up to two weeks old): past that the oldest are dropped, and counted.
 */
export class PendingRequests {
    private readonly queue: PutMetricDataCommandInput[] = [];
    private readonly limit: number;
    /** Requests dropped over the limit, since the start. */
    dropped = 0;

    constructor(limit = 24 * 60) {
        this.limit = limit;
    }

    get length(): number {
        return this.queue.length;
    }

    add(requests: PutMetricDataCommandInput[]): void {
        this.queue.push(...requests);
        const over = this.queue.length - this.limit;
        if (over > 0) {
            this.queue.splice(0, over);
            this.dropped += over;
        }
    }

    /** Sends the requests in order until one fails (its error is thrown; it and those after it stay). */
    async sendWith(send: (request: PutMetricDataCommandInput) => Promise<unknown>): Promise<void> {
        while (this.queue.length > 0) {
            await send(this.queue[0]);
            this.queue.shift();
        }
    }
}

/** Counts and latencies since the last publication to CloudWatch. */
export interface Taken {
    sent: number;
    /** By `<metric>\0<sink>`. */
    counts: Map<string, number>;
    /** By sink: latency (s, to the hundredth) → events. */
    latencies: Map<string, Map<number, number>>;
}

const nothingTaken = (): Taken => ({ sent: 0, counts: new Map(), latencies: new Map() });

/**
 * The figures for CloudWatch, gathered between two publications, published with the dimensions above: Stack (`stack`,
 * this stack's) on every figure, and Sink on the per-sink ones.
 */
export class CloudWatchFigures implements CanaryRecorder {
    private current = nothingTaken();
    private readonly newest = new Map<string, number>();
    private readonly sinks: string[];
    private readonly stack: string;

    constructor(sinks: string[], startMs: number, stack: string) {
        this.sinks = sinks;
        this.stack = stack;
        for (const sink of sinks) this.newest.set(sink, startMs);
    }

    sent(): void { this.current.sent++; }
    received(sink: string, seconds: number): void {
        this.add("Received", sink, 1);
        // Hundredths of a second: more precision than a poll gives, and few distinct values to send.
        this.addLatency(this.current, sink, Math.round(seconds * 100) / 100, 1);
    }
    missing(sink: string): void { this.add("Missing", sink, 1); }
    late(sink: string): void { this.add("Late", sink, 1); }
    duplicated(sink: string, copies: number): void { this.add("Duplicated", sink, copies); }
    lastEvent(sink: string, sentAtMs: number): void { this.newest.set(sink, sentAtMs); }
    readError(sink: string): void { this.add("ReadErrors", sink, 1); }

    private add(metric: string, sink: string, n: number, into = this.current): void {
        const key = `${metric}\0${sink}`;
        into.counts.set(key, (into.counts.get(key) ?? 0) + n);
    }

    private addLatency(into: Taken, sink: string, seconds: number, n: number): void {
        const bySecond = into.latencies.get(sink) ?? new Map<number, number>();
        bySecond.set(seconds, (bySecond.get(seconds) ?? 0) + n);
        into.latencies.set(sink, bySecond);
    }

    /** What was gathered since the last call; gathering starts again from nothing. */
    take(): Taken {
        const taken = this.current;
        this.current = nothingTaken();
        return taken;
    }

    /**
     * The datums of what was taken: every count, a zero where nothing happened (so that a period's sum is 0, not
     * missing, while the canary runs), the latencies as values and counts, and every sink's LastEventAgeSeconds
     * (how long ago the newest event found there was logged).
     */
    datums(taken: Taken, nowMs: number): MetricDatum[] {
        const timestamp = new Date(nowMs);
        const dimensions = (sink: string) => canaryDimensions(this.stack, sink);
        const datums: MetricDatum[] = [{ MetricName: "Sent", Dimensions: canaryDimensions(this.stack), Value: taken.sent, Unit: "Count", Timestamp: timestamp }];
        for (const sink of this.sinks) {
            for (const metric of ["Received", "Missing", "Late", "Duplicated", "ReadErrors"]) {
                datums.push({ MetricName: metric, Dimensions: dimensions(sink), Value: taken.counts.get(`${metric}\0${sink}`) ?? 0, Unit: "Count", Timestamp: timestamp });
            }
            const latencies = [...(taken.latencies.get(sink) ?? new Map<number, number>())];
            for (let i = 0; i < latencies.length; i += putMetricDataLimits.valuesPerDatum) {
                const slice = latencies.slice(i, i + putMetricDataLimits.valuesPerDatum);
                datums.push({
                    MetricName: "LatencySeconds", Dimensions: dimensions(sink), Unit: "Seconds", Timestamp: timestamp,
                    Values: slice.map(([seconds]) => seconds), Counts: slice.map(([, count]) => count),
                });
            }
            datums.push({ MetricName: "LastEventAgeSeconds", Dimensions: dimensions(sink), Value: Math.max(0, (nowMs - this.newest.get(sink)!) / 1000), Unit: "Seconds", Timestamp: timestamp });
        }
        return datums;
    }
}
