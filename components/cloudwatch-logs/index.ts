import * as pulumi from "@pulumi/pulumi";
import { CloudWatchLogsEndpoint } from "../endpoints";
import { CloudWatchLogsArgs } from "./args";
import { createAwsCloudWatchLogs } from "./aws";
import { refuseLocalCloudWatchLogs } from "./local";

export * from "./args";

/**
 * The cloudwatch sink, with `cloudwatch` in dle:sinks, on AWS only: every event in CloudWatch Logs, in the log group of
 * its application and log type (`/dle/<stack>/logs/<app>/<log type>`, `/dle/<stack>/logs/other` for the rest), one stream per
 * forwarder, for CloudWatch Logs Insights.
 */
export class CloudWatchLogs extends pulumi.ComponentResource {
    /** The region and the groups the forwarders write to. */
    public readonly endpoint: CloudWatchLogsEndpoint;

    constructor(name: string, args: CloudWatchLogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:cloudwatch-logs:CloudWatchLogs", name, {}, opts);
        const { platform } = args;
        if (!args.config.sinks.includes("cloudwatch")) {
            throw new Error(`The cloudwatch sink \`${name}\` is not in this stack's dle:sinks (${args.config.sinks.join(",")}): do not create it.`);
        }
        this.endpoint = platform.kind === "local"
            ? refuseLocalCloudWatchLogs(name)
            : createAwsCloudWatchLogs(name, this, { ...args, platform });
        this.registerOutputs({ endpoint: this.endpoint });
    }
}
