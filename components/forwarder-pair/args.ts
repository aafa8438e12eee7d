/**
 * What the forwarder-pair part's component (index.ts) and its targets (aws.ts, local.ts) share: its Args, what a
 * target returns, and the helpers both targets use. Both import this module; index.ts imports them, never the reverse.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";
import { ArchiveEndpoint, CloudWatchLogsEndpoint, ForwarderEndpoints, SearchEndpoint, SqlEndpoint, StoreEndpoint } from "../endpoints";
import { ForwardSecurity } from "../forward-security";
import { Platform } from "../platform";

export interface ForwarderPairArgs {
    config: StackConfig;
    /** The target's shared resources; its `kind` selects the implementation. */
    platform: Platform;
    store: StoreEndpoint;
    search: SearchEndpoint;
    archive: ArchiveEndpoint;
    /** With `sql` in dle:sinks. */
    sql?: SqlEndpoint;
    /** With `cloudwatch` in dle:sinks (aws only). */
    cloudwatch?: CloudWatchLogsEndpoint;
    /**
     * The stack's CA and shared key: each forwarder gets a certificate for the name the agent reaches it by, and
     * the agent a client certificate, which the forwarders require.
     */
    security: ForwardSecurity;
}

/** What a target's implementation of the pair returns. */
export interface ForwarderPairOutputs {
    endpoints: ForwarderEndpoints;
    /** Container (locally) or service (AWS) names, for the failover drill. */
    primaryName: pulumi.Output<string>;
    secondaryName: pulumi.Output<string>;
}
