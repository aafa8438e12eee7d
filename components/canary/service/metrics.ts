/**
 * Where the canary's figures go: Prometheus metrics, served on its metrics port (both stacks; the local stack's
 * Prometheus scrapes them), and on AWS CloudWatch metrics, published every minute with PutMetricData. The CloudWatch
 * agent that collects the fluentds' metrics cannot carry these: it drops Prometheus histograms, and the latency is
 * one. PutMetricData takes the raw latencies (values and counts), from which CloudWatch computes any percentile.
 * The metric names are in components/monitoring/metrics.json, with the other metrics the alerts and dashboards use.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { MetricDatum } from "@aws-sdk/client-cloudwatch";
import type { CanaryRecorder } from "./canary.ts";

/**
 * Latency buckets, in seconds: the store and the search index take 1 to 3 s (the agent's and the forwarders'
 * flushes, and a poll), the archive up to its upload interval (dle:archiveFlushSeconds, 10 s) more.
 */
export const latencyBuckets = [0.5, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 120, 300];

/** The canary's Prometheus metrics in `registry`, every sink's series present (at 0) from the start. */
export function prometheusRecorder(registry: Registry, sinks: string[], startMs: number): CanaryRecorder {
    const registers = [registry];
    const perSink = { labelNames: ["sink"] as const, registers };
    const sent = new Counter({ name: "dle_canary_sent_total", help: "Canary events logged.", registers });
    const received = new Counter({ name: "dle_canary_received_total", help: "Canary events found in the sink, on time or late.", ...perSink });
    const missing = new Counter({ name: "dle_canary_missing_total", help: "Canary events not found in the sink within the wait (dle:canaryWaitSeconds).", ...perSink });
    const late = new Counter({ name: "dle_canary_late_total", help: "Canary events found in the sink after the wait (counted missing before).", ...perSink });
    const duplicated = new Counter({ name: "dle_canary_duplicated_total", help: "Copies of canary events beyond the first, in the sink.", ...perSink });
    const readErrors = new Counter({ name: "dle_canary_read_errors_total", help: "Reads of the sink that failed (unreachable, refused).", ...perSink });
    const latency = new Histogram({ name: "dle_canary_latency_seconds", help: "Seconds from logging a canary event to finding it in the sink (to within one poll).", buckets: latencyBuckets, ...perSink });
    const lastEvent = new Gauge({ name: "dle_canary_last_event_timestamp_seconds", help: "When the newest canary event found in the sink was logged (the canary's start until one is found).", ...perSink });
    for (const sink of sinks) {
        for (const counter of [received, missing, late, duplicated, readErrors]) counter.inc({ sink }, 0);
        latency.zero({ sink });
        lastEvent.set({ sink }, startMs / 1000);
    }
    return {
        sent: () => sent.inc(),
        received: (sink, seconds) => { received.inc({ sink }); latency.observe({ sink }, seconds); },
        missing: (sink) => missing.inc({ sink }),
        late: (sink) => late.inc({ sink }),
        duplicated: (sink, copies) => duplicated.inc({ sink }, copies),
        lastEvent: (sink, sentAtMs) => lastEvent.set({ sink }, sentAtMs / 1000),
        readError: (sink) => readErrors.inc({ sink }),
    };
}

/** PutMetricData takes at most 150 distinct values in one datum. */
const maxValuesPerDatum = 150;

/** Counts and latencies since the last publication to CloudWatch. */
export interface Taken {
    sent: number;
    /** By `<metric>\0<sink>`. */
    counts: Map<string, number>;
    /** By sink: latency (s, to the hundredth) → events. */
    latencies: Map<string, Map<number, number>>;
}

const nothingTaken = (): Taken => ({ sent: 0, counts: new Map(), latencies: new Map() });

/** The figures for CloudWatch, gathered between two publications. */
export class CloudWatchFigures implements CanaryRecorder {
    private current = nothingTaken();
    private readonly newest = new Map<string, number>();
    private readonly sinks: string[];

    constructor(sinks: string[], startMs: number) {
        this.sinks = sinks;
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

    /** Puts back what a failed publication took, so that it goes with the next one. */
    putBack(taken: Taken): void {
        this.current.sent += taken.sent;
        for (const [key, n] of taken.counts) this.current.counts.set(key, (this.current.counts.get(key) ?? 0) + n);
        for (const [sink, bySecond] of taken.latencies) for (const [seconds, n] of bySecond) this.addLatency(this.current, sink, seconds, n);
    }

    /**
     * The datums of what was taken: every count, a zero where nothing happened (so that a period's sum is 0, not
     * missing, while the canary runs), the latencies as values and counts, and every sink's LastEventAgeSeconds
     * (how long ago the newest event found there was logged).
     */
    datums(taken: Taken, nowMs: number): MetricDatum[] {
        const timestamp = new Date(nowMs);
        const dimensions = (sink: string) => [{ Name: "Sink", Value: sink }];
        const datums: MetricDatum[] = [{ MetricName: "Sent", Value: taken.sent, Unit: "Count", Timestamp: timestamp }];
        for (const sink of this.sinks) {
            for (const metric of ["Received", "Missing", "Late", "Duplicated", "ReadErrors"]) {
                datums.push({ MetricName: metric, Dimensions: dimensions(sink), Value: taken.counts.get(`${metric}\0${sink}`) ?? 0, Unit: "Count", Timestamp: timestamp });
            }
            const latencies = [...(taken.latencies.get(sink) ?? new Map<number, number>())];
            for (let i = 0; i < latencies.length; i += maxValuesPerDatum) {
                const slice = latencies.slice(i, i + maxValuesPerDatum);
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

/** Every recorder gets every call. */
export function allOf(recorders: CanaryRecorder[]): CanaryRecorder {
    return {
        sent: () => recorders.forEach((r) => r.sent()),
        received: (sink, seconds) => recorders.forEach((r) => r.received(sink, seconds)),
        missing: (sink) => recorders.forEach((r) => r.missing(sink)),
        late: (sink) => recorders.forEach((r) => r.late(sink)),
        duplicated: (sink, copies) => recorders.forEach((r) => r.duplicated(sink, copies)),
        lastEvent: (sink, sentAtMs) => recorders.forEach((r) => r.lastEvent(sink, sentAtMs)),
        readError: (sink) => recorders.forEach((r) => r.readError(sink)),
    };
}
