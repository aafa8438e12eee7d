/**
 * The whole pipeline on loopback for end-to-end and fault tests: the project's agent and forwarder configs
 * in real fluentd processes, with the environment the local stack's components give their containers
 * except for addresses, ports and directories; the sinks are the stand-ins and s3rver.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FluentClient } from "@fluent-org/logger";
import { markerParameter } from "../verify/probes";
import { StackOutputs } from "../verify/outputs";
import { fluentdDir } from "./fluentd-config";
import { FluentdProcess, freePort, startFluentd } from "./fluentd-process";
import { RecordedResource, containerEnv } from "./mocks";
import { LoopbackSinks, LoopbackSinksOptions, startLoopbackSinks } from "./sinks";

export interface LoopbackPipeline {
    dir: string;
    sinks: LoopbackSinks;
    agent: FluentdProcess;
    primary: FluentdProcess;
    secondary: FluentdProcess;
    /** Where clients (like Docker's log driver) send events to the agent. */
    agentPort: number;
    /** The stack outputs the verification suite would read for this pipeline. */
    outputs: StackOutputs;
    /** Sends one event per marker, as Docker's log driver does (one event per forward message). */
    send(markers: string[]): Promise<void>;
    /** Prints every process's log tail: what a failed test needs to say why. */
    logs(): string;
    stop(): Promise<void>;
}

/** Replaces values the component gave; a key it did not give is a mistake in the test, not a new variable. */
function override(env: Record<string, string>, values: Record<string, string>): Record<string, string> {
    const unknown = Object.keys(values).filter((k) => !(k in env));
    if (unknown.length > 0) throw new Error(`the component sets no ${unknown.join(", ")}`);
    return { ...env, ...values };
}

/** An nginx access line with the marker in its request, as the webapp logs it. */
export function accessLine(marker: string): string {
    return `127.0.0.1 - - [${new Date().toUTCString()}] "GET /?${markerParameter}=${marker} HTTP/1.1" 200 43 "-" "dle-test"`;
}

/** A client that sends like Docker's fluentd log driver, tagged with the container's name. */
function logDriverClient(port: number): FluentClient {
    return new FluentClient(null, { eventMode: "Message", socket: { host: "127.0.0.1", port, timeout: 10_000 } });
}

/** `resources`: what the mocked local stack registered (its containers' environments are the base). */
export async function startLoopbackPipeline(fluentd: string, resources: RecordedResource[], sinkOptions: LoopbackSinksOptions = {}): Promise<LoopbackPipeline> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-pipeline-"));
    const sinks = await startLoopbackSinks(sinkOptions);
    const s = sinks.outputs;
    const search = new URL(s.searchUrl);
    const sinkValues = {
        STORE_CONNECTION_STRING: s.storeConnectionString,
        SEARCH_HOST: search.hostname,
        SEARCH_PORT: search.port,
        SEARCH_USER: s.searchUsername!,
        SEARCH_PASSWORD: s.searchPassword!,
        ARCHIVE_ENDPOINT: s.archiveEndpoint!,
        ARCHIVE_ACCESS_KEY_ID: s.archiveAccessKeyId!,
        ARCHIVE_SECRET_ACCESS_KEY: s.archiveSecretAccessKey!,
    };
    const local = async (name: string) => ({
        FLUENTD_BIND: "127.0.0.1",
        FLUENTD_MONITOR_PORT: String(await freePort()),
        FLUENTD_BUFFER_DIR: path.join(dir, name),
    });
    const [primaryPort, secondaryPort, agentPort] = [await freePort(), await freePort(), await freePort()];
    const forwarder = async (name: string, container: string, port: number) => startFluentd({
        fluentd, name, dir,
        config: path.join(fluentdDir, "forwarder.conf"),
        env: override(containerEnv(resources, container), { ...(await local(name)), ...sinkValues, FORWARDER_PORT: String(port) }),
    });
    // One after the other, as the stack starts them: each creates the archive bucket if it is missing.
    const primary = await forwarder("primary", "dle-log-forwarder-pri", primaryPort);
    const secondary = await forwarder("secondary", "dle-log-forwarder-sec", secondaryPort);
    const agent = await startFluentd({
        fluentd, name: "agent", dir,
        config: path.join(fluentdDir, "agent.conf"),
        env: override(containerEnv(resources, "dle-log-agent"), {
            ...(await local("agent")),
            AGENT_PORT: String(agentPort),
            FORWARDER_PRIMARY_HOST: "127.0.0.1",
            FORWARDER_PRIMARY_PORT: String(primaryPort),
            FORWARDER_SECONDARY_HOST: "127.0.0.1",
            FORWARDER_SECONDARY_PORT: String(secondaryPort),
        }),
    });
    const client = logDriverClient(agentPort);
    const processes = [agent, primary, secondary];
    return {
        dir, sinks, agent, primary, secondary, agentPort,
        outputs: { ...s, webappUrl: "(forward protocol)", forwarderControl: "docker", forwarderPrimary: "primary", forwarderSecondary: "secondary" },
        async send(markers) {
            for (const marker of markers) {
                await client.emit("dle-webapp", { container_id: "test", container_name: "/dle-webapp", source: "stdout", log: accessLine(marker) });
            }
        },
        logs: () => processes.map((p) => `--- ${p.name} (${p.logFile}) ---\n${p.tail()}`).join("\n"),
        async stop() {
            await client.disconnect();
            await Promise.all(processes.map((p) => p.stop()));
            await sinks.stop();
        },
    };
}
