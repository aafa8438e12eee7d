/**
 * What the monitoring part's component (index.ts) and its targets (aws.ts, local.ts) share: its Args, what a
 * target returns, and the helpers both targets use. Both import this module; index.ts imports them, never the reverse.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { SinkName, StackConfig } from "../config";
import { Platform } from "../platform";

/** The monitoring part's data files, read by the program and by the tests. */
export const monitoringFiles = {
    /** Prometheus alert rules (JSON is YAML, so Prometheus loads the file as it is). */
    alertRules: path.join(__dirname, "alerts.rules.json"),
    /** Grafana's pipeline dashboard. */
    dashboard: path.join(__dirname, "pipeline-dashboard.json"),
    grafanaDatasources: path.join(__dirname, "grafana-datasources.yaml"),
    grafanaDashboards: path.join(__dirname, "grafana-dashboards.yaml"),
    /** Every metric the rules and dashboards use, where it comes from, and how it goes to CloudWatch. */
    metrics: path.join(__dirname, "metrics.json"),
};

/** The fluentd processes, by the `role` label their metrics carry. */
export type FluentdRole = "agent" | "primary" | "secondary";
export const fluentdRoles: readonly FluentdRole[] = ["agent", "primary", "secondary"];

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "critical" | "warning" };
    annotations: { summary: string; runbook: string };
}

export interface MetricInfo {
    name: string;
    /** A histogram's series are its name with _bucket, _sum and _count. */
    type: "counter" | "gauge" | "histogram";
    /** The plugin (or Prometheus, or the blackbox exporter) that exports it. */
    source: string;
    help: string;
    /** The dimension sets the CloudWatch agent publishes it with; none: not sent to CloudWatch by the agent. */
    cloudwatchDimensions: string[][];
    /**
     * The canary's metrics: the CloudWatch metric (namespace dle/canary, dimensions Stack and Sink) with the same figure,
     * which the canary publishes itself on AWS (components/canary/service/cloudwatch.ts).
     */
    canaryCloudwatchMetric?: string;
    /** Exported only by a stack whose dle:sinks lists this sink (its output registers it). */
    sink?: SinkName;
}

export interface DashboardPanel {
    title: string;
    description: string;
    fieldConfig: { defaults: { unit: string } };
    gridPos: { x: number; y: number; w: number; h: number };
    targets: { refId: string; expr: string; legendFormat: string }[];
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, "utf8")) as T;
export const alertRules = (): AlertRule[] => readJson<{ groups: { rules: AlertRule[] }[] }>(monitoringFiles.alertRules).groups.flatMap((g) => g.rules);
export const metricCatalogue = (): MetricInfo[] => readJson<{ metrics: MetricInfo[] }>(monitoringFiles.metrics).metrics;
export const dashboardPanels = (): DashboardPanel[] => readJson<{ panels: DashboardPanel[] }>(monitoringFiles.dashboard).panels;

/** What is watched: the names of the parts' containers (locally) or services (AWS). */
export interface MonitoringTargets {
    /** The agent's container name (locally; on AWS the agent runs in each webapp task). */
    agent: pulumi.Input<string>;
    /** The forwarders' container names (locally) or ECS service names (AWS). */
    primary: pulumi.Input<string>;
    secondary: pulumi.Input<string>;
    /** The webapp's container name locally, where the blackbox exporter probes it on this port. */
    webapp: pulumi.Input<string>;
    webappPort: number;
    /** The webapp's load balancer (its ARN suffix, CloudWatch's LoadBalancer dimension) on AWS. */
    webappLoadBalancer?: pulumi.Input<string>;
    /**
     * The canary, where the stack runs one: the sinks it reads back (its figures are per sink), and its metrics' address
     * (locally) or CloudWatch namespace and Stack dimension (AWS).
     */
    canary?: { sinks: readonly string[]; metricsAddress?: pulumi.Input<string>; cloudwatchNamespace?: string; cloudwatchStack?: string };
}

export interface MonitoringArgs {
    config: StackConfig;
    /** The target's shared resources; its `kind` selects the implementation. */
    platform: Platform;
    targets: MonitoringTargets;
}

/** Where an operator looks: Prometheus and Grafana (local), or CloudWatch (AWS). */
export type MonitoringOutputs =
    | { kind: "prometheus"; prometheusUrl: pulumi.Output<string>; prometheusUsername: string; prometheusPassword: pulumi.Output<string>; grafanaUrl: pulumi.Output<string>; grafanaUsername: string; grafanaPassword: pulumi.Output<string> }
    | { kind: "cloudwatch"; namespace: string; region: pulumi.Output<string>; dashboardUrl: pulumi.Output<string>; alarmTopicArn: pulumi.Output<string> };
