/**
 * The benchmark's helper processes (the sender, the sinks, the feeders) run as children of its own, so that none of
 * them shares an event loop with another or with the benchmark: each is a TypeScript module run by tsx, spoken to
 * over Node's IPC channel with requests that get one answer each. fork runs each with the benchmark's own Node
 * (process.execPath), which bench.ts has checked against package.json's engines.
 */
import { ChildProcess, fork } from "child_process";
import * as path from "path";

/** A request's answer, or the error it failed with. */
type Reply = { id: number; result?: unknown; error?: string };

export interface Child {
    readonly name: string;
    pid(): number;
    /** Sends `{ type, ...fields }` and resolves with the handler's result (rejects with its error). */
    request<T>(type: string, fields?: Record<string, unknown>): Promise<T>;
    /** Ends the process (SIGTERM) and waits for it. */
    stop(): Promise<void>;
}

/** Starts `tests/bench/<module>.ts` with `args`; resolves once its handlers are listening. */
export async function startChild(module: string, args: string[] = [], name = module): Promise<Child> {
    const child: ChildProcess = fork(path.join(__dirname, `${module}.ts`), args, {
        execArgv: ["--import", "tsx"],
        // Typed arrays (send times, first sightings) cross as they are.
        serialization: "advanced",
        stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    let nextId = 1;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.on("message", (message: Reply | { ready: true }) => {
        if ("ready" in message) return;
        const waiting = pending.get(message.id);
        pending.delete(message.id);
        if (message.error !== undefined) waiting?.reject(new Error(`${name}: ${message.error}`));
        else waiting?.resolve(message.result);
    });
    child.once("exit", (code, signal) => {
        for (const waiting of pending.values()) waiting.reject(new Error(`${name} exited (${code ?? signal}) before answering`));
        pending.clear();
    });
    await new Promise<void>((resolve, reject) => {
        child.once("message", () => resolve());
        child.once("exit", (code) => reject(new Error(`${name} exited with ${code} while starting`)));
    });
    return {
        name,
        pid: () => child.pid!,
        request<T>(type: string, fields: Record<string, unknown> = {}): Promise<T> {
            const id = nextId++;
            return new Promise<T>((resolve, reject) => {
                pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
                child.send({ id, type, ...fields });
            });
        },
        async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            await exited;
        },
    };
}

/** In a child: answers requests by type, then tells the parent it is ready. Exits when the parent goes away. */
export function serve(handlers: Record<string, (request: any) => unknown>): void {
    process.on("message", async (message: { id: number; type: string }) => {
        const handler = handlers[message.type];
        try {
            if (handler === undefined) throw new Error(`no handler for ${JSON.stringify(message.type)}`);
            process.send!({ id: message.id, result: await handler(message) });
        } catch (error) {
            process.send!({ id: message.id, error: (error as Error).stack ?? String(error) });
        }
    });
    process.on("disconnect", () => process.exit(0));
    process.send!({ ready: true });
}
