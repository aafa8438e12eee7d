/**
 * The failover drill: kill the primary forwarder, check that events keep arriving through the secondary,
 * bring the primary back, and check that it serves again. The primary is always brought back.
 */
import Docker from "dockerode";
import { DescribeServicesCommand, ECSClient, ListTasksCommand, StopTaskCommand } from "@aws-sdk/client-ecs";
import { DeliveryRow, WaitOptions, markersFor, waitForDelivery } from "./delivery";
import { SinkProbe } from "./probes";
import { setTimeout as sleep } from "timers/promises";

/** How the drill stops and restores the primary forwarder. */
export interface ForwarderControl {
    /** For messages: what is stopped, and how. */
    readonly description: string;
    stop(): Promise<void>;
    restore(): Promise<void>;
}

/**
 * Local stack: `docker kill` (SIGKILL: a crash, not a pause, which only the heartbeats notice), then `docker start`
 * unless its restart policy started it already, until its health check passes again.
 */
export function dockerKill(containerName: string, docker = new Docker()): ForwarderControl {
    const container = docker.getContainer(containerName);
    return {
        description: `docker kill ${containerName}`,
        stop: () => container.kill(),
        async restore() {
            if (!(await container.inspect()).State.Running) await container.start();
            // Bounded: fluentd answers its health check within a minute of starting.
            for (let i = 0; i < 60; i++) {
                const state = (await container.inspect()).State;
                if (state.Running && (state.Health === undefined || state.Health.Status === "healthy")) return;
                await sleep(2_000);
            }
            throw new Error(`${containerName} was not healthy 2 minutes after it started again`);
        },
    };
}

/**
 * AWS stack: ECS StopTask of the primary's running task (what a crash or a failed host looks like to the agent); its
 * service starts a replacement, and the drill restores once that one is running.
 */
export function ecsStopTask(cluster: string, service: string, ecs = new ECSClient({})): ForwarderControl {
    const running = async () => (await ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: "RUNNING" }))).taskArns ?? [];
    let stopped: string | undefined;
    return {
        description: `ECS StopTask of service ${service}'s task`,
        async stop() {
            const [task] = await running();
            if (task === undefined) throw new Error(`ECS service ${service} in ${cluster} has no running task to stop`);
            await ecs.send(new StopTaskCommand({ cluster, task, reason: "dle verify: failover drill" }));
            stopped = task;
        },
        async restore() {
            // Bounded: ECS starts a replacement within a few minutes, or the drill reports it.
            for (let i = 0; i < 60; i++) {
                const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
                const tasks = await running();
                if (services?.[0]?.runningCount === 1 && tasks.some((t) => t !== stopped)) return;
                await sleep(5_000);
            }
            throw new Error(`ECS service ${service} in ${cluster} had no running replacement for task ${stopped} within 5 minutes`);
        },
    };
}

/** Sends markers into the pipeline: requests to the webapp, or forward-protocol events in tests. */
export type Send = (markers: string[]) => Promise<void>;

export interface DrillOptions {
    send: Send;
    probes: SinkProbe[];
    control: ForwarderControl;
    runId: string;
    /** Markers per phase. */
    count: number;
    /** The drill's markers are numbered from here (the delivery check before it used lower numbers). */
    firstMarker: number;
    wait: WaitOptions;
    /** Bound on waiting for the first event through the secondary, and for the primary's return. */
    switchTimeoutMs: number;
}

export interface DrillResult {
    /** Delivery while the primary was stopped. */
    whileStopped: DeliveryRow[];
    /** Delivery after the primary was restored. */
    afterRestore: DeliveryRow[];
    /** Seconds from stopping the primary to the first marker stored through the secondary. */
    gapSeconds?: number;
    /** Seconds from restoring the primary to the first marker stored through it. */
    returnSeconds?: number;
}

/**
 * Polls the store until one of `markers` (which `onPoll` may add to) is stored through `forwarder`.
 * Seconds since `from`, or undefined when `switchTimeoutMs` passes first.
 */
async function firstThrough(store: SinkProbe, runId: string, markers: string[], forwarder: string, from: number, options: DrillOptions, onPoll?: () => Promise<void>): Promise<number | undefined> {
    while (Date.now() - from < options.switchTimeoutMs) {
        await onPoll?.();
        const seen = await store.sightings(runId, options.wait.since);
        if (seen.some((s) => markers.includes(s.marker) && (s.forwarder ?? forwarder) === forwarder)) return (Date.now() - from) / 1000;
        await sleep(250);
    }
    return undefined;
}

export async function failoverDrill(options: DrillOptions): Promise<DrillResult> {
    const { send, probes, control, runId, count } = options;
    const store = probes.find((p) => p.sink === "store") ?? probes[0];
    const stopped = markersFor(runId, options.firstMarker, count);
    const restored = markersFor(runId, options.firstMarker + count, count);

    await control.stop();
    const stoppedAt = Date.now();
    let result: Omit<DrillResult, "afterRestore" | "returnSeconds">;
    try {
        await send(stopped);
        const gapSeconds = await firstThrough(store, runId, stopped, "secondary", stoppedAt, options);
        result = { gapSeconds, whileStopped: await waitForDelivery(probes, runId, stopped, options.wait) };
    } finally {
        await control.restore();
    }
    const restoredAt = Date.now();
    // The agent returns to the primary after its recover wait: keep sending one marker a second until one
    // is stored through the primary, then send the phase's markers.
    let nextProbeMarker = options.firstMarker + 2 * count;
    const probeMarkers: string[] = [];
    const returnSeconds = await firstThrough(store, runId, probeMarkers, "primary", restoredAt, options, async () => {
        const marker = markersFor(runId, nextProbeMarker++, 1);
        probeMarkers.push(...marker);
        await send(marker);
    });
    await send(restored);
    return { ...result, returnSeconds, afterRestore: await waitForDelivery(probes, runId, restored, options.wait) };
}
