import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { On } from "../platform";
import { stackScoped } from "../stack-names";
import { AwsPlatform } from "../platform/aws";
import { canaryCloudwatchNamespace } from "../canary/args";
import { cloudwatchNamespace } from "./aws-collector";
import { errorPathOutputs, mainOutputs } from "./fluentd-outputs";
import { AlertRule, FluentdRole, MonitoringArgs, MonitoringOutputs, alertRules, dashboardPanels, fluentdRoles } from "./args";

const forwarderRoles: FluentdRole[] = ["primary", "secondary"];


interface AlarmMetric {
    metricName: string;
    dimensions: Record<string, pulumi.Input<string>>;
    stat: string;
    /** CloudWatch's own namespaces (the load balancer's); dle's fluentd namespace when unset. */
    namespace?: string;
}

/** One CloudWatch alarm for (part of) a Prometheus alert of alerts.rules.json, by the alert's name. */
export interface AlarmSpec {
    alert: string;
    /** Told apart from the alert's other alarms (one per role, for example). */
    suffix?: string;
    metrics: Record<string, AlarmMetric>;
    /** Metric math over `metrics` (by id) whose value the threshold applies to. */
    expression: string;
    comparison: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
    threshold: number;
    periodSeconds: number;
    /** Periods in a row that must breach (CloudWatch's for:). */
    evaluationPeriods: number;
    /** Missing data: "breaching" where no metrics means the fluentd is gone. */
    treatMissingData: "breaching" | "notBreaching";
}

const fluentdMetric = (metricName: string, dimensions: Record<string, string>, stat: string): AlarmMetric => ({ metricName, dimensions, stat });
/** The sum of one metric over the given roles, a role without data counting as 0. */
function sumOverRoles(metricName: string, roles: FluentdRole[], stat: string, extra: (role: FluentdRole) => Record<string, string> = () => ({})) {
    const metrics = Object.fromEntries(roles.map((role) => [`m_${role}`, fluentdMetric(metricName, { role, ...extra(role) }, stat)]));
    return { metrics, expression: roles.map((role) => `FILL(m_${role}, 0)`).join(" + ") };
}

/**
 * The alarms: the conditions of alerts.rules.json in CloudWatch's terms. CloudWatch has no predict_linear, so the
 * buffer alarm extrapolates the last 5 minutes' change (RATE) over 4 hours; it has no `up`, so a fluentd is down when
 * its main output's metrics stop arriving (fewer samples a minute than there are tasks).
 */
