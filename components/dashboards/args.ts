/**
 * What the dashboards part's component (index.ts) and its targets (aws.ts, local.ts) share: its Args, what a
 * target returns, and the helpers both targets use. Both import this module; index.ts imports them, never the reverse.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";
import { SearchEndpoint } from "../endpoints";
import { Platform } from "../platform";
import { DashboardsProduct } from "./saved-objects-import";

export interface DashboardsArgs {
    config: StackConfig;
    /** The target's shared resources; its `kind` selects the implementation. */
    platform: Platform;
    /** The search sink whose log indices the dashboards show. */
    search: SearchEndpoint;
}

/** What the part gives users. */
export interface DashboardsOutputs {
    product: DashboardsProduct;
    /** Where people open the dashboards. */
    url: pulumi.Output<string>;
    /** Locally, the login (its password secret); on AWS there is none: access is by IAM, with signed requests. */
    login?: { username: pulumi.Output<string>; password: pulumi.Output<string> };
}
