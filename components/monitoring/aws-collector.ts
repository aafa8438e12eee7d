/**
 * The CloudWatch agent sidecar that collects a fluentd's Prometheus metrics on AWS: in each forwarder task and each
 * webapp task (beside the agent's log router), it scrapes the fluentd's /metrics over the task's loopback (no
 * security group rule opens the metrics port) every minute and publishes the metrics of components/monitoring/metrics.json
 * to CloudWatch as embedded metric format logs, with the dimensions listed there. Counters arrive as the increase
 * since the previous scrape (the agent's conversion), so CloudWatch's Sum over a period is the increase in it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { StackConfig } from "../config";
import { ecsEnvironment, fluentdContainer } from "../fluentd-env";
import { AwsPlatform } from "../platform/aws";
import { FargateContainer } from "../fargate-container";
import { stackLogGroupName } from "../stack-names";
import { FluentdRole, metricCatalogue } from "./args";

/** The CloudWatch namespace of every fluentd metric (shared by the stacks of one account and region). */
export const cloudwatchNamespace = "dle/fluentd";
export const collectorContainerName = "metrics-collector";
/** How often the sidecar scrapes: CloudWatch's standard resolution. */
const scrapeIntervalSeconds = 60;

/** The Prometheus scrape config the agent reads (PROMETHEUS_CONFIG_CONTENT): this task's fluentd, with its role. */
function collectorScrapeConfig(role: FluentdRole): string {
    return JSON.stringify({
        global: { scrape_interval: `${scrapeIntervalSeconds}s`, scrape_timeout: "10s" },
        scrape_configs: [{
            job_name: "fluentd",
            static_configs: [{ targets: [`127.0.0.1:${fluentdContainer.metricsPort}`], labels: { role } }],
        }],
    });
}

/** The CloudWatch agent's config (CW_CONFIG_CONTENT): which metrics become CloudWatch metrics, with which dimensions. */
export function collectorAgentConfig(args: { region: string; clusterName: string; logGroupName: string }): string {
    const declarations = metricCatalogue()
        .filter((metric) => metric.cloudwatchDimensions.length > 0)
        .map((metric) => ({
            source_labels: ["job"],
            label_matcher: "^fluentd$",
            dimensions: metric.cloudwatchDimensions,
            metric_selectors: [`^${metric.name}$`],
        }));
    return JSON.stringify({
        agent: { region: args.region },
        logs: {
            metrics_collected: {
                prometheus: {
                    cluster_name: args.clusterName,
                    log_group_name: args.logGroupName,
                    prometheus_config_path: "env:PROMETHEUS_CONFIG_CONTENT",
                    emf_processor: { metric_namespace: cloudwatchNamespace, metric_declaration: declarations },
                },
            },
            force_flush_interval: 5,
        },
    });
}

export interface MetricsCollectorArgs {
    config: StackConfig;
    platform: AwsPlatform;
    /** The `role` dimension of the fluentd in this task. */
    role: FluentdRole;
    /** The task's role, which may write the collector's log group (where the metrics go) and nothing more for it. */
    taskRole: aws.iam.Role;
}

/**
 * The sidecar container for one service's tasks, and what it needs: a log group for its metric logs (with the
 * stack's retention) and the task role's permission to write there. Not essential: the task keeps its fluentd
 * running if the collector stops (the FluentdDown alarm then shows the gap).
 */
export function metricsCollector(name: string, args: MetricsCollectorArgs, parent: pulumi.Resource): FargateContainer {
    const { platform } = args;
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-metrics`, {
        name: stackLogGroupName(`${name}-metrics`),
        retentionInDays: platform.logRetentionDays,
    }, { parent });
    const writePolicy = new aws.iam.RolePolicy(`${name}-metrics`, {
        role: args.taskRole.id,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:log-stream:*`],
            }],
        }),
    }, { parent });
    const agentConfig = pulumi.all([platform.region, platform.cluster.name, logGroup.name])
        .apply(([region, clusterName, logGroupName]) => collectorAgentConfig({ region, clusterName, logGroupName }));
    return {
        name: collectorContainerName,
        image: args.config.images.cloudwatchAgent,
        essential: false,
        // Neither holds a secret: what to scrape and where to publish it.
        environment: ecsEnvironment({ CW_CONFIG_CONTENT: agentConfig, PROMETHEUS_CONFIG_CONTENT: collectorScrapeConfig(args.role) }),
        // The image has no shell or HTTP client and the agent no health endpoint: this proves the binary runs;
        // whether metrics arrive is what the FluentdDown alarm watches.
        healthcheck: ["/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent", "-version"],
        startPeriodSeconds: 30,
        requires: [writePolicy],
        // start-amazon-cloudwatch-agent translates CW_CONFIG_CONTENT into etc/ (the TOML, YAML and env configs) and
        // starts the agent with its pid file in var/; the agent logs to logs/ (aws/amazon-cloudwatch-agent,
        // cmd/start-amazon-cloudwatch-agent/path.go).
        writablePaths: [...["etc", "logs", "var"].map((dir) => `/opt/aws/amazon-cloudwatch-agent/${dir}`), "/tmp"],
    };
}
