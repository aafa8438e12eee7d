/**
 * A real PostgreSQL 17 on loopback for the sql sink's end-to-end and fault tests: tests/support/postgres-server.sh
 * (the plugin tests' server too), run through the Ruby root's wrapper where install-fluentd.sh built one (its /usr holds
 * Debian trixie's postgresql-17), else on the machine itself. Queried with the same PostgreSQL's psql.
 */
import { ChildProcess, execFile, spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { installedFluentdBin } from "./fluentd";
import { freePort } from "./fluentd-process";

const run = promisify(execFile);
const script = path.join(__dirname, "postgres-server.sh");
const bin = "/usr/lib/postgresql/17/bin";
/** The wrapper that runs a command with the Ruby root's /usr (install-fluentd.sh), where there is one. */
const inRoot = path.join(installedFluentdBin, "in-root");

/** How to run PostgreSQL 17's programs here, or why they cannot be. */
export function locatePostgres(): { prefix: string[]; reason?: undefined } | { prefix?: undefined; reason: string } {
    const rootPostgres = path.resolve(installedFluentdBin, "..", "ruby-root", "usr/lib/postgresql/17/bin/postgres");
    if (fs.existsSync(inRoot) && fs.existsSync(rootPostgres)) return { prefix: [inRoot] };
    if (fs.existsSync(path.join(bin, "postgres"))) return { prefix: [] };
    return { reason: `no PostgreSQL 17 (${bin}/postgres, or in the Ruby root): run tests/support/install-test-tools.sh` };
}

export interface PostgresServer {
    port: number;
    /** The database the sink writes to (as dle:sqlDatabase's default). */
    database: string;
    /** postgres://dle:<password>@127.0.0.1:<port>/<database>, as the stack output sqlUrl. */
    url: string;
    password: string;
    /** Starts it again on the same port with the same data (after {@link stop}). */
    start(): Promise<void>;
    /** A fast shutdown: clients are disconnected, the data stays. */
    stop(): Promise<void>;
    /** Runs SQL as the owner; the rows, each a tab-separated line. */
    query(sql: string): Promise<string[]>;
    destroy(): Promise<void>;
}

export async function startPostgres(prefix: string[], database = "applogs"): Promise<PostgresServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-postgres-"));
    fs.chmodSync(dir, 0o755);
    const port = await freePort();
    const password = randomBytes(18).toString("hex");
    let child: ChildProcess | undefined;
    const psql = async (db: string, sql: string) => {
        const [command, ...args] = [...prefix, "env", `PGPASSWORD=${password}`, `${bin}/psql`, "-h", "127.0.0.1", "-p", String(port), "-U", "dle", "-d", db,
            "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t", "-c", sql];
        const { stdout } = await run(command, args, { timeout: 60_000, maxBuffer: 64 << 20 });
        return stdout.split("\n").filter((line) => line !== "");
    };
    const start = async () => {
        const [command, ...args] = [...prefix, "bash", script, dir, String(port), password];
        const started = spawn(command, args, { stdio: "ignore" });
        child = started;
        const deadline = Date.now() + 120_000;
        for (;;) {
            if (started.exitCode !== null) throw new Error(`PostgreSQL exited (${started.exitCode}): ${fs.readFileSync(path.join(dir, "postgres.log"), "utf8").slice(-2000)}`);
            try {
                await psql("postgres", "SELECT 1");
                return;
            } catch (error) {
                if (Date.now() > deadline) throw new Error(`PostgreSQL did not take connections within 120 s: ${String(error)}`);
                await new Promise((resolve) => setTimeout(resolve, 250));
            }
        }
    };
    const stop = async () => {
        const running = child;
        child = undefined;
        if (running === undefined || running.exitCode !== null) return;
        const exited = new Promise((resolve) => running.once("exit", resolve));
        running.kill("SIGINT");
        await exited;
    };
    await start();
    await psql("postgres", `CREATE DATABASE ${database}`);
    return {
        port, database, password,
        url: `postgres://dle:${password}@127.0.0.1:${port}/${database}`,
        start, stop,
        query: (sql) => psql(database, sql),
        destroy: async () => {
            await stop();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
