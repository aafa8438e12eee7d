/**
 * The canary's latency beside the benchmark's, in the latency phase (e): the benchmark times every one of its events
 * from the write into the agent's socket to the sink's first sight of it; the canary (the service itself, on the same
 * pipeline) times one event a second from its logging to the read that found it, into the histogram of
 * `dle_canary_latency_seconds` (buckets: components/canary/service/metrics.ts). Its p50 is what Prometheus's
 * histogram_quantile gives from those buckets; the two p50s agree when they fall in the same bucket or in neighbouring
 * ones: a histogram tells a latency only to its bucket.
 */
import { latencyBuckets } from "../../components/canary/service/metrics";
import type { CanaryMetrics } from "../support/canary-process";

/** One bucket of the canary's histogram: its bounds (`lower` < latency ≤ `upper`). */
export interface Bucket {
    lower: number;
    upper: number;
}

export interface SinkComparison {
    /** The benchmark's p50, seconds. */
    benchmarkP50: number;
    benchmarkBucket: Bucket;
    /** The canary's p50 from its histogram, seconds (histogram_quantile's interpolation). */
    canaryP50: number;
    canaryBucket: Bucket;
    /** Canary events the histogram holds. */
    canaryEvents: number;
    /** Its events per bucket, by the bucket's upper bound ("+Inf" for the last), the empty ones left out. */
    canaryHistogram: Record<string, number>;
    /** Buckets between the two (0: the same one). */
    bucketsApart: number;
    /** At most one bucket apart. */
    agree: boolean;
}

/** The upper bounds of the canary's buckets, ending with +Inf as Prometheus's do. */
const bounds = [...latencyBuckets, Infinity];

/** The index of the bucket that holds `seconds`. */
function bucketIndex(seconds: number): number {
    return bounds.findIndex((upper) => seconds <= upper);
}

function bucket(index: number): Bucket {
    return { lower: index === 0 ? 0 : bounds[index - 1], upper: bounds[index] };
}

/** The cumulative counts of a sink's latency histogram, by bucket, from the canary's metrics. */
export function latencyHistogram(metrics: CanaryMetrics, sink: string): number[] {
    return bounds.map((upper) => {
        const le = upper === Infinity ? "+Inf" : String(upper);
        const count = metrics.get(`dle_canary_latency_seconds_bucket{le="${le}",sink="${sink}"}`);
        if (count === undefined) throw new Error(`the canary's metrics have no bucket le="${le}" for the ${sink} sink`);
        return count;
    });
}

/** What a histogram gained from `before` to `after` (cumulative counts, bucket by bucket). */
export function histogramSince(before: number[], after: number[]): number[] {
    return after.map((count, i) => count - before[i]);
}

/**
 * The q-quantile of a histogram of cumulative counts, as Prometheus's histogram_quantile computes it: the bucket where
 * the cumulative count reaches q of the total, and a linear interpolation inside it; NaN without events. A quantile in
 * the +Inf bucket is that bucket's lower bound.
 */
export function histogramQuantile(q: number, cumulative: number[]): { seconds: number; index: number } {
    const total = cumulative[cumulative.length - 1];
    if (!(total > 0)) return { seconds: NaN, index: -1 };
    const rank = q * total;
    const index = cumulative.findIndex((count) => count >= rank);
    const { lower, upper } = bucket(index);
    if (upper === Infinity) return { seconds: lower, index };
    const below = index === 0 ? 0 : cumulative[index - 1];
    const inBucket = cumulative[index] - below;
    return { seconds: inBucket === 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket), index };
}

/** The benchmark's p50 of a sink beside the canary's, from the histogram the canary gained during the phase. */
export function compareP50(benchmarkP50: number, canaryCumulative: number[]): SinkComparison {
    const canary = histogramQuantile(0.5, canaryCumulative);
    const benchmarkIndex = bucketIndex(benchmarkP50);
    const bucketsApart = canary.index < 0 ? NaN : Math.abs(canary.index - benchmarkIndex);
    return {
        benchmarkP50,
        benchmarkBucket: bucket(benchmarkIndex),
        canaryP50: canary.seconds,
        canaryBucket: canary.index < 0 ? { lower: NaN, upper: NaN } : bucket(canary.index),
        canaryEvents: canaryCumulative[canaryCumulative.length - 1],
        canaryHistogram: Object.fromEntries(canaryCumulative.map((count, i) => [bounds[i] === Infinity ? "+Inf" : String(bounds[i]), count - (i === 0 ? 0 : canaryCumulative[i - 1])] as const).filter(([, n]) => n > 0)),
        bucketsApart,
        agree: bucketsApart <= 1,
    };
}

/** "1.5–2 s", "> 300 s". */
export function bucketText(b: Bucket): string {
    return b.upper === Infinity ? `> ${b.lower} s` : `${b.lower}–${b.upper} s`;
}