export function alarmSpecs(args: { webappTasks: number; loadBalancer: pulumi.Input<string>; canary?: { sinks: readonly string[] } }): AlarmSpec[] {
    const expectedTasks: Record<FluentdRole, number> = { agent: args.webappTasks, primary: 1, secondary: 1 };
    const records = sumOverRoles("dle_records_total", forwarderRoles, "Sum");
    const canarySinks = args.canary?.sinks ?? [];
    const canaryMetric = (metricName: string, stat: string, sink?: string): AlarmMetric =>
        ({ namespace: canaryCloudwatchNamespace, metricName, dimensions: sink === undefined ? {} : { Sink: sink }, stat });
    return [
        ...fluentdRoles.map((role): AlarmSpec => ({
            alert: "FluentdDown", suffix: role,
            metrics: { m: fluentdMetric("fluentd_output_status_buffer_total_limit_bytes", { role, plugin_id: mainOutputs[role] }, "SampleCount") },
            expression: "FILL(m, 0)",
            comparison: "LessThanThreshold", threshold: expectedTasks[role],
            periodSeconds: 60, evaluationPeriods: 3, treatMissingData: "breaching",
        })),
        {
            alert: "DleNoRecordsReceived",
            metrics: {
                ...records.metrics,
                requests: { namespace: "AWS/ApplicationELB", metricName: "RequestCount", dimensions: { LoadBalancer: args.loadBalancer }, stat: "Sum" },
            },
            expression: `IF(FILL(requests, 0) > 0 AND (${records.expression}) == 0, 1, 0)`,
            comparison: "GreaterThanOrEqualToThreshold", threshold: 1,
            periodSeconds: 300, evaluationPeriods: 2, treatMissingData: "notBreaching",
        },
        {
            alert: "FluentdRetriesRising",
            ...sumOverRoles("fluentd_output_status_retry_count", [...fluentdRoles], "Sum"),
            comparison: "GreaterThanThreshold", threshold: 0,
            periodSeconds: 300, evaluationPeriods: 3, treatMissingData: "notBreaching",
        },
        {
            alert: "FluentdOutputErrors",
            ...sumOverRoles("fluentd_output_status_num_errors", [...fluentdRoles], "Sum"),
            comparison: "GreaterThanThreshold", threshold: 0,
            periodSeconds: 300, evaluationPeriods: 1, treatMissingData: "notBreaching",
        },
        ...fluentdRoles.map((role): AlarmSpec => ({
            alert: "FluentdBufferFillingUp", suffix: role,
            // The fullest buffer of the role's outputs (and tasks), in percent free.
            metrics: { free: fluentdMetric("fluentd_output_status_buffer_available_space_ratio", { role }, "Minimum") },
            expression: "free + RATE(free) * 4 * 3600",
            comparison: "LessThanThreshold", threshold: 0,
            periodSeconds: 300, evaluationPeriods: 3, treatMissingData: "notBreaching",
        })),
        {
            alert: "DleAgentOnStandby",
            metrics: { m: fluentdMetric("fluentd_output_forward_node_serving", { role: "agent", node: "secondary" }, "Maximum") },
            expression: "FILL(m, 0)",
            comparison: "GreaterThanOrEqualToThreshold", threshold: 1,
            periodSeconds: 60, evaluationPeriods: 3, treatMissingData: "notBreaching",
        },
        {
            alert: "DleRecordsInErrorPath",
            metrics: {
                ...sumOverRoles("fluentd_output_status_emit_records", [...fluentdRoles], "Sum", (role) => ({ plugin_id: errorPathOutputs[role] })).metrics,
                ...Object.fromEntries(fluentdRoles.map((role) => [`s_${role}`, fluentdMetric("fluentd_output_status_write_secondary_count_total", { role }, "Sum")])),
            },
            expression: fluentdRoles.flatMap((role) => [`FILL(m_${role}, 0)`, `FILL(s_${role}, 0)`]).join(" + "),
            comparison: "GreaterThanThreshold", threshold: 0,
            periodSeconds: 300, evaluationPeriods: 1, treatMissingData: "notBreaching",
        },
        // The canary publishes its own figures (components/canary/service/metrics.ts), per sink, every minute.
        ...canarySinks.flatMap((sink): AlarmSpec[] => [
            {
                alert: "DleCanaryEventsMissing", suffix: sink,
                metrics: { m: canaryMetric("Missing", "Sum", sink) },
                expression: "FILL(m, 0)",
                comparison: "GreaterThanThreshold", threshold: 0,
                periodSeconds: 600, evaluationPeriods: 1, treatMissingData: "notBreaching",
            },
            {
                // CloudWatch computes the percentile from the latencies the canary sends as values and counts.
                alert: "DleCanaryLatencyHigh", suffix: sink,
                metrics: { m: canaryMetric("LatencySeconds", "p99", sink) },
                expression: "m",
                comparison: "GreaterThanThreshold", threshold: 30,
                periodSeconds: 600, evaluationPeriods: 2, treatMissingData: "notBreaching",
            },
            {
                // No data means no canary: that is breaching too (DleCanaryDown says which).
                alert: "DleCanaryNoEvents", suffix: sink,
                metrics: { m: canaryMetric("LastEventAgeSeconds", "Maximum", sink) },
                expression: "m",
                comparison: "GreaterThanThreshold", threshold: 300,
                periodSeconds: 60, evaluationPeriods: 1, treatMissingData: "breaching",
            },
        ]),
        ...(args.canary === undefined ? [] : [{
            // Its Sent figure arrives once a minute while it runs, 0 or more.
            alert: "DleCanaryDown",
            metrics: { m: canaryMetric("Sent", "SampleCount") },
            expression: "FILL(m, 0)",
            comparison: "LessThanThreshold", threshold: 1,
            periodSeconds: 60, evaluationPeriods: 5, treatMissingData: "breaching",
        } satisfies AlarmSpec]),
    ];
}

/** An alert's annotation without Prometheus's templating, for an alarm's description. */
const untemplated = (text: string) => text.replace(/\s*\(?\{\{[^}]*\}\}\)?/g, "").trim();

