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

    constructor(name: string, args: WebappArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:webapp:Webapp", name, {}, opts);
        const { platform } = args;
        const outputs = platform.kind === "local"
            ? createLocalWebapp(name, this, { ...args, platform })
            : createAwsWebapp(name, this, { ...args, platform });
        this.url = outputs.url;
        this.containerName = outputs.containerName;
        this.registerOutputs({ ...outputs });
    }
}
