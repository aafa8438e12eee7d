/**
 * The aws stack's monitoring under Pulumi's mock runtime: the CloudWatch agent sidecar in every task that runs a
 * fluentd, scraping it over the task's loopback and publishing to its own log group; the alarms of every alert, to
 * the SNS topic with the e-mail subscription of dle:alarmEmail; the dashboard with the Grafana dashboard's panels.
 */
import * as fs from "fs";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { defaults } from "../../components/config";
import { fluentdContainer } from "../../components/fluentd-env";
import { alertRules, dashboardPanels } from "../../components/monitoring";
import { alarmSpecs } from "../../components/monitoring/aws";
import { canarySinks } from "../../components/canary";
import { errorPathOutputs, mainOutputs } from "../../components/monitoring/fluentd-outputs";
import { cloudwatchNamespace, collectorContainerName } from "../../components/monitoring/aws-collector";
import { taskDefinitionsRegistered } from "../support/aws-tasks";
import { fluentdDir } from "../support/fluentd-config";
import { RecordedResource, installMocks, programLoadTimeoutMs, registered, runProgram, unwrapSecrets } from "../support/mocks";

const alarmEmail = "ops@example.com";
const resources: RecordedResource[] = installMocks({ target: "aws", alarmEmail });
let program: Record<string, unknown>;
const expectedAlarms = alarmSpecs({ webappTasks: Number(defaults.webappTasks), loadBalancer: "", canary: { sinks: canarySinks } }).length;

/** How long the alarms and the dashboard may take to register after the program, on a loaded 2-core machine. */
const registrationTimeoutMs = 60_000;

/** What of the alarms and the dashboard has not registered yet; empty once all have. */
function notYetRegistered(): string[] {
    const alarms = ofType("aws:cloudwatch/metricAlarm:MetricAlarm").length;
    return [
        ...(alarms < expectedAlarms ? [`${expectedAlarms - alarms} of ${expectedAlarms} alarms`] : []),
        ...(ofType("aws:cloudwatch/dashboard:Dashboard").length === 0 ? ["the dashboard"] : []),
    ];
}

beforeAll(async () => {
    program = await runProgram();
    await taskDefinitionsRegistered(resources);
    // Alarms and the dashboard register once the load balancer and the region resolve.
    const deadline = Date.now() + registrationTimeoutMs;
    while (notYetRegistered().length > 0) {
        if (Date.now() > deadline) throw new Error(`not registered within ${registrationTimeoutMs / 1000} s: ${notYetRegistered().join(", ")}`);
        await sleep(100);
    }
}, programLoadTimeoutMs + registrationTimeoutMs);

const { ofType, one } = registered(resources);
interface ContainerDefinition {
    name: string;
    image: string;
    essential: boolean;
    environment: { name: string; value: string }[];
    secrets: { name: string; valueFrom: string }[];
    healthCheck: { command: string[] };
}
const containersOf = (task: string): ContainerDefinition[] =>
    JSON.parse(unwrapSecrets(one("aws:ecs/taskDefinition:TaskDefinition", task).inputs.containerDefinitions) as string);
const envOf = (c: ContainerDefinition) => Object.fromEntries(c.environment.map((e) => [e.name, e.value]));

