import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig, Target } from "../config";
import { AgentEndpoint, ApiEndpoint } from "../endpoints";
import { Platform } from "../platform";
import { createAwsWebapp } from "./aws";
import { createLocalWebapp } from "./local";

/** The nginx config and static site, shared by both targets (on AWS baked into an image by ./Dockerfile). */
export const webappFiles = {
    nginxConf: path.join(__dirname, "nginx.conf"),
    siteDir: path.join(__dirname, "site"),
    /** What nginx.conf includes to find the api: the target's own file, installed beside nginx.conf as api-upstream.conf. */
    apiUpstream: (target: Target) => path.join(__dirname, "targets", target, "api-upstream.conf"),
};

/** The container log tag of nginx's lines: the agent makes it docker.webapp, which it parses as nginx's (fluentd/agent-log-types.conf). */
export const webappLogTag = "webapp";
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
    /** Where nginx proxies /api/ to. */
    api: ApiEndpoint;
}

/**
 * The target's api-upstream.conf, once checked against where the api is: the file is the one place nginx learns it,
 * so a file that names another address stops the deploy instead of answering 502 to every /api/ request.
 */
export function apiUpstreamConf(target: Target, api: ApiEndpoint): pulumi.Output<string> {
    const file = webappFiles.apiUpstream(target);
    const content = fs.readFileSync(file, "utf8");
    return pulumi.all([api.host, api.port]).apply(([host, port]) => {
        if (!content.includes(`"${host}:${port}"`)) throw new Error(`${file} must proxy to the api at ${host}:${port}.`);
        return content;
    });
}

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
