/** Stopping a process a test started: SIGTERM, SIGKILL after `graceMs`, resolved once it has exited (at once if it has). */
import { ChildProcess } from "child_process";

export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
}
