/**
 * Prometheus for the tests: promtool (rule tests, PromQL checks) and a real Prometheus server on loopback, both from
 * Debian's `prometheus` package (or $PROMTOOL / $PROMETHEUS). Without them, those tests skip with a one-line reason.
 */
import { ChildProcess, execFile, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { setTimeout as sleep } from "timers/promises";
import { freePort } from "./fluentd-process";
import { findOnPath } from "./tools";

const run = promisify(execFile);

export function findPromtool(): string | undefined {
    return process.env.PROMTOOL || findOnPath("promtool");
}

export function findPrometheus(): string | undefined {
    return process.env.PROMETHEUS || findOnPath("prometheus");
}

/**
 * A bcrypt hash of `password` for Prometheus's web config, made with Python's crypt module (libxcrypt on Debian), or
 * undefined where that is not at hand. The stacks get theirs from @pulumi/random.
 */
export function bcryptHash(password: string): string | undefined {
    try {
        const hash = execFileSync("python3", ["-W", "ignore", "-c", "import crypt, sys; print(crypt.crypt(sys.stdin.read(), crypt.mksalt(crypt.METHOD_BLOWFISH)))"], { input: password, encoding: "utf8" }).trim();
        return hash.startsWith("$2") ? hash : undefined;
    } catch {
        return undefined;
    }
}

/** Runs promtool; resolves with its output, or rejects with an error that carries it. */
export async function promtool(tool: string, args: string[]): Promise<string> {
    try {
        const { stdout, stderr } = await run(tool, args, { timeout: 60_000 });
        return `${stdout}${stderr}`;
    } catch (error) {
        const e = error as { stdout?: string; stderr?: string; message: string };
        throw new Error(`promtool ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
    }
}

export interface PrometheusServer {
    url: string;
    /** GET an API path (e.g. /api/v1/query?query=up), JSON. */
    api<T = unknown>(pathAndQuery: string): Promise<T>;
    /** The value of an instant query that returns one number (the sum of its series), or undefined when it has none. */
    value(query: string): Promise<number | undefined>;
    stop(): Promise<void>;
    log(): string;
}

/**
 * Starts Prometheus on a free port of 127.0.0.1 with the config `config` makes for that port, a web config (basic
 * auth) and a data folder in `dir`.
 */
export async function startPrometheus(prometheus: string, dir: string, config: (port: number) => string, webConfig: string, login: { username: string; password: string }): Promise<PrometheusServer> {
    const port = await freePort();
    const configFile = path.join(dir, "prometheus.json");
    const webConfigFile = path.join(dir, "web.json");
    fs.writeFileSync(configFile, config(port));
    fs.writeFileSync(webConfigFile, webConfig);
    const logFile = path.join(dir, "prometheus.log");
    const out = fs.openSync(logFile, "a");
    const child: ChildProcess = spawn(prometheus, [
        `--config.file=${configFile}`,
        `--web.config.file=${webConfigFile}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
    ], { stdio: ["ignore", out, out] });
    fs.closeSync(out);
    const url = `http://127.0.0.1:${port}`;
    const authorization = `Basic ${Buffer.from(`${login.username}:${login.password}`).toString("base64")}`;
    const log = () => fs.readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n");
    const api = async <T>(pathAndQuery: string): Promise<T> => {
        const response = await fetch(`${url}${pathAndQuery}`, { headers: { authorization } });
        if (!response.ok) throw new Error(`Prometheus answered ${response.status} to ${pathAndQuery}: ${await response.text()}`);
        return ((await response.json()) as { data: T }).data;
    };
    // Bounded: Prometheus starts in a second or two; 60 s covers a loaded machine.
    for (let i = 0; ; i++) {
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log()}`);
        const ready = await fetch(`${url}/-/ready`, { headers: { authorization } }).then((r) => r.ok, () => false);
        if (ready) break;
        if (i > 240) {
            // Nobody gets the process to stop it: kill it before failing, or it outlives the test.
            child.kill("SIGKILL");
            throw new Error(`prometheus did not get ready on ${url} within 60 s:\n${log()}`);
        }
        await sleep(250);
    }
    return {
        url, api, log,
        async value(query) {
            const data = await api<{ result: { value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(query)}`);
            return data.result.length === 0 ? undefined : data.result.reduce((sum, r) => sum + Number(r.value[1]), 0);
        },
        async stop() {
            if (child.exitCode !== null || child.signalCode !== null) return;
            const exited = new Promise((resolve) => child.once("exit", resolve));
            child.kill("SIGTERM");
            const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
            await exited;
            clearTimeout(timer);
        },
    };
}

/** Polls `read` until `done` holds for its value; the last value, or an error naming `what` after `timeoutMs`. */
export async function pollUntil<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
    const start = Date.now();
    let last: T | undefined;
    while (Date.now() - start < timeoutMs) {
        last = await read();
        if (done(last)) return last;
        await sleep(500);
    }
    throw new Error(`${what}: not reached within ${timeoutMs / 1000} s (last: ${JSON.stringify(last)})`);
}
