import * as pulumi from "@pulumi/pulumi";
import { MonitoringArgs, MonitoringOutputs } from "./args";
import { createAwsMonitoring } from "./aws";
import { createLocalMonitoring } from "./local";

export * from "./args";

/**
 * Watching the pipeline: every fluentd's Prometheus metrics (fluentd/metrics.conf) collected, alert rules on them and
 * a pipeline dashboard. Locally Prometheus (scraping each fluentd, the blackbox probe of the webapp and itself, with the
 * rules of alerts.rules.json) and Grafana (with the dashboard of pipeline-dashboard.json), both on 127.0.0.1 only.
 * On AWS the CloudWatch agent sidecars (./aws-collector.ts, in the forwarder and webapp tasks) publish the same
 * metrics to CloudWatch, where alarms on the same conditions notify an SNS topic and a dashboard has the same panels.
 */
export class Monitoring extends pulumi.ComponentResource {
    /** URLs, logins (passwords secret) locally; the namespace, dashboard and alarm topic on AWS. */
    public readonly outputs: MonitoringOutputs;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:monitoring:Monitoring", name, {}, opts);
        const { platform } = args;
        this.outputs = platform.kind === "local"
            ? createLocalMonitoring(name, this, { ...args, platform })
            : createAwsMonitoring(name, this, { ...args, platform });
        this.registerOutputs({ outputs: this.outputs });
    }
}
