import * as pulumi from "@pulumi/pulumi";
import { SearchEndpoint } from "../endpoints";
import { SearchArgs } from "./args";
import { createAwsSearch } from "./aws";
import { createLocalSearch } from "./local";

export * from "./args";

/**
 * The search sink: every log event indexed in a daily `<searchIndexPrefix>-YYYY.MM.DD` index (UTC).
 * A single-node Elasticsearch with authentication locally; on AWS an Amazon OpenSearch Service domain that
 * the forwarders write to with SigV4-signed requests as their task role.
 */
export class Search extends pulumi.ComponentResource {
    /** How the forwarders and users reach the search sink; the password (locally) is secret. */
    public readonly endpoint: SearchEndpoint;

    constructor(name: string, args: SearchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:search:Search", name, {}, opts);
        const { platform } = args;
        this.endpoint = platform.kind === "local"
            ? createLocalSearch(name, this, { ...args, platform })
            : createAwsSearch(name, this, { ...args, platform });
        this.registerOutputs({ endpoint: this.endpoint });
    }
}
