/**
 * dle's canary: proves all the time that every log arrives. Every interval it logs one line to its stdout, which goes
 * the applications' way (Docker's fluentd log driver locally, FireLens on AWS) through the agent and the forwarders,
 * and it reads every event back from every sink with the probes of ./probes.ts (the verification suite's own code),
 * using its own read-only credentials where the sink has users. What it finds is counted per sink (./canary.ts) and
 * served as Prometheus metrics on its metrics port; on AWS it is also published to CloudWatch every minute.
 * Node.js runs this file as it is (its built-in TypeScript type stripping): `node server.ts`.
 *
 *   GET /metrics   the Prometheus metrics (./metrics.ts)
 *   GET /health    200 while it runs: the container's health check
 *
 * Settings: the environment variables of ./settings.ts. Its own messages are JSON lines of the log type `app` on
 * stderr (a failing sink's error once, and again when it changes or the sink recovers), so that they reach the sinks
 * parsed like any application's.
 */
import { createServer } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { Registry } from "prom-client";
import { Canary, sendingTime } from "./canary.ts";
import { CloudWatchFigures, PendingRequests, putMetricDataRequests } from "./cloudwatch.ts";
import { allOf, prometheusRecorder } from "./metrics.ts";
import { newRunId, sinkProbes } from "./probes.ts";
import { readSettings } from "./settings.ts";

/** How often the figures go to CloudWatch: its standard resolution. */
const publishIntervalMs = 60_000;

function say(level: "info" | "warn" | "fatal", message: string): void {
    process.stderr.write(`${JSON.stringify({ level, message })}\n`);
}

/** The settings; a bad one stops the canary at start, naming the variable. */
function settingsOrExit(): ReturnType<typeof readSettings> {
    try {
        return readSettings(process.env);
    } catch (error) {
        say("fatal", (error as Error).message);
        process.exit(1);
    }
}
const settings = settingsOrExit();
const { intervalSeconds, waitSeconds, pollSeconds, lateWindowSeconds, metricsPort, cloudwatch } = settings;

const startMs = Date.now();
const probes = sinkProbes(settings.sinks);
const sinks = probes.map((p) => p.sink);
const registry = new Registry();
const figures = cloudwatch === undefined ? undefined : new CloudWatchFigures(sinks, startMs, cloudwatch.stack);
const canary = new Canary({
    runId: newRunId(),
    sinks,
    waitMs: waitSeconds * 1000,
    lateWindowMs: lateWindowSeconds * 1000,
    recorder: allOf([prometheusRecorder(registry, sinks, startMs), ...(figures ? [figures] : [])]),
});
let running = true;

const server = createServer((request, response) => {
    if (request.url === "/metrics") {
        registry.metrics().then((text) => {
            response.writeHead(200, { "content-type": registry.contentType });
            response.end(text);
        }, (error: Error) => {
            response.writeHead(500);
            response.end(error.message);
        });
    } else if (request.url === "/health") {
        response.writeHead(200);
        response.end("ok\n");
    } else {
        response.writeHead(404);
        response.end();
    }
});
server.listen(metricsPort);

/** One line in every interval, at a random moment of it (./canary.ts, sendingTime); a slow write pushes none back. */
async function logEvents(): Promise<void> {
    for (let tick = 0; running; tick++) {
        await sleep(Math.max(0, sendingTime(startMs, tick, intervalSeconds * 1000) - Date.now()));
        if (running) process.stdout.write(`${canary.next()}\n`);
    }
}

/** Reads one sink every poll; says when reading it starts failing, fails differently, and works again. */
async function readSink(probe: (typeof probes)[number]): Promise<void> {
    let failing: string | undefined;
    while (running) {
        const started = Date.now();
        try {
            await canary.read(probe);
            if (failing !== undefined) say("info", `The canary reads the ${probe.sink} sink at ${probe.endpoint} again.`);
            failing = undefined;
        } catch (error) {
            const message = (error as Error).message;
            if (message !== failing) say("warn", `The canary cannot read the ${probe.sink} sink: ${message}`);
            failing = message;
        }
        await sleep(Math.max(0, pollSeconds * 1000 - (Date.now() - started)));
    }
}

/**
 * Every minute, the figures to CloudWatch, in as many requests as PutMetricData's limits take; requests that fail
 * are sent again with the next minute's (./cloudwatch.ts, PendingRequests).
 */
async function publish(namespace: string, gathered: CloudWatchFigures): Promise<void> {
    const client = new CloudWatchClient({});
    const pending = new PendingRequests();
    let failing = false;
    while (running) {
        await sleep(publishIntervalMs);
        pending.add(putMetricDataRequests(namespace, gathered.datums(gathered.take(), Date.now())));
        try {
            await pending.sendWith((request) => client.send(new PutMetricDataCommand(request)));
            if (failing) say("info", `The canary publishes to CloudWatch (${namespace}) again${pending.dropped > 0 ? `; ${pending.dropped} request(s) of figures were dropped while it could not` : ""}.`);
            failing = false;
        } catch (error) {
            if (!failing) say("warn", `The canary cannot publish to CloudWatch (${namespace}): ${(error as Error).message}`);
            failing = true;
        }
    }
}

async function stop(): Promise<void> {
    running = false;
    server.close();
    await Promise.all(probes.map((p) => p.close().catch(() => undefined)));
    process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());

say("info", `The canary logs an event every ${intervalSeconds} s and reads it back from ${sinks.join(", ")} every ${pollSeconds} s (wait ${waitSeconds} s); metrics on port ${metricsPort}${cloudwatch ? ` and in CloudWatch ${cloudwatch.namespace} (Stack ${cloudwatch.stack})` : ""}.`);
void logEvents();
for (const probe of probes) void readSink(probe);
if (cloudwatch !== undefined && figures !== undefined) void publish(cloudwatch.namespace, figures);
