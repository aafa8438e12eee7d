/**
 * What the api part's component (index.ts) and its targets (aws.ts, local.ts) share: its Args, what a
 * target returns, and the helpers both targets use. Both import this module; index.ts imports them, never the reverse.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";
import { AgentEndpoint } from "../endpoints";
import { Platform } from "../platform";

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
/** What the api's container writes, on both stacks: nothing of its own; /tmp for Node.js and its dependencies (os.tmpdir()). */
export const apiWritablePaths: readonly string[] = ["/tmp"];

export const apiHealthcheck = ["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${apiPort}/api/health`];
