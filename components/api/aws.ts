import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ApiEndpoint } from "../endpoints";
import { ecsEnvironment } from "../fluentd-env";
import { On } from "../platform";
import { AwsPlatform } from "../platform/aws";
import { ecrImage } from "../platform/aws-image";
import { ApiArgs, apiDir, apiEnv, apiHealthcheck, apiPort, apiWritablePaths } from "./args";

/** The api's container name in each webapp task. */
const apiContainerName = "api";

/**
 * The api as a container of each webapp task (Fargate has no network between tasks that nginx could reach it by; in a
 * task, containers share localhost). Its records go to FireLens's forward source in the same task; its stdout and
 * stderr go through the awsfirelens log driver to the same agent. The image is built from this folder and pushed to ECR.
 */
export function createAwsApi(name: string, parent: pulumi.Resource, args: On<ApiArgs, AwsPlatform>): { endpoint: ApiEndpoint; containerName: pulumi.Output<string> } {
    const { config, agent } = args;
    if (agent.sidecar === undefined) {
        throw new Error(`The aws api \`${name}\` logs to the agent's FireLens log-router container, which \`agent\` lacks.`);
    }
    const image = ecrImage(name, {
        context: apiDir,
        buildArgs: { NODE_IMAGE: config.images.node },
        // The component's code is in the same folder but not in the image (.dockerignore).
        include: (file) => !file.split(path.sep).includes("node_modules") && (!file.endsWith(".ts") || file.startsWith(`service${path.sep}`)),
    }, parent);
    return {
        endpoint: {
            host: pulumi.output("127.0.0.1"),
            port: pulumi.output(apiPort),
            sidecar: {
                name: apiContainerName,
                image: image.ref,
                environment: ecsEnvironment(apiEnv(agent)),
                healthcheck: apiHealthcheck,
                logConfiguration: {
                    logDriver: "awsfirelens",
                    // Never used: agent.conf matches every *-firelens-* tag first (see the webapp's nginx container).
                    options: { "@type": "null" },
                },
                // Its records and lines would have nowhere to go before the agent is up.
                dependsOnHealthy: [agent.sidecar.name],
                writablePaths: [...apiWritablePaths],
            },
            repositoryArn: image.repository.arn,
        },
        containerName: pulumi.output(apiContainerName),
    };
}
