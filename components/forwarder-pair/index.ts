import * as pulumi from "@pulumi/pulumi";
import { ForwarderEndpoints } from "../endpoints";
import { ForwarderPairArgs } from "./args";
import { createAwsForwarderPair } from "./aws";
import { createLocalForwarderPair } from "./local";

export * from "./args";

/**
 * The forwarder pair: two fluentd processes running fluentd/forwarder.conf, each copying every event it
 * receives to the store, the search sink and the archive. The agent sends to the primary and fails over
 * to the secondary (active standby) while the primary does not answer. Docker containers locally; on AWS two
 * one-task Fargate services with private DNS names. The agent reaches them over mutual TLS (each forwarder has a
 * certificate for its name, the agent a client certificate, all from the stack's CA) and both sides prove they
 * know the shared key.
 */
export class ForwarderPair extends pulumi.ComponentResource {
    /** Where the agent reaches the primary and the secondary. */
    public readonly endpoints: ForwarderEndpoints;
    /** The primary's container name (locally) or ECS service name (AWS). */
    public readonly primaryName: pulumi.Output<string>;
    /** The secondary's container name (locally) or ECS service name (AWS). */
    public readonly secondaryName: pulumi.Output<string>;

    constructor(name: string, args: ForwarderPairArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:forwarder-pair:ForwarderPair", name, {}, opts);
        const { platform } = args;
        const outputs = platform.kind === "local"
            ? createLocalForwarderPair(name, this, { ...args, platform })
            : createAwsForwarderPair(name, this, { ...args, platform });
        this.endpoints = outputs.endpoints;
        this.primaryName = outputs.primaryName;
        this.secondaryName = outputs.secondaryName;
        this.registerOutputs({ ...outputs });
    }
}
