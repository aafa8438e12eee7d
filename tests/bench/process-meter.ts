/**
 * Memory and CPU of the benchmark's processes, each with the processes it started, from /proc: sampled twice a second,
 * summed per phase. A process that is restarted (the failover trials kill the primary) is followed to its new pid.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";

/** Clock ticks per second of /proc/<pid>/stat's CPU times. */
const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** utime, stime, cutime, cstime (the last two: the children it has waited for) and ppid of a process, and its RSS. */
function readOne(pid: number): { ppid: number; rssMb: number; cpuSeconds: number } | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // Fields after the command name (which may hold spaces) in parentheses: ppid is the 4th, utime to cstime the 14th to 17th.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
        const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
        const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
        return { ppid: Number(fields[1]), rssMb: rssKb / 1024, cpuSeconds: ticks / ticksPerSecond };
    } catch {
        return undefined; // gone, or not yet started
    }
}

/** Every live process's parent, from /proc. */
function parents(): Map<number, number[]> {
    const children = new Map<number, number[]>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
        } catch {
            // gone meanwhile
        }
    }
    return children;
}

/**
 * A process with every process it started, as a forwarder costs: fluentd's supervisor and its workers, and the
 * commands a plugin runs (out_s3's `gzip_command`). CPU: each live one's own and that of the children it has waited
 * for (a finished gzip); RSS: the live ones' summed.
 */
function read(pid: number, children: Map<number, number[]>): { rssMb: number; cpuSeconds: number } | undefined {
    const root = readOne(pid);
    if (root === undefined) return undefined;
    let { rssMb, cpuSeconds } = root;
    const pending = [...(children.get(pid) ?? [])];
    while (pending.length > 0) {
        const child = pending.pop()!;
        const use = readOne(child);
        if (use === undefined) continue;
        rssMb += use.rssMb;
        cpuSeconds += use.cpuSeconds;
        pending.push(...(children.get(child) ?? []));
    }
    return { rssMb, cpuSeconds };
}

/**
 * The memory allocator a process runs with: the fluentd image preloads jemalloc (fluent/fluentd's LD_PRELOAD), which
 * holds less memory than glibc's malloc in a multi-threaded fluentd (a tenth less for the primary in the benchmark),
 * so a peak RSS compares with the image's only when this says jemalloc.
 */
export function allocatorOf(pid: number): "jemalloc" | "glibc malloc" | undefined {
    try {
        return fs.readFileSync(`/proc/${pid}/maps`, "utf8").includes("libjemalloc") ? "jemalloc" : "glibc malloc";
    } catch {
        return undefined;
    }
}

/** One phase's figures for one process. */
export interface ProcessUse {
    peakRssMb: number;
    cpuSeconds: number;
    /** CPU seconds per second of the phase: 1.0 is one core busy all the time. */
    cores: number;
}

interface Tracked {
    pid: () => number | undefined;
    lastPid?: number;
    lastCpu: number;
    peakRssMb: number;
    cpuSeconds: number;
}

export class ProcessMeter {
    private readonly tracked = new Map<string, Tracked>();
    private phaseStart = Date.now();
    private readonly timer: NodeJS.Timeout;

    constructor() {
        this.timer = setInterval(() => this.sample(), 500);
    }

    /** Follows a process by name; `pid` is asked at every sample. */
    track(name: string, pid: () => number | undefined): void {
        const t: Tracked = { pid, lastCpu: 0, peakRssMb: 0, cpuSeconds: 0 };
        this.tracked.set(name, t);
        this.sampleOne(t);
        t.cpuSeconds = 0;
    }

    untrack(name: string): void {
        this.tracked.delete(name);
    }

    /** Starts a phase: peaks and CPU counted from now. */
    begin(): void {
        this.sample();
        for (const t of this.tracked.values()) {
            t.peakRssMb = 0;
            t.cpuSeconds = 0;
        }
        this.phaseStart = Date.now();
        this.sample();
    }

    /** The figures since `begin`, by process name. */
    end(): Record<string, ProcessUse> {
        this.sample();
        const seconds = (Date.now() - this.phaseStart) / 1000;
        return Object.fromEntries([...this.tracked].map(([name, t]) => [name, {
            peakRssMb: Math.round(t.peakRssMb),
            cpuSeconds: Math.round(t.cpuSeconds * 10) / 10,
            cores: Math.round((t.cpuSeconds / seconds) * 100) / 100,
        }]));
    }

    close(): void {
        clearInterval(this.timer);
    }

    private sample(): void {
        const children = parents();
        for (const t of this.tracked.values()) this.sampleOne(t, children);
    }

    private sampleOne(t: Tracked, children = parents()): void {
        const pid = t.pid();
        const now = pid === undefined ? undefined : read(pid, children);
        if (now === undefined) return;
        // A new pid (a restarted process) started from zero CPU.
        t.cpuSeconds += now.cpuSeconds - (pid === t.lastPid ? t.lastCpu : 0);
        t.lastPid = pid;
        t.lastCpu = now.cpuSeconds;
        t.peakRssMb = Math.max(t.peakRssMb, now.rssMb);
    }
}
