/**
 * The benchmark's comparison of the canary's latency with its own (tests/bench/canary-comparison.ts): the canary's p50
 * from its histogram as Prometheus's histogram_quantile computes it, the bucket of each p50, and agreement within one
 * bucket.
 */
import { latencyBuckets } from "../../components/canary/service/metrics";
import { parseMetrics } from "../support/canary-process";
import { bucketText, compareP50, histogramQuantile, histogramSince, latencyHistogram } from "../bench/canary-comparison";

/** Cumulative counts over the canary's buckets (and +Inf) for events of these latencies. */
const cumulative = (latencies: number[]) => [...latencyBuckets, Infinity].map((upper) => latencies.filter((l) => l <= upper).length);

describe("the canary's p50 from its histogram", () => {
    it("is histogram_quantile's: the bucket where half the events are reached, interpolated inside it", () => {
        // 4 events in (1, 2], 4 in (2, 3]: the median rank 4 is the end of the first of them.
        expect(histogramQuantile(0.5, cumulative([1.1, 1.2, 1.3, 1.9, 2.2, 2.5, 2.6, 2.9]))).toEqual({ seconds: 2, index: 1 });
        // 10 events in (3, 4]: rank 5 is halfway through it.
        expect(histogramQuantile(0.5, cumulative(Array(10).fill(3.5)))).toEqual({ seconds: 3.5, index: 3 });
        expect(histogramQuantile(0.5, cumulative([])).seconds).toBeNaN();
        // Beyond the last bound: that bound, as Prometheus gives it.
        expect(histogramQuantile(0.5, cumulative([5000, 6000]))).toEqual({ seconds: 3600, index: latencyBuckets.length });
    });

    it("reads the canary's own metrics, and what they gained over the phase", () => {
        const text = (counts: number[]) => [...latencyBuckets.map(String), "+Inf"]
            .map((le, i) => `dle_canary_latency_seconds_bucket{le="${le}",sink="store"} ${counts[i]}`).join("\n");
        const before = latencyHistogram(parseMetrics(text(cumulative([1.5]))), "store");
        const after = latencyHistogram(parseMetrics(text(cumulative([1.5, 2.5, 2.5]))), "store");
        expect(histogramSince(before, after)).toEqual(cumulative([2.5, 2.5]));
        expect(() => latencyHistogram(parseMetrics(text(cumulative([1]))), "search")).toThrow('the canary\'s metrics have no bucket le="1" for the search sink');
    });
});

describe("the canary's p50 beside the benchmark's", () => {
    it("agrees in the same bucket and in neighbouring ones, and names the bounds", () => {
        const same = compareP50(1.4, cumulative([1.2, 1.6, 1.8]));
        expect(same).toMatchObject({ benchmarkBucket: { lower: 1, upper: 2 }, canaryBucket: { lower: 1, upper: 2 }, bucketsApart: 0, agree: true, canaryEvents: 3 });
        expect(compareP50(1.4, cumulative([1.2, 2.5, 2.6, 5000])).canaryHistogram).toEqual({ 2: 1, 3: 2, "+Inf": 1 });
        const neighbours = compareP50(0.9, cumulative([1.3, 1.5, 1.7]));
        expect(neighbours).toMatchObject({ benchmarkBucket: { lower: 0, upper: 1 }, canaryBucket: { lower: 1, upper: 2 }, bucketsApart: 1, agree: true });
        expect(bucketText(neighbours.benchmarkBucket)).toBe("0–1 s");
    });

    it("disagrees two buckets apart or more, and without canary events", () => {
        expect(compareP50(0.9, cumulative([2.5, 2.6, 2.7]))).toMatchObject({ bucketsApart: 2, agree: false });
        expect(compareP50(0.9, cumulative([]))).toMatchObject({ agree: false, canaryEvents: 0 });
        expect(bucketText({ lower: 3600, upper: Infinity })).toBe("> 3600 s");
    });
});
