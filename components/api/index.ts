import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";
import { AgentEndpoint, ApiEndpoint } from "../endpoints";
import { Platform } from "../platform";
import { createAwsApi } from "./aws";
import { createLocalApi } from "./local";

/** The api's image build context (its Dockerfile and service/), shared by both targets. */
export const apiDir = __dirname;
/** The service's source: run by the image, and by the tests. */
export const apiServer = path.join(__dirname, "service", "server.ts");
/** The port the api listens on inside its container (the webapp's nginx proxies /api/ to it). */
export const apiPort = 8080;
/** The tag of the api's records, before the agent's prefix: the agent names the application after it (app.api). */
export const apiLogTag = "api";

export interface ApiArgs {
    config: StackConfig;
    /** The target's shared resources; its `kind` selects the implementation. */
    platform: Platform;
    /** Where it logs: its records straight to the agent's application input, its stdout and stderr through the log driver. */
    agent: AgentEndpoint;
}

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

/** The api's environment (read by service/server.ts). */
export function apiEnv(agent: AgentEndpoint): Record<string, pulumi.Input<string>> {
    return {
        DLE_API_PORT: String(apiPort),
        DLE_AGENT_HOST: agent.appInput.host,
        DLE_AGENT_PORT: agent.appInput.port.apply(String),
        DLE_LOG_TAG: agent.appTagPrefix === undefined ? apiLogTag : `${agent.appTagPrefix}.${apiLogTag}`,
    };
}

/** The api's health check: it answers on its own port (the image is Alpine's, with BusyBox's wget). */
export const apiHealthcheck = ["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${apiPort}/api/health`];