function alarmDescription(rule: AlertRule): string {
    // CloudWatch allows 1024 characters.
    return `${untemplated(rule.annotations.summary)}. ${rule.annotations.runbook} (components/monitoring/alerts.rules.json: ${rule.alert})`.slice(0, 1024);
}

/** A widget per panel of the Grafana dashboard, by title: the same signals, from CloudWatch. */
export function dashboardWidgetMetrics(loadBalancer: string): Record<string, { expression: string; label: string }[]> {
    const search = (dimensions: string, metricName: string, stat: string, period: number, filter = "") =>
        `SEARCH('{${cloudwatchNamespace},${dimensions}} MetricName="${metricName}"${filter}', '${stat}', ${period})`;
    const perSecond = (expression: string) => `${expression} / 60`;
    const canarySearch = (metricName: string, stat: string, period: number) =>
        `SEARCH('{${canaryCloudwatchNamespace},Sink} MetricName="${metricName}"', '${stat}', ${period})`;
    return {
        "Events/s into each fluentd": [{ expression: perSecond(search("role", "fluentd_input_status_emit_records_total", "Sum", 60)), label: "" }],
        "Events/s out of each fluentd, per output": [{ expression: perSecond(search("role,plugin_id", "fluentd_output_status_emit_records", "Sum", 60)), label: "" }],
        "Which forwarder serves": [
            { expression: search("role,node", "fluentd_output_forward_node_serving", "Maximum", 60), label: "agent sends to" },
            { expression: perSecond(search("role", "dle_records_total", "Sum", 60, " AND (role=\"primary\" OR role=\"secondary\")")), label: "received (events/s)" },
        ],
        "Buffer bytes against the limit": [
            { expression: search("role,plugin_id", "fluentd_output_status_buffer_total_bytes", "Maximum", 60), label: "bytes" },
            { expression: search("role,plugin_id", "fluentd_output_status_buffer_total_limit_bytes", "Maximum", 60), label: "limit" },
        ],
        "Buffer queue length": [{ expression: search("role,plugin_id", "fluentd_output_status_buffer_queue_length", "Maximum", 60), label: "" }],
        "Retries": [{ expression: search("role,plugin_id", "fluentd_output_status_retry_count", "Sum", 300), label: "" }],
        "Errors and error paths": [
            { expression: search("role,plugin_id", "fluentd_output_status_num_errors", "Sum", 300), label: "errors" },
            { expression: search("role,plugin_id", "fluentd_output_status_emit_records", "Sum", 300, " AND (plugin_id=\"rejected\" OR plugin_id=\"rejected_records\")"), label: "records in the error path" },
            { expression: search("role", "fluentd_output_status_write_secondary_count_total", "Sum", 300), label: "chunks to secondary" },
            { expression: search("role", "fluentd_input_status_invalid_events_total", "Sum", 300), label: "invalid events" },
        ],
        "Events/s by log type, and unparsed": [
            { expression: perSecond(search("role,log_type", "dle_records_total", "Sum", 60)), label: "" },
            { expression: perSecond(search("role,log_type", "dle_records_unparsed_total", "Sum", 60)), label: "unparsed" },
        ],
        "fluentd up": [{ expression: search("role,plugin_id", "fluentd_output_status_buffer_total_limit_bytes", "SampleCount", 60), label: "scrapes a minute (0: down)" }],
        "Canary: events missing, late and duplicated per sink": ["Missing", "Late", "Duplicated", "ReadErrors"].map((metric) => ({
            expression: canarySearch(metric, "Sum", 300), label: metric.toLowerCase(),
        })),
        "Canary: end-to-end latency per sink": ["p50", "p99"].map((stat) => ({ expression: canarySearch("LatencySeconds", stat, 300), label: stat })),
        "PostgreSQL (sql sink): rows/s inserted, already there, refused": [{ expression: perSecond(search("role,result", "dle_sql_rows_total", "Sum", 60)), label: "" }],
        "Canary: seconds since the newest event per sink": [{ expression: canarySearch("LastEventAgeSeconds", "Maximum", 60), label: "" }],
        "Webapp answers": [
            { expression: `SEARCH('{AWS/ApplicationELB,LoadBalancer} MetricName="HTTPCode_Target_2XX_Count" LoadBalancer="${loadBalancer}"', 'Sum', 60)`, label: "2xx" },
            { expression: `SEARCH('{AWS/ApplicationELB,LoadBalancer} MetricName="RequestCount" LoadBalancer="${loadBalancer}"', 'Sum', 60)`, label: "requests" },
        ],
    };
}

