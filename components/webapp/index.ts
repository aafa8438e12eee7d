import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";
import { AgentEndpoint } from "../endpoints";
import { Platform } from "../platform";
import { createAwsWebapp } from "./aws";
import { createLocalWebapp } from "./local";

/** The nginx config and static site, shared by both targets (on AWS baked into an image by ./Dockerfile). */
export const webappFiles = {
    nginxConf: path.join(__dirname, "nginx.conf"),
    siteDir: path.join(__dirname, "site"),
};

/** What a target's implementation returns. */
interface WebappOutputs {
    url: pulumi.Output<string>;
    containerName: pulumi.Output<string>;
    port: number;
    loadBalancerArnSuffix?: pulumi.Output<string>;
}

export interface WebappArgs {
    config: StackConfig;
    /** The target's shared resources; its `kind` selects the implementation. */
    platform: Platform;
    /** Where its container's log driver sends the logs. */
    agent: AgentEndpoint;
}

/**
 * The webapp: nginx serving a static page; every request and error line goes to the log agent. A container
 * on Docker locally; on AWS a Fargate service behind an internet-facing load balancer.
 */
export class Webapp extends pulumi.ComponentResource {
    /** The page's URL for a browser or curl. */
    public readonly url: pulumi.Output<string>;
    /** The webapp's container name (locally) or ECS service name (AWS). */
    public readonly containerName: pulumi.Output<string>;
    /** nginx's port inside its container (what the blackbox exporter probes, locally). */
    public readonly port: number;
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
        this.registerOutputs({ ...outputs });
    }
}
