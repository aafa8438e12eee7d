/**
 * What the webapp part's component (index.ts) and its targets (aws.ts, local.ts) share: its Args, what a
 * target returns, and the helpers both targets use. Both import this module; index.ts imports them, never the reverse.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig, Target } from "../config";
import { AgentEndpoint, ApiEndpoint } from "../endpoints";
import { Platform } from "../platform";

/** The nginx config and static site, shared by both targets (on AWS baked into an image by ./Dockerfile). */
export const webappFiles = {
    nginxConf: path.join(__dirname, "nginx.conf"),
    siteDir: path.join(__dirname, "site"),
    /** What nginx.conf includes to find the api: the target's own file, installed beside nginx.conf as api-upstream.conf. */
    apiUpstream: (target: Target) => path.join(__dirname, "targets", target, "api-upstream.conf"),
};

/** The container log tag of nginx's lines: the agent makes it docker.webapp, which it parses as nginx's (fluentd/agent-log-types.conf). */
export const webappLogTag = "webapp";

/**
 * What the nginx image writes, on both stacks (their root filesystems are read-only): nginx.conf puts every temp path
 * in /tmp; the image's build-time defaults are under /var/cache/nginx, its pid file is /var/run/nginx.pid.
 * tests/docker/read-only-roots.test.ts runs nginx with only these (and the uploads' directory) writable.
 */
export const nginxWritablePaths: readonly string[] = ["/var/cache/nginx", "/var/run", "/tmp"];
/** What a target's implementation returns. */
export interface WebappOutputs {
    url: pulumi.Output<string>;
    /** On AWS: how the load balancer serves the page, HTTPS or plain HTTP and why, in words (the output webappTransport). */
    transport?: string;
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