/** The CloudWatch dashboard's body: the Grafana dashboard's panels, in its order and layout. */
export function dashboardBody(region: string, loadBalancer: string): string {
    const widgetMetrics = dashboardWidgetMetrics(loadBalancer);
    const widgets = dashboardPanels().map((panel) => {
        const queries = widgetMetrics[panel.title];
        if (queries === undefined) throw new Error(`The CloudWatch dashboard has no widget for the Grafana panel \`${panel.title}\``);
        const grid = panel.gridPos;
        return {
            type: "metric",
            // Grafana's grid is 24 wide, CloudWatch's 24 too; heights are in similar units.
            x: grid.x, y: grid.y, width: grid.w, height: grid.h,
            properties: {
                title: panel.title,
                region,
                view: "timeSeries",
                stacked: false,
                metrics: queries.map((q, i) => [{ expression: q.expression, label: q.label, id: `e${i + 1}` }]),
            },
        };
    });
    return JSON.stringify({ widgets });
}

/**
 * CloudWatch's side of the monitoring: an SNS topic for the alarms (with an e-mail subscription by dle:alarmEmail),
 * the alarms of alarmSpecs, and the pipeline dashboard. The metrics come from the sidecars of ./aws-collector.ts.
 */
export function createAwsMonitoring(name: string, parent: pulumi.Resource, args: On<MonitoringArgs, AwsPlatform>): MonitoringOutputs {
    const { config, platform, targets } = args;
    const loadBalancer = targets.webappLoadBalancer;
    if (loadBalancer === undefined) {
        throw new Error(`The aws monitoring \`${name}\` needs the webapp's load balancer (\`targets.webappLoadBalancer\`).`);
    }
    const opts = { parent };
    // No KMS key: CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key.
    const topic = new aws.sns.Topic(`${name}-alarms`, { displayName: "dle pipeline alarms" }, opts);
    if (config.aws.alarmEmail !== undefined) {
        new aws.sns.TopicSubscription(`${name}-alarm-email`, { topic: topic.arn, protocol: "email", endpoint: config.aws.alarmEmail }, opts);
    }
    const rules = new Map(alertRules().map((rule) => [rule.alert, rule]));
    for (const spec of alarmSpecs({ webappTasks: config.aws.webappTasks, loadBalancer, canary: targets.canary })) {
        const rule = rules.get(spec.alert);
        if (rule === undefined) throw new Error(`The alarm \`${spec.alert}\` has no rule in alerts.rules.json`);
        const alarmName = `${name}-${spec.alert}${spec.suffix ? `-${spec.suffix}` : ""}`;
        new aws.cloudwatch.MetricAlarm(alarmName, {
            // Alarm names are the account's: another stack's alarm of the same name would be overwritten.
            name: stackScoped(alarmName),
            alarmDescription: alarmDescription(rule),
            comparisonOperator: spec.comparison,
            threshold: spec.threshold,
            evaluationPeriods: spec.evaluationPeriods,
            datapointsToAlarm: spec.evaluationPeriods,
            treatMissingData: spec.treatMissingData,
            metricQueries: [
                ...Object.entries(spec.metrics).map(([id, m]) => ({
                    id,
                    returnData: false,
                    metric: { namespace: m.namespace ?? cloudwatchNamespace, metricName: m.metricName, dimensions: m.dimensions, stat: m.stat, period: spec.periodSeconds },
                })),
                { id: "e1", expression: spec.expression, label: spec.alert, returnData: true },
            ],
            alarmActions: [topic.arn],
            okActions: [topic.arn],
            tags: { severity: rule.labels.severity },
        }, opts);
    }
    const dashboard = new aws.cloudwatch.Dashboard(`${name}-pipeline`, {
        dashboardName: stackScoped(`${name}-pipeline`),
        dashboardBody: pulumi.all([platform.region, loadBalancer]).apply(([region, lb]) => dashboardBody(region, lb)),
    }, opts);
    return {
        kind: "cloudwatch",
        namespace: cloudwatchNamespace,
        region: platform.region,
        dashboardUrl: pulumi.interpolate`https://${platform.region}.console.aws.amazon.com/cloudwatch/home?region=${platform.region}#dashboards/dashboard/${dashboard.dashboardName}`,
        alarmTopicArn: topic.arn,
    };
}
