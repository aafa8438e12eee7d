import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { CloudWatchLogsEndpoint } from "../endpoints";
import { On } from "../platform";
import { AwsPlatform } from "../platform/aws";
import { CloudWatchLogsArgs, logGroupPrefix, logGroupSuffixes } from "./args";

/**
 * A log group per application and log type, and one for the rest, each with dle:cloudwatchRetentionDays of retention
 * (a value PutRetentionPolicy accepts: the config checks it). The stack creates them, so that the forwarders' task role
 * needs no logs:CreateLogGroup: the forwarder pair grants it only the calls the output makes, on these groups.
 * Encrypted by CloudWatch Logs itself (no KMS key: FSBP has no control that asks one of a log group).
 */
export function createAwsCloudWatchLogs(name: string, parent: pulumi.Resource, args: On<CloudWatchLogsArgs, AwsPlatform>): CloudWatchLogsEndpoint {
    const { config, platform } = args;
    const prefix = logGroupPrefix(pulumi.getStack());
    const groups = logGroupSuffixes().map((suffix) => {
        const group = new aws.cloudwatch.LogGroup(`${name}-${suffix.replace(/[/_]/g, "-")}`, {
            name: `${prefix}${suffix}`,
            retentionInDays: config.aws.cloudwatchRetentionDays,
        }, { parent });
        return { name: group.name, arn: group.arn };
    });
    return { region: platform.region, groupPrefix: prefix, groups };
}
