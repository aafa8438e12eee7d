import * as pulumi from "@pulumi/pulumi";
import { WebappArgs, WebappOutputs } from "./args";
import { createAwsWebapp } from "./aws";
import { createLocalWebapp } from "./local";

export * from "./args";

/**
 * The webapp: nginx serving a static page and proxying /api/ to the api; every request and error line goes to the log
 * agent. A container on Docker locally; on AWS a Fargate service behind an internet-facing load balancer, whose tasks
 * also run the agent and the api.
 */
export class Webapp extends pulumi.ComponentResource {
    /** The page's URL for a browser or curl. */
    public readonly url: pulumi.Output<string>;
    /** The webapp's container name (locally) or ECS service name (AWS). */
    public readonly containerName: pulumi.Output<string>;
    /** nginx's port inside its container (what the blackbox exporter probes, locally). */
    public readonly port: number;
    /** On AWS: how the load balancer serves the page (HTTPS, or plain HTTP and why). */
    public readonly transport?: string;
    /** The load balancer's ARN suffix, CloudWatch's LoadBalancer dimension (AWS only). */
    public readonly loadBalancerArnSuffix?: pulumi.Output<string>;

    constructor(name: string, args: WebappArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:webapp:Webapp", name, {}, opts);
        const { platform } = args;
        const outputs: WebappOutputs = platform.kind === "local"
            ? createLocalWebapp(name, this, { ...args, platform })
            : createAwsWebapp(name, this, { ...args, platform });
        this.url = outputs.url;
        this.containerName = outputs.containerName;
        this.port = outputs.port;
        this.loadBalancerArnSuffix = outputs.loadBalancerArnSuffix;
        this.transport = outputs.transport;
        this.registerOutputs({ ...outputs });
    }
}
