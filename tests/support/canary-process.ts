/**
 * The canary service (components/canary/service/server.ts) as a process on loopback, as its container runs it: Node.js
 * with its TypeScript type stripping, the settings of service/settings.ts. Its stdout lines (the canary events) are
 * handed to `onLine` as they come, for the test to pass on the way Docker's log driver would; its metrics are read
 * from its metrics port.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { canaryServer } from "../../components/canary";
import { canaryNodeFlags } from "../../components/canary/args";
import { typeStrippingFlags } from "./api-process";
import { canaryVariables as v } from "../../components/canary/service/settings";
import { freePort } from "./fluentd-process";
import type { StackOutputs } from "../verify/outputs";
import { stopChild } from "./stop-child";

/** The metrics the canary serves, by series (`name{label="value"}` as Prometheus prints it) → value. */
export type CanaryMetrics = Map<string, number>;

export interface CanaryProcess {
    /** Its metrics port on 127.0.0.1. */
    port: number;
    /** Its process id (for the benchmark's meter). */
    pid(): number;
    metrics(): Promise<CanaryMetrics>;
    /** Its stderr so far (its own JSON messages). */
    stderr(): string;
    stop(): Promise<void>;
}

/**
 * The canary's environment for the loopback sinks of `outputs`, with the outputs' credentials (the stand-ins have one
 * user each), written to files in `dir` as the local stack uploads them.
 */
export function canaryEnvFor(outputs: Omit<StackOutputs, "webappUrl" | "forwarderControl" | "forwarderPrimary" | "forwarderSecondary">, dir: string): Record<string, string> {
    fs.mkdirSync(dir, { recursive: true });
    const file = (name: string, content: string) => {
        const p = path.join(dir, name);
        fs.writeFileSync(p, content, { mode: 0o600 });
        return p;
    };
    return {
        [`${v.storeConnectionString}_FILE`]: file("store", outputs.storeConnectionString),
        [v.storeDatabase]: outputs.storeDatabase,
        [v.storeCollection]: outputs.storeCollection,
        [v.searchUrl]: outputs.searchUrl,
        [v.searchIndexPrefix]: outputs.searchIndexPrefix,
        [v.searchAuth]: "basic",
        [v.searchUsername]: outputs.searchUsername!,
        [`${v.searchPassword}_FILE`]: file("search", outputs.searchPassword!),
        [v.archiveEndpoint]: outputs.archiveEndpoint!,
        [v.archiveRegion]: outputs.archiveRegion,
        [v.archiveBucket]: outputs.archiveBucket,
        [v.archiveKeyPrefix]: outputs.archiveKeyPrefix,
        [`${v.archiveAccessKeyId}_FILE`]: file("archive-key-id", outputs.archiveAccessKeyId!),
        [`${v.archiveSecretAccessKey}_FILE`]: file("archive-secret", outputs.archiveSecretAccessKey!),
    };
}

/** Parses Prometheus's text format into series → value. */
export function parseMetrics(text: string): CanaryMetrics {
    const series = new Map<string, number>();
    for (const line of text.split("\n")) {
        if (line === "" || line.startsWith("#")) continue;
        const at = line.lastIndexOf(" ");
        series.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
    return series;
}

/** Runs the service to its exit (a bad setting) and returns what it printed. */
export function runCanaryToExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawnCanary(env);
        let stderr = "";
        child.stderr!.on("data", (d) => { stderr += d; });
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        child.on("exit", (code) => { clearTimeout(timer); resolve({ code, stderr }); });
    });
}

function spawnCanary(env: Record<string, string>): ChildProcess {
    return spawn(process.execPath, [...typeStrippingFlags(), ...canaryNodeFlags, path.basename(canaryServer)], {
        cwd: path.dirname(canaryServer),
        env: { PATH: process.env.PATH, ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
}

/** Starts the service with `env` (the metrics port chosen here) and waits until it answers its health check. */
export async function startCanary(env: Record<string, string>, onLine: (line: string) => void): Promise<CanaryProcess> {
    const port = await freePort();
    const child = spawnCanary({ ...env, [v.metricsPort]: String(port) });
    let stderr = "";
    let pending = "";
    child.stderr!.on("data", (d) => { stderr += d; });
    child.stdout!.on("data", (d) => {
        pending += d;
        const lines = pending.split("\n");
        pending = lines.pop()!;
        for (const line of lines) onLine(line);
    });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
        if (child.exitCode !== null) throw new Error(`the canary exited with ${child.exitCode}: ${stderr}`);
        if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
        if (i >= 200) {
            // Nobody gets the process to stop it: kill it before failing, or it outlives the test.
            child.kill("SIGKILL");
            throw new Error(`the canary did not answer on ${url} within 20 s: ${stderr}`);
        }
        await sleep(100);
    }
    return {
        port,
        pid: () => child.pid!,
        async metrics() {
            const response = await fetch(`${url}/metrics`);
            return parseMetrics(await response.text());
        },
        stderr: () => stderr,
        async stop() {
            await stopChild(child);
        },
    };
}
