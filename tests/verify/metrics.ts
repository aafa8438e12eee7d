/**
 * The verification suite's check that every fluentd's metrics are being collected: locally, Prometheus's scrape
 * targets for the agent and both forwarders are up; on AWS, each role's metrics have arrived in CloudWatch in the last
 * minutes (the CloudWatch agent sidecars publish them every minute). The same code runs against a real Prometheus
 * on loopback in the end-to-end metrics test.
 */
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { mainOutputs } from "../../components/monitoring/fluentd-outputs";
import type { StackOutputs } from "./outputs";

/** The fluentd processes whose metrics must be collected, as their `role` label / dimension. */
const collectedRoles = ["agent", "primary", "secondary"] as const;

export interface CollectedRow {
    role: string;
    /** Scrape targets up (Prometheus), or samples in the window (CloudWatch). */
    collected: number;
    /** Why not, where it is not. */
    detail: string;
}

interface PrometheusTarget {
    labels: Record<string, string>;
    health: "up" | "down" | "unknown";
    lastError: string;
    scrapeUrl: string;
}

/** Each role's fluentd targets in Prometheus, with their health. */
export async function prometheusTargets(url: string, username: string, password: string): Promise<CollectedRow[]> {
    const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
    const response = await fetch(`${url}/api/v1/targets?state=active`, { headers: { authorization } }).catch((error: Error) => {
        throw new Error(`Prometheus at ${url} is unreachable: ${error.message}`);
    });
    if (!response.ok) throw new Error(`Prometheus at ${url} answered ${response.status} to /api/v1/targets`);
    const { data } = (await response.json()) as { data: { activeTargets: PrometheusTarget[] } };
    return collectedRoles.map((role) => {
        const targets = data.activeTargets.filter((t) => t.labels.job === "fluentd" && t.labels.role === role);
        const down = targets.filter((t) => t.health !== "up");
        return {
            role,
            collected: targets.length - down.length,
            detail: targets.length === 0 ? "no scrape target" : down.map((t) => `${t.scrapeUrl}: ${t.health} ${t.lastError}`.trim()).join("; "),
        };
    });
}

/** Each role's samples of one always-present metric in CloudWatch over the last `minutes`. */
async function cloudwatchSamples(namespace: string, region: string, minutes = 10, client = new CloudWatchClient({ region })): Promise<CollectedRow[]> {
    const end = new Date();
    const start = new Date(end.getTime() - minutes * 60_000);
    const result = await client.send(new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        MetricDataQueries: collectedRoles.map((role, i) => ({
            Id: `m${i}`,
            MetricStat: {
                Metric: {
                    Namespace: namespace,
                    MetricName: "fluentd_output_status_buffer_total_limit_bytes",
                    Dimensions: [{ Name: "role", Value: role }, { Name: "plugin_id", Value: mainOutputs[role] }],
                },
                Period: minutes * 60,
                Stat: "SampleCount",
            },
        })),
    }));
    return collectedRoles.map((role, i) => {
        const values = result.MetricDataResults?.find((r) => r.Id === `m${i}`)?.Values ?? [];
        const collected = values.reduce((sum, v) => sum + v, 0);
        return { role, collected, detail: collected > 0 ? "" : `no samples in ${namespace} in the last ${minutes} minutes` };
    });
}

/** The check for a deployed stack, by how it is monitored; throws naming every role whose metrics are missing. */
export async function checkMetricsCollected(outputs: StackOutputs): Promise<CollectedRow[]> {
    const rows = outputs.monitoringKind === "cloudwatch"
        ? await cloudwatchSamples(required(outputs, "cloudwatchNamespace"), required(outputs, "cloudwatchRegion"))
        : await prometheusTargets(required(outputs, "prometheusUrl"), required(outputs, "prometheusUsername"), required(outputs, "prometheusPassword"));
    const missing = rows.filter((r) => r.collected === 0 || r.detail !== "");
    if (missing.length > 0) {
        throw new Error(`Metrics not collected: ${missing.map((r) => `${r.role} (${r.detail})`).join(", ")}`);
    }
    return rows;
}

function required(outputs: StackOutputs, key: keyof StackOutputs): string {
    const value = outputs[key];
    if (typeof value !== "string" || value === "") throw new Error(`Stack outputs lack \`${key}\`, which the metrics check needs: is the stack up to date?`);
    return value;
}
