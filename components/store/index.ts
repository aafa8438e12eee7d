import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";
import { StoreEndpoint } from "../endpoints";
import { LocalPlatform } from "../platform/local";
import { createLocalStore } from "./local";

export interface StoreArgs {
    config: StackConfig;
    platform: LocalPlatform;
}

/**
 * The store: every log event as a MongoDB document (`<database>.<collection>`, the seed's applogs.docker),
 * kept for `storeRetentionDays` by a TTL index. MongoDB with authentication locally.
 */
export class Store extends pulumi.ComponentResource {
    /** How the forwarders and users reach the store; the connection strings are secret. */
    public readonly endpoint: StoreEndpoint;

    constructor(name: string, args: StoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:store:Store", name, {}, opts);
        this.endpoint = createLocalStore(name, this, args);
        this.registerOutputs({ endpoint: this.endpoint });
    }
}
