import * as pulumi from "@pulumi/pulumi";
import { AgentEndpoint } from "../endpoints";
import { LogAgentArgs } from "./args";
import { createAwsLogAgent } from "./aws";
import { createLocalLogAgent } from "./local";

export * from "./args";

/**
 * The log agent: fluentd running fluentd/agent.conf. It accepts the webapp's logs and forwards them with
 * acknowledgement to the forwarder pair, buffering on disk while neither forwarder answers. A container of its
 * own locally; on AWS a FireLens log-router sidecar that the webapp runs in each of its tasks.
 */
export class LogAgent extends pulumi.ComponentResource {
    /** Where the webapp's log driver reaches the agent (on the Docker host locally; with the sidecar on AWS). */
    public readonly endpoint: AgentEndpoint;
    /** The agent's container name (the log router's, in each webapp task, on AWS). */
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: LogAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:log-agent:LogAgent", name, {}, opts);
        const { platform } = args;
        const outputs = platform.kind === "local"
            ? createLocalLogAgent(name, this, { ...args, platform })
            : createAwsLogAgent(name, this, { ...args, platform });
        this.endpoint = outputs.endpoint;
        this.containerName = outputs.containerName;
        this.registerOutputs({ ...outputs });
    }
}
