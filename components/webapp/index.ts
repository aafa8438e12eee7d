import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";
import { AgentEndpoint } from "../endpoints";
import { LocalPlatform } from "../platform/local";
import { createLocalWebapp } from "./local";

/** The nginx config and static site, shared by both targets. */
export const webappFiles = {
    nginxConf: path.join(__dirname, "nginx.conf"),
    siteDir: path.join(__dirname, "site"),
};

export interface WebappArgs {
    config: StackConfig;
    platform: LocalPlatform;
    /** Where its container's log driver sends the logs. */
    agent: AgentEndpoint;
}

/** The webapp: nginx serving a static page; every request and error line goes to the log agent. */
export class Webapp extends pulumi.ComponentResource {
    /** The page's URL for a browser or curl. */
    public readonly url: pulumi.Output<string>;
    /** The webapp's container name. */
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: WebappArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:webapp:Webapp", name, {}, opts);
        const outputs = createLocalWebapp(name, this, args);
        this.url = outputs.url;
        this.containerName = outputs.containerName;
        this.registerOutputs({ ...outputs });
    }
}
