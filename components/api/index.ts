import * as pulumi from "@pulumi/pulumi";
import { ApiEndpoint } from "../endpoints";
import { ApiArgs } from "./args";
import { createAwsApi } from "./aws";
import { createLocalApi } from "./local";

export * from "./args";

/**
 * The api: a small TypeScript HTTP service (service/server.ts) that the webapp's nginx proxies /api/ to, and that logs
 * JSON records straight to the log agent with @fluent-org/logger, each with the request id nginx passes. A container on
 * the stack's network locally; on AWS a container in each webapp task, beside nginx and the agent.
 */
export class Api extends pulumi.ComponentResource {
    /** Where nginx reaches the api (and, on AWS, the container the webapp's task runs). */
    public readonly endpoint: ApiEndpoint;
    /** The api's container name (locally) or its container's name in the webapp task (AWS). */
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: ApiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:api:Api", name, {}, opts);
        const { platform } = args;
        const outputs = platform.kind === "local"
            ? createLocalApi(name, this, { ...args, platform })
            : createAwsApi(name, this, { ...args, platform });
        this.endpoint = outputs.endpoint;
        this.containerName = outputs.containerName;
        this.registerOutputs({ ...outputs });
    }
}
