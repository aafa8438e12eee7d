import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";
import { AgentEndpoint, ForwarderEndpoints } from "../endpoints";
import { LocalPlatform } from "../platform/local";
import { createLocalLogAgent } from "./local";

export interface LogAgentArgs {
    config: StackConfig;
    platform: LocalPlatform;
    forwarders: ForwarderEndpoints;
}

/**
 * The log agent: fluentd running fluentd/agent.conf. It accepts the webapp's logs and forwards them with
 * acknowledgement to the forwarder pair, buffering on disk while neither forwarder answers.
 */
export class LogAgent extends pulumi.ComponentResource {
    /** Where the webapp's log driver reaches the agent (on the Docker host locally). */
    public readonly endpoint: AgentEndpoint;
    /** The agent's container name. */
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: LogAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:log-agent:LogAgent", name, {}, opts);
        const outputs = createLocalLogAgent(name, this, args);
        this.endpoint = outputs.endpoint;
        this.containerName = outputs.containerName;
        this.registerOutputs({ ...outputs });
    }
}