describe("the metrics collector sidecar", () => {
    it.each([
        ["dle-webapp", "agent"],
        ["dle-log-forwarder-pri", "primary"],
        ["dle-log-forwarder-sec", "secondary"],
    ])("runs in %s, scraping its %s fluentd over the task's loopback", (task, role) => {
        const collector = containersOf(task).find((c) => c.name === collectorContainerName)!;
        expect(collector.image).toBe(defaults.cloudwatchAgentImage);
        // The task goes on without it.
        expect(collector.essential).toBe(false);
        expect(collector.secrets).toEqual([]);
        expect(collector.healthCheck.command[0]).toBe("CMD");
        const scrape = JSON.parse(envOf(collector).PROMETHEUS_CONFIG_CONTENT);
        expect(scrape.scrape_configs).toEqual([{
            job_name: "fluentd",
            static_configs: [{ targets: [`127.0.0.1:${fluentdContainer.metricsPort}`], labels: { role } }],
        }]);
        const agent = JSON.parse(envOf(collector).CW_CONFIG_CONTENT).logs.metrics_collected.prometheus;
        expect(agent.log_group_name).toBe(`/dle/test/${task}-metrics`);
        expect(agent.prometheus_config_path).toBe("env:PROMETHEUS_CONFIG_CONTENT");
        expect(agent.emf_processor.metric_namespace).toBe(cloudwatchNamespace);
        // The fluentd beside it stays essential.
        expect(containersOf(task).filter((c) => c.name !== collectorContainerName).every((c) => c.essential)).toBe(true);
    });

    it.each([["dle-webapp"], ["dle-log-forwarder-pri"], ["dle-log-forwarder-sec"]])("may write its log group from %s's task role, and nothing else for it", (task) => {
        const policy = JSON.parse(unwrapSecrets(one("aws:iam/rolePolicy:RolePolicy", `${task}-metrics`).inputs.policy) as string);
        const group = `arn:aws:logs:us-east-1:111111111111:log-group:/dle/test/${task}-metrics`;
        expect(policy.Statement).toEqual([{
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [group, `${group}:log-stream:*`],
        }]);
        expect(one("aws:cloudwatch/logGroup:LogGroup", `${task}-metrics`).inputs.retentionInDays).toBe(Number(defaults.logRetentionDays));
        expect(one("aws:ecs/taskDefinition:TaskDefinition", task).inputs.taskRoleArn).toBeDefined();
    });

    it("opens no port for the metrics: no security group rule names it", () => {
        const rules = [...ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"), ...ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")];
        expect(rules.length).toBeGreaterThan(0);
        expect(rules.filter((r) => r.inputs.fromPort === fluentdContainer.metricsPort || r.inputs.toPort === fluentdContainer.metricsPort)).toEqual([]);
    });
});

