/**
 * The verification suite's check of the canary (components/canary/): during the suite's own run, no sink's count of
 * missing canary events may grow. Locally the counts are Prometheus's (the canary's `dle_canary_missing_total`, whose
 * increase over the run survives a canary restart); on AWS the canary's `Missing` figures in CloudWatch, summed over
 * the run. Read once the canary has had its wait (and a scrape, or a publication) for the run's last events.
 */
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { canarySinks } from "../../components/canary/args";
import { canaryDimensions } from "../../components/canary/service/cloudwatch";
import type { StackOutputs } from "./outputs";

export interface CanaryRow {
    sink: string;
    /** Canary events found in the sink during the run. */
    received: number;
    /** Canary events counted missing in the sink during the run. */
    missing: number;
}

interface PrometheusVector {
    result: { metric: Record<string, string>; value: [number, string] }[];
}

async function prometheusQuery(url: string, username: string, password: string, query: string): Promise<PrometheusVector> {
    const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`, { headers: { authorization } }).catch((error: Error) => {
        throw new Error(`Prometheus at ${url} is unreachable: ${error.message}`);
    });
    if (!response.ok) throw new Error(`Prometheus at ${url} answered ${response.status} to ${query}`);
    return ((await response.json()) as { data: PrometheusVector }).data;
}

/** Per sink, the increase of the canary's received and missing counts over the last `seconds`, from Prometheus. */
export async function canaryFromPrometheus(url: string, username: string, password: string, seconds: number): Promise<CanaryRow[]> {
    const window = `${Math.max(1, Math.ceil(seconds))}s`;
    const increase = async (metric: string) => {
        const vector = await prometheusQuery(url, username, password, `sum by (sink) (increase(${metric}{job="canary"}[${window}]))`);
        return new Map(vector.result.map((r) => [r.metric.sink, Number(r.value[1])]));
    };
    const [received, missing] = [await increase("dle_canary_received_total"), await increase("dle_canary_missing_total")];
    return [...received.keys()].sort().map((sink) => ({ sink, received: Math.round(received.get(sink)!), missing: Math.round(missing.get(sink) ?? 0) }));
}

/** Per sink, the canary's Received and Missing figures of the stack `stack` summed from `start` to `end`, from CloudWatch. */
export async function canaryFromCloudWatch(namespace: string, stack: string, region: string, sinks: readonly string[], start: Date, end: Date, client = new CloudWatchClient({ region })): Promise<CanaryRow[]> {
    const metrics = ["Received", "Missing"] as const;
    const queries = sinks.flatMap((sink, i) => metrics.map((metric) => ({
        Id: `${metric.toLowerCase()}${i}`,
        MetricStat: { Metric: { Namespace: namespace, MetricName: metric, Dimensions: canaryDimensions(stack, sink) }, Period: 60, Stat: "Sum" },
    })));
    const result = await client.send(new GetMetricDataCommand({ StartTime: start, EndTime: end, MetricDataQueries: queries }));
    const sum = (id: string) => (result.MetricDataResults?.find((r) => r.Id === id)?.Values ?? []).reduce((total, v) => total + v, 0);
    return sinks.map((sink, i) => ({ sink, received: sum(`received${i}`), missing: sum(`missing${i}`) }));
}

/** The check for a deployed stack: the canary's rows over the run, by how the stack is monitored. */
export async function canaryDuringRun(outputs: StackOutputs, start: Date, end = new Date()): Promise<CanaryRow[]> {
    if (outputs.monitoringKind === "cloudwatch") {
        return canaryFromCloudWatch(required(outputs.canaryNamespace, "canaryNamespace"), required(outputs.canaryStack, "canaryStack"), required(outputs.cloudwatchRegion, "cloudwatchRegion"), canarySinks, start, end);
    }
    return canaryFromPrometheus(required(outputs.prometheusUrl, "prometheusUrl"), required(outputs.prometheusUsername, "prometheusUsername"), required(outputs.prometheusPassword, "prometheusPassword"), (end.getTime() - start.getTime()) / 1000);
}

/** Throws naming every sink that lost canary events during the run, or that the canary did not read at all. */
export function assertCanaryFoundEverything(rows: CanaryRow[]): void {
    const problems = [
        ...canarySinks.filter((sink) => !rows.some((r) => r.sink === sink)).map((sink) => `${sink}: no canary figures (is the canary running, and its metrics collected?)`),
        ...rows.filter((r) => r.missing > 0).map((r) => `${r.sink}: ${r.missing} canary event(s) missing (found ${r.received})`),
        ...rows.filter((r) => r.missing === 0 && r.received === 0).map((r) => `${r.sink}: no canary event found during the run`),
    ];
    if (problems.length > 0) throw new Error(`The canary did not find every event of the run in every sink:\n${problems.join("\n")}`);
}

function required(value: string | undefined, key: keyof StackOutputs): string {
    if (value === undefined || value === "") throw new Error(`Stack outputs lack \`${key}\`, which the canary check needs: is the stack up to date?`);
    return value;
}
