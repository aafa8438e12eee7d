import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { fluentdLogDriver, localContainer, publishedHost } from "../platform/local-container";
import { WebappArgs, apiUpstreamConf, nginxWritablePaths, webappFiles, webappLogTag } from "./args";
import { LocalPlatform } from "../platform/local";
import { On } from "../platform";

const httpPort = 80;
// nginx's prefix in the official image; nginx.conf's relative paths resolve against it.
const nginxPrefix = "/etc/nginx";

/** The nginx container, logging through Docker's fluentd log driver to the agent, and proxying /api/ to the api container. */
export function createLocalWebapp(name: string, parent: pulumi.Resource, args: On<WebappArgs, LocalPlatform>): { url: pulumi.Output<string>; containerName: pulumi.Output<string>; port: number } {
    const site = fs.readdirSync(webappFiles.siteDir).map((file) => ({
        file: path.posix.join(nginxPrefix, "html", file),
        content: fs.readFileSync(path.join(webappFiles.siteDir, file), "utf8"),
    }));
    const webapp = localContainer(name, {
        platform: args.platform,
        image: args.config.images.nginx,
        alias: "webapp",
        uploads: [
            { file: path.posix.join(nginxPrefix, "nginx.conf"), content: fs.readFileSync(webappFiles.nginxConf, "utf8") },
            // Where /api/ goes: the api container by its alias (resolved by Docker's DNS when a request needs it).
            { file: path.posix.join(nginxPrefix, "api-upstream.conf"), content: apiUpstreamConf("local", args.api) },
            ...site,
        ],
        // nginx's prefix takes the uploads (a read-only root refuses them): a volume of the container's own, filled
        // from the image's /etc/nginx when it is made, then the uploads over it. The aws image has them baked in.
        writablePaths: [...nginxWritablePaths, nginxPrefix],
        healthcheck: ["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${httpPort}/`],
        publish: [{ internal: httpPort, external: args.config.ports.webapp }],
        ...fluentdLogDriver(args.agent, webappLogTag),
    }, parent);
    return {
        url: pulumi.output(`http://${publishedHost}:${args.config.ports.webapp}`),
        containerName: webapp.container.name,
        port: httpPort,
    };
}
