/**
 * What the cloudwatch-logs part's component (index.ts) and its targets (aws.ts, local.ts) share: its Args and the
 * log groups' names. Both import this module; index.ts imports them, never the reverse.
 */
import { StackConfig } from "../config";
import { Platform } from "../platform";

export interface CloudWatchLogsArgs {
    config: StackConfig;
    /** The target's shared resources; its `kind` selects the implementation. */
    platform: Platform;
}

/**
 * The applications and log types the agent gives events (fluentd/agent-log-types.conf's dle_log_type filters and the
 * api's records), each with a log group of its own. Events of any other application or log type, or of none, go to
 * the `other` group: fluentd/plugins/out_dle_cloudwatch_logs.rb picks the group from this same list
 * (CLOUDWATCH_LOG_GROUPS), so that no event ever waits for a group the stack did not create.
 */
export const cloudwatchLogTypes: readonly { app: string; logType: string }[] = [
    { app: "webapp", logType: "nginx_access" },
    { app: "webapp", logType: "nginx_error" },
    { app: "api", logType: "app" },
    { app: "canary", logType: "app" },
];

/** The group for events of no listed application and log type. */
export const otherLogGroup = "other";

/** The groups' prefix, `/dle/<stack>/logs/`: apart from the containers' own log groups, `/dle/<stack>/<container>`. */
export const logGroupPrefix = (stack: string): string => `/dle/${stack}/logs/`;

/** The suffixes of every group under the prefix: `<app>/<log type>`, then `other`. */
export function logGroupSuffixes(): string[] {
    return [...cloudwatchLogTypes.map((t) => `${t.app}/${t.logType}`), otherLogGroup];
}
