/**
 * The api service (components/api/service/server.ts) as a process on loopback, as its container runs it: Node.js
 * with its TypeScript type stripping, the environment the component gives it except for addresses.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { apiServer } from "../../components/api";
import { freePort } from "./fluentd-process";
import { setTimeout as sleep } from "timers/promises";
import { stopChild } from "./stop-child";

export interface ApiProcess {
    url: string;
    stop(): Promise<void>;
}

/** Runs the service to completion (it exits on a bad setting or an uncaught error) and returns what it printed. */
export function runApiToExit(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const { child, output } = spawnApi(env);
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        child.on("exit", (code) => { clearTimeout(timer); resolve({ code, ...output }); });
    });
}

/** The flags this Node.js needs to run a TypeScript file as it is. */
export function typeStrippingFlags(): string[] {
    // Node strips types by default from 22.18 and 23.6; from 22.6 (the services' engines) until then it needs the flag.
    const [major, minor] = process.versions.node.split(".").map(Number);
    const stripsTypes = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
    return stripsTypes ? [] : ["--experimental-strip-types", "--no-warnings"];
}

/** The service's process, and what it has printed so far. */
function spawnApi(env: Record<string, string>): { child: ChildProcess; output: { stdout: string; stderr: string } } {
    const child = spawn(process.execPath, [...typeStrippingFlags(), path.basename(apiServer)], {
        cwd: path.dirname(apiServer),
        env: { PATH: process.env.PATH, ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    const output = { stdout: "", stderr: "" };
    child.stdout!.on("data", (d) => { output.stdout += d; });
    child.stderr!.on("data", (d) => { output.stderr += d; });
    return { child, output };
}

/** Starts the service, logging to the forward input at `agentPort` with `tag`, and waits until it answers. */
export async function startApi(agentPort: number, tag: string, logDir?: string): Promise<ApiProcess> {
    const port = await freePort();
    const { child, output } = spawnApi({ DLE_API_PORT: String(port), DLE_AGENT_HOST: "127.0.0.1", DLE_AGENT_PORT: String(agentPort), DLE_LOG_TAG: tag });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
        if (child.exitCode !== null) throw new Error(`the api exited with ${child.exitCode}: ${output.stderr}`);
        if (await fetch(`${url}/api/health`).then((r) => r.ok, () => false)) break;
        if (i >= 200) {
            // Nobody gets the process to stop it: kill it before failing, or it outlives the test.
            child.kill("SIGKILL");
            throw new Error(`the api did not answer on ${url} within 20 s: ${output.stderr}`);
        }
        await sleep(100);
    }
    return {
        url,
        async stop() {
            if (logDir) fs.writeFileSync(path.join(logDir, "api.log"), `${output.stdout}${output.stderr}`);
            await stopChild(child);
        },
    };
}
