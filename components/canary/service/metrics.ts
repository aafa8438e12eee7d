/**
 * Where the canary's figures go: Prometheus metrics, served on its metrics port (both stacks; the local stack's
 * Prometheus scrapes them), and on AWS CloudWatch metrics (./cloudwatch.ts). The metric names are in
 * components/monitoring/metrics.json, with the other metrics the alerts and dashboards use.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CanaryRecorder } from "./canary.ts";

/**
 * Latency buckets, in seconds: the one definition, which the Grafana panels' and the alert's histogram_quantile read
 * (DleCanaryLatencyHigh's threshold, 30 s, is a bound, where histogram_quantile is exact). A latency is known to one
 * poll (1 s: the read that found the event, an upper bound), so the buckets are a poll wide, no finer, across the
 * latencies of the stack's defaults: the store and the search index 1 to 3 s (the agent's and the forwarders'
 * flushes, and a poll), the archive up to its upload interval (dle:archiveFlushSeconds, 10 s) more; then wider up to
 * the wait (dle:canaryWaitSeconds, 60 s) and the late window (an hour), where late events fall.
 */
export const latencyBuckets = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 30, 45, 60, 120, 300, 600, 1800, 3600];

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
