/**
 * Memory and CPU of the benchmark's processes, from /proc: sampled twice a second, summed per phase. A process that
 * is restarted (the failover trials kill the primary) is followed to its new pid.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";

/** Clock ticks per second of /proc/<pid>/stat's CPU times. */
const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

function read(pid: number): { rssMb: number; cpuSeconds: number } | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // Fields after the command name (which may hold spaces) in parentheses: utime and stime are the 12th and 13th.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
        const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
        return { rssMb: rssKb / 1024, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond };
    } catch {
        return undefined; // gone, or not yet started
    }
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
        for (const t of this.tracked.values()) this.sampleOne(t);
    }

    private sampleOne(t: Tracked): void {
        const pid = t.pid();
        const now = pid === undefined ? undefined : read(pid);
        if (now === undefined) return;
        // A new pid (a restarted process) started from zero CPU.
        t.cpuSeconds += now.cpuSeconds - (pid === t.lastPid ? t.lastCpu : 0);
        t.lastPid = pid;
        t.lastCpu = now.cpuSeconds;
        t.peakRssMb = Math.max(t.peakRssMb, now.rssMb);
    }
}
