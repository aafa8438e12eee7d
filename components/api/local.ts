import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { ApiEndpoint } from "../endpoints";
import { dockerEnvs } from "../fluentd-env";
import { On } from "../platform";
import { localImagePlatform, projectRelative } from "../platform/build-context";
import { LocalPlatform } from "../platform/local";
import { fluentdLogDriver, localContainer } from "../platform/local-container";
import { ApiArgs, apiDir, apiEnv, apiHealthcheck, apiLogTag, apiPort, apiWritablePaths } from "./args";

/** The api's name on the stack's network. */
const apiAlias = "api";

/**
 * The api container on the stack's network, under the alias nginx proxies to. Its records go to the agent's application
 * input by the agent's network alias (a port only the stack's containers reach); its stdout and stderr go through
 * Docker's fluentd log driver like the webapp's. It publishes nothing: it is reached through nginx.
 */
export function createLocalApi(name: string, parent: pulumi.Resource, args: On<ApiArgs, LocalPlatform>): { endpoint: ApiEndpoint; containerName: pulumi.Output<string> } {
    const { config, agent } = args;
    const image = new docker.Image(`${name}-image`, {
        imageName: `${name}:local`,
        build: {
            context: projectRelative(apiDir),
            dockerfile: projectRelative(path.join(apiDir, "Dockerfile")),
            args: { NODE_IMAGE: config.images.node },
            platform: localImagePlatform(),
        },
        // The image stays on this Docker host: there is no registry to push to locally.
        skipPush: true,
    }, { parent });
    const api = localContainer(name, {
        platform: args.platform,
        // Its ID (sha256:…): the container is replaced whenever the image changes.
        image: image.repoDigest,
        // The name components/webapp/targets/local/api-upstream.conf proxies to.
        alias: apiAlias,
        envs: dockerEnvs(apiEnv(agent)),
        healthcheck: apiHealthcheck,
        writablePaths: apiWritablePaths,
        // Its stdout and stderr; its records go to the agent's application input (apiEnv).
        ...fluentdLogDriver(agent, apiLogTag),
    }, parent);
    return {
        endpoint: { host: api.host, port: pulumi.output(apiPort) },
        containerName: api.container.name,
    };
}
