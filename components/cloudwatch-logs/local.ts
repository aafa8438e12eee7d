import { CloudWatchLogsEndpoint } from "../endpoints";

/**
 * The local stack has no CloudWatch Logs: components/config.ts already refuses `cloudwatch` in dle:sinks there; this
 * says so again should a program build the part by hand.
 */
export function refuseLocalCloudWatchLogs(name: string): CloudWatchLogsEndpoint {
    throw new Error(`The cloudwatch sink \`${name}\` is AWS only: remove \`cloudwatch\` from dle:sinks on the local stack, or deploy it with dle:target aws.`);
}
