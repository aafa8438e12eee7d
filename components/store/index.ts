import * as pulumi from "@pulumi/pulumi";
import { StoreEndpoint } from "../endpoints";
import { StoreArgs } from "./args";
import { createAwsStore } from "./aws";
import { createLocalStore } from "./local";

export * from "./args";

/**
 * The store: every log event as a MongoDB document (`<database>.<collection>`, the seed's applogs.docker),
 * kept for `storeRetentionDays` by a TTL index. MongoDB with authentication locally; on AWS a DocumentDB
 * cluster (TLS, encrypted storage) whose connection string the forwarders get from Secrets Manager.
 */
export class Store extends pulumi.ComponentResource {
    /** How the forwarders and users reach the store; the connection strings are secret. */
    public readonly endpoint: StoreEndpoint;

    constructor(name: string, args: StoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:store:Store", name, {}, opts);
        const { platform } = args;
        this.endpoint = platform.kind === "local"
            ? createLocalStore(name, this, { ...args, platform })
            : createAwsStore(name, this, { ...args, platform });
        this.registerOutputs({ endpoint: this.endpoint });
    }
}