describe("the alarms", () => {
    const alarms = () => ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    const topic = () => one("aws:sns/topic:Topic", "dle-monitoring-alarms");

    it("cover every alert of alerts.rules.json, each notifying the SNS topic when it fires and when it clears", () => {
        expect(alarms()).toHaveLength(expectedAlarms);
        const alerts = new Set(alarms().map((a) => a.name.replace(/^dle-monitoring-/, "").replace(/-(agent|primary|secondary|store|search|archive)$/, "")));
        expect([...alerts].sort()).toEqual(alertRules().map((r) => r.alert).sort());
        const topicArn = `arn:aws:sns:us-east-1:111111111111:dle-monitoring-alarms`;
        expect(topic().name).toBe("dle-monitoring-alarms");
        for (const alarm of alarms()) {
            expect(alarm.inputs.alarmActions).toEqual([topicArn]);
            expect(alarm.inputs.okActions).toEqual([topicArn]);
            expect(String(alarm.inputs.alarmDescription)).toMatch(/alerts\.rules\.json/);
        }
    });

    it("tell a fluentd down per role, by the samples of its main output missing", () => {
        const down = one("aws:cloudwatch/metricAlarm:MetricAlarm", "dle-monitoring-FluentdDown-agent").inputs;
        expect(down.treatMissingData).toBe("breaching");
        expect(down.threshold).toBe(Number(defaults.webappTasks));
        const queries = down.metricQueries as { id: string; metric?: { namespace: string; dimensions: Record<string, string>; stat: string } }[];
        expect(queries.find((q) => q.id === "m")?.metric).toMatchObject({ namespace: cloudwatchNamespace, dimensions: { role: "agent", plugin_id: "forward_to_forwarders" }, stat: "SampleCount" });
    });

    it("compare the webapp's requests at its load balancer with the records the forwarders receive", () => {
        const noRecords = one("aws:cloudwatch/metricAlarm:MetricAlarm", "dle-monitoring-DleNoRecordsReceived").inputs;
        const queries = noRecords.metricQueries as { id: string; metric?: { namespace: string; metricName: string; dimensions: Record<string, string> } }[];
        expect(queries.find((q) => q.id === "requests")?.metric).toMatchObject({ namespace: "AWS/ApplicationELB", metricName: "RequestCount", dimensions: { LoadBalancer: "app/dle-webapp/123" } });
        expect(queries.filter((q) => q.metric?.metricName === "dle_records_total").map((q) => q.metric!.dimensions.role).sort()).toEqual(["primary", "secondary"]);
    });

    it("name outputs by @ids the fluentd configs have", () => {
        // forwarder.conf with each sink's output (fluentd/sinks/), which it includes.
        const withSinks = (file: string) => file === "forwarder.conf"
            ? [file, ...fs.readdirSync(path.join(fluentdDir, "sinks")).map((f) => path.join("sinks", f))]
            : [file];
        const ids = (file: string) => withSinks(file).flatMap((f) => [...fs.readFileSync(path.join(fluentdDir, f), "utf8").matchAll(/@id (\S+)/g)].map((m) => m[1]));
        const configOf = { agent: "agent.conf", primary: "forwarder.conf", secondary: "forwarder.conf" } as const;
        for (const role of ["agent", "primary", "secondary"] as const) {
            expect(ids(configOf[role])).toEqual(expect.arrayContaining([mainOutputs[role], errorPathOutputs[role]]));
        }
    });

    it("watch the canary's own figures per sink: missing, p99 latency, and the newest event's age (breaching without figures)", () => {
        const alarm = (name: string) => one("aws:cloudwatch/metricAlarm:MetricAlarm", `dle-monitoring-${name}`).inputs;
        const metricOf = (name: string) => (alarm(name).metricQueries as { id: string; metric?: Record<string, unknown> }[]).find((q) => q.id === "m")!.metric;
        for (const sink of canarySinks) {
            expect(metricOf(`DleCanaryEventsMissing-${sink}`)).toMatchObject({ namespace: "dle/canary", metricName: "Missing", dimensions: { Sink: sink }, stat: "Sum" });
            expect(metricOf(`DleCanaryLatencyHigh-${sink}`)).toMatchObject({ metricName: "LatencySeconds", stat: "p99" });
            expect(alarm(`DleCanaryNoEvents-${sink}`)).toMatchObject({ threshold: 300, treatMissingData: "breaching" });
        }
        expect(metricOf("DleCanaryDown")).toMatchObject({ metricName: "Sent", dimensions: {}, stat: "SampleCount" });
    });

    it("reach the e-mail address of dle:alarmEmail", () => {
        const subscription = one("aws:sns/topicSubscription:TopicSubscription", "dle-monitoring-alarm-email").inputs;
        expect(subscription).toMatchObject({ protocol: "email", endpoint: alarmEmail });
    });
});

describe("the CloudWatch dashboard", () => {
    it("has the Grafana dashboard's panels, in the stack's region", () => {
        const body = JSON.parse(one("aws:cloudwatch/dashboard:Dashboard", "dle-monitoring-pipeline").inputs.dashboardBody as string);
        expect(body.widgets.map((w: { properties: { title: string } }) => w.properties.title)).toEqual(dashboardPanels().map((p) => p.title));
        for (const widget of body.widgets) {
            expect(widget.properties.region).toBe("us-east-1");
            expect(widget.properties.metrics.length).toBeGreaterThan(0);
        }
    });

    it("is an output, with the namespace, region and alarm topic; the local logins are not", () => {
        expect(program.monitoringKind).toBe("cloudwatch");
        expect(program.prometheusUrl).toBeUndefined();
        expect(program.grafanaPassword).toBeUndefined();
    });
});
