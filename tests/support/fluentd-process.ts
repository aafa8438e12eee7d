/**
 * Real fluentd processes on loopback for end-to-end tests: started from the project's own configs, with the
 * project's own plugins, logging to a file the test prints when it fails. One process (--no-supervisor), or, for a
 * forwarder with FORWARDER_WORKERS above 1, fluentd's supervisor and its workers in a process group of their own:
 * SIGSTOP, SIGCONT and SIGKILL reach every process of the group, as they reach every process of a container.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { fluentdPluginDir } from "./fluentd-config";

/** The kernel's range of ephemeral (outgoing) ports: [low, high]. */
function ephemeralPorts(): [number, number] {
    try {
        const [low, high] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
        if (low > 1024 && high >= low) return [low, high];
    } catch {
        // not Linux: assume its default range
    }
    return [32768, 60999];
}

const handedOut = new Set<number>();

async function isFree(port: number): Promise<boolean> {
    const server = net.createServer();
    return new Promise((resolve) => {
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}

/**
 * A free TCP port on 127.0.0.1, below the ephemeral range: a client that keeps connecting to a port in that range
 * while nothing listens there (the agent's heartbeats to a killed forwarder) can be given that same port as its own
 * source port, connect to itself, and hold the port, so that the forwarder cannot listen on it again.
 */
export async function freePort(): Promise<number> {
    const [low] = ephemeralPorts();
    // Bounded: most ports from 20000 up to the range are free.
    for (let i = 0; i < 200; i++) {
        const port = 20000 + Math.floor(Math.random() * Math.max(low - 20000, 1000));
        // Never the same port twice in one process: ports are chosen before the processes that listen on them start.
        if (port < low && !handedOut.has(port) && (await isFree(port))) {
            handedOut.add(port);
            return port;
        }
    }
    throw new Error(`no free port found between 20000 and ${low}`);
}

export interface FluentdProcess {
    readonly name: string;
    readonly logFile: string;
    readonly monitorPort: number;
    /** Where its Prometheus metrics are served (fluentd/metrics.conf). */
    readonly metricsPort: number;
    pid(): number;
    signal(signal: NodeJS.Signals): void;
    /** Resolves once the process has exited (at once if it has). */
    exited(): Promise<void>;
    /** Stops with SIGTERM (SIGKILL after 20 s) and waits for the exit. */
    stop(): Promise<void>;
    /**
     * Starts again with the same buffer directory, and the same environment but for `changes`, and the same config
     * or `config` (both kept for later restarts): a replaced container or task, at another address, say.
     */
    restart(changes?: Record<string, string>, config?: string): Promise<void>;
    /** The last lines of its log. */
    tail(lines?: number): string;
}

export interface FluentdSpec {
    fluentd: string;
    name: string;
    config: string;
    env: Record<string, string>;
    /** Where its log file goes. */
    dir: string;
}

async function waitForMonitor(host: string, port: number, child: ChildProcess, name: string, logFile: string, kill: () => void): Promise<void> {
    // Bounded: fluentd starts in a few seconds; 60 s covers a slow CI machine.
    for (let i = 0; i < 240; i++) {
        if (child.exitCode !== null) throw new Error(`fluentd ${name} exited with ${child.exitCode}:\n${fs.readFileSync(logFile, "utf8").slice(-3000)}`);
        const ok = await fetch(`http://${host}:${port}/api/plugins.json`).then((r) => r.ok, () => false);
        if (ok) return;
        await sleep(250);
    }
    // Nobody gets the process to stop it: kill it before failing, or it outlives the test.
    kill();
    throw new Error(`fluentd ${name} did not answer on its monitor port ${port} within 60 s`);
}

export async function startFluentd(spec: FluentdSpec): Promise<FluentdProcess> {
    const logFile = path.join(spec.dir, `${spec.name}.log`);
    const monitorPort = Number(spec.env.FLUENTD_MONITOR_PORT);
    const metricsPort = Number(spec.env.FLUENTD_METRICS_PORT);
    let child: ChildProcess;
    let supervised = false;
    let env = spec.env;
    let config = spec.config;
    // The whole group for a supervised fluentd, but SIGTERM, which its supervisor passes on to the workers in order.
    const signal = (sig: NodeJS.Signals) => {
        if (!supervised || sig === "SIGTERM") child.kill(sig);
        else if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, sig);
    };
    const launch = async (changes: Record<string, string> = {}, newConfig?: string) => {
        env = { ...env, ...changes };
        config = newConfig ?? config;
        const out = fs.openSync(logFile, "a");
        supervised = Number(env.FORWARDER_WORKERS ?? 1) > 1;
        child = spawn(spec.fluentd, ["-c", config, "-p", fluentdPluginDir, ...(supervised ? [] : ["--no-supervisor"])], {
            env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
            stdio: ["ignore", out, out],
            detached: supervised,
        });
        fs.closeSync(out);
        // The monitor listens where the process binds (FLUENTD_BIND).
        await waitForMonitor(env.FLUENTD_BIND ?? "127.0.0.1", monitorPort, child, spec.name, logFile, () => signal("SIGKILL"));
    };
    await launch();
    const exited = () => new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once("exit", () => resolve());
    });
    return {
        name: spec.name,
        logFile,
        monitorPort,
        metricsPort,
        pid: () => child.pid!,
        signal,
        exited,
        async stop() {
            if (child.exitCode !== null || child.signalCode !== null) return;
            signal("SIGCONT");
            signal("SIGTERM");
            const timer = setTimeout(() => signal("SIGKILL"), 20_000);
            await exited();
            clearTimeout(timer);
        },
        restart: launch,
        tail: (lines = 40) => fs.readFileSync(logFile, "utf8").split("\n").slice(-lines).join("\n"),
    };
}
