import * as pulumi from "@pulumi/pulumi";
import { CanaryArgs, CanaryOutputs } from "./args";
import { createAwsCanary } from "./aws";
import { createLocalCanary } from "./local";

export { canaryDir, canaryServer, canarySinks } from "./args";
export type { CanaryArgs, CanaryOutputs } from "./args";

/**
 * The canary: a small service (service/server.ts) that logs a numbered event every `dle:canaryIntervalSeconds` through
 * the applications' path, and reads each back from the store, the search index and the archive with its own read-only
 * credentials, counting per sink what arrived, what is missing after `dle:canaryWaitSeconds`, what came late or twice,
 * and how long it took. Locally a container on the stack's network, logging through Docker's fluentd log driver, whose
 * metrics Prometheus scrapes; on AWS a Fargate service with its own FireLens log router (the agent), publishing its
 * figures to CloudWatch.
 */
export class Canary extends pulumi.ComponentResource {
    /** Its container (locally) or ECS service (AWS). */
    public readonly name: pulumi.Output<string>;
    /** Locally: where Prometheus scrapes its metrics (`host:port`). */
    public readonly metricsAddress?: pulumi.Output<string>;
    /** On AWS: the CloudWatch namespace of its figures. */
    public readonly cloudwatchNamespace?: string;
    /** On AWS: the value of the Stack dimension of its figures. */
    public readonly cloudwatchStack?: string;

    constructor(name: string, args: CanaryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:canary:Canary", name, {}, opts);
        const { platform } = args;
        if (!args.config.canary.enabled) {
            throw new Error(`The canary \`${name}\` is off in this stack's config (\`dle:canary\` false): do not create it.`);
        }
        const outputs: CanaryOutputs = platform.kind === "local"
            ? createLocalCanary(name, this, { ...args, platform })
            : createAwsCanary(name, this, { ...args, platform });
        this.name = outputs.name;
        this.metricsAddress = outputs.metricsAddress;
        this.cloudwatchNamespace = outputs.cloudwatchNamespace;
        this.cloudwatchStack = outputs.cloudwatchStack;
        this.registerOutputs({ ...outputs });
    }
}
