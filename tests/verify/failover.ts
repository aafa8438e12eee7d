/**
 * The failover drill: stop the primary forwarder, check that events keep arriving through the secondary,
 * bring the primary back, and check that it serves again. The primary is always brought back.
 */
import Docker from "dockerode";
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from "@aws-sdk/client-ecs";
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

/** Local stack: `docker pause` / `docker unpause`, as in the seed's README. */
export function dockerPause(containerName: string, docker = new Docker()): ForwarderControl {
    const container = docker.getContainer(containerName);
    return {
        description: `docker pause ${containerName}`,
        stop: () => container.pause(),
        restore: () => container.unpause(),
    };
}

/** AWS stack: the primary's ECS service scaled to 0 tasks, then back to 1. */
export function ecsScaleToZero(cluster: string, service: string, ecs = new ECSClient({})): ForwarderControl {
    const scale = async (desiredCount: number) => {
        await ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount }));
        // Bounded: a task stops or starts within a few minutes, or the drill reports it.
        for (let i = 0; i < 60; i++) {
            const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
            if (services?.[0]?.runningCount === desiredCount) return;
            await sleep(5_000);
        }
        throw new Error(`ECS service ${service} in ${cluster} did not reach ${desiredCount} running tasks in 5 minutes`);
    };
    return {
        description: `ECS service ${service} scaled to 0`,
        stop: () => scale(0),
        restore: () => scale(1),
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
