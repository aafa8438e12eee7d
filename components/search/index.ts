import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";
import { SearchEndpoint } from "../endpoints";
import { LocalPlatform } from "../platform/local";
import { createLocalSearch } from "./local";

export interface SearchArgs {
    config: StackConfig;
    platform: LocalPlatform;
}

/**
 * The search sink: every log event indexed in a daily `<searchIndexPrefix>-YYYY.MM.DD` index (UTC).
 * A single-node Elasticsearch with authentication locally.
 */
export class Search extends pulumi.ComponentResource {
    /** How the forwarders and users reach the search sink; the password is secret. */
    public readonly endpoint: SearchEndpoint;

    constructor(name: string, args: SearchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:search:Search", name, {}, opts);
        this.endpoint = createLocalSearch(name, this, args);
        this.registerOutputs({ endpoint: this.endpoint });
    }
}
