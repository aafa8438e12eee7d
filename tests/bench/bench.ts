/**
 * `npm run bench`: how fast dle's pipeline is, beside what bare fluentd and the sinks can do, on this machine.
 * Real fluentd (from $FLUENTD or PATH) runs the project's agent and forwarder configs with the environment the local
 * stack gives its containers (mutual TLS, the shared key, acks and file buffers on), sending to the MongoDB and
 * Elasticsearch stand-ins and s3rver, each in a process of its own; the sender is a process of its own too. During the
 * latency phase the canary service runs on the same pipeline, and its p50 per sink is printed beside the benchmark's.
 * Without fluentd (or openssl, for the link's certificates) it says so in one line and exits 0.
 *
 * Knobs (environment): DLE_BENCH_SECONDS (60), DLE_BENCH_WINDOW (300000), DLE_BENCH_BACKLOG (1000000),
 * DLE_BENCH_RATE (1000), DLE_BENCH_LATENCY_SECONDS (30), DLE_BENCH_TRIALS (5 of each fault), DLE_BENCH_CEILING_SECONDS (10),
 * DLE_BENCH_ALONE_EVENTS (200000), DLE_BENCH_ALONE_VARIANTS (1null,2null,1sinks,2sinks: <workers><outputs>, the outputs null,
 * sinks, or one sink real and null for the others: store, search, archive), DLE_BENCH_PHASES (ceilings,alone,throughput,latency,failover,drain: any of them,
 * comma-separated);
 * DLE_BENCH_JSON: a file for every figure; DLE_BENCH_SVG: a file for the picture of the first failover trial.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findFluentd, noFluentdReason } from "../support/fluentd";
import { fluentdDir } from "../support/fluentd-config";
import { findOpenssl } from "../support/forward-certs";
import { installMocks, runProgram } from "../support/mocks";
import { runningNodeProblem } from "../support/node-engine";
import { bucketText } from "./canary-comparison";
import * as phases from "./phases";
import { failoverSvg } from "./picture";
import { allocatorOf } from "./process-meter";
import { Measured, Versions, figures, formatReport } from "./report";
import { startRig } from "./rig";

const phaseNames = ["ceilings", "alone", "throughput", "latency", "failover", "drain"] as const;

function positive(name: string, fallback: number): number {
    const raw = process.env[name];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`\`${name}\` must be a positive whole number, got ${JSON.stringify(raw)}`);
    return n;
}

function settings(): { settings: phases.Settings; run: Set<string> } {
    const listed = (process.env.DLE_BENCH_PHASES ?? phaseNames.join(",")).split(",").map((p) => p.trim()).filter((p) => p !== "");
    const unknown = listed.filter((p) => !(phaseNames as readonly string[]).includes(p));
    if (unknown.length > 0) throw new Error(`\`DLE_BENCH_PHASES\` names no phase ${unknown.join(", ")}: choose from ${phaseNames.join(", ")}`);
    return {
        run: new Set(listed),
        settings: {
            seconds: positive("DLE_BENCH_SECONDS", 60),
            window: positive("DLE_BENCH_WINDOW", 300_000),
            backlog: positive("DLE_BENCH_BACKLOG", 1_000_000),
            rate: positive("DLE_BENCH_RATE", 1000),
            latencySeconds: positive("DLE_BENCH_LATENCY_SECONDS", 30),
            trials: positive("DLE_BENCH_TRIALS", 5),
            ceilingSeconds: positive("DLE_BENCH_CEILING_SECONDS", 10),
            aloneEvents: positive("DLE_BENCH_ALONE_EVENTS", 200_000),
        },
    };
}

/** fluentd's supervisor logs its version, Ruby's and every plugin gem's: a dry run of the bare config says them. */
function fluentdVersions(fluentd: string): Versions {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-bench-versions-"));
    try {
        // At fluentd's default log level (the bare config's is warn, which hides these lines).
        const config = path.join(dir, "versions.conf");
        fs.writeFileSync(config, fs.readFileSync(phases.writeBareConfig(dir), "utf8").replace(/<system>[^]*?<\/system>\n/, ""));
        const log = execFileSync(fluentd, ["--dry-run", "-c", config], {
            encoding: "utf8", env: { PATH: process.env.PATH, HOME: process.env.HOME, BARE_PORT: "24224", FLUENTD_MONITOR_PORT: "24220" },
        });
        const started = /starting fluentd-(\S+) .*ruby="([^"]+)"/.exec(log);
        const plugins = Object.fromEntries([...log.matchAll(/gem '(fluent-plugin-[^']+)' version '([^']+)'/g)].map((m) => [m[1], m[2]]));
        return { fluentd: started?.[1] ?? "?", ruby: started?.[2] ?? "?", node: process.version, plugins };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const say = (text: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);

/** Writes the figures so far to $DLE_BENCH_JSON: after every phase, so that a long run stopped early keeps them. */
function save(measured: Measured): void {
    measured.machine.loadAverageEnd = os.loadavg()[0];
    if (process.env.DLE_BENCH_JSON) fs.writeFileSync(process.env.DLE_BENCH_JSON, `${JSON.stringify(figures(measured), null, 2)}\n`);
}

async function main(): Promise<void> {
    const fluentd = findFluentd();
    const openssl = findOpenssl();
    if (fluentd === undefined || openssl === undefined) {
        say(`bench: skipped: ${fluentd === undefined ? noFluentdReason() : "no openssl on PATH or in $OPENSSL (the link's TLS certificates)"}`);
        return;
    }
    const { settings: s, run } = settings();
    const aloneVariants = process.env.DLE_BENCH_ALONE_VARIANTS ? phases.parseAloneVariants(process.env.DLE_BENCH_ALONE_VARIANTS) : phases.aloneVariants;
    const cpus = os.cpus();
    const measured: Measured = {
        machine: {
            cores: cpus.length, cpuModel: cpus[0]?.model ?? "?", memoryGb: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
            kernel: os.release(), loadAverageStart: os.loadavg()[0], loadAverageEnd: 0,
        },
        versions: fluentdVersions(fluentd),
        settings: s,
    };
    // The containers' environment, as the local stack gives it: the program under Pulumi's mocks, with its defaults.
    const resources = installMocks({ target: "local" });
    await runProgram();
    const rig = await startRig(fluentd, resources);
    const stopping = () => { void rig.stop().finally(() => process.exit(130)); };
    process.once("SIGINT", stopping);
    try {
        if (run.has("ceilings")) {
            say("(b) the sender's own rate");
            measured.sender = await phases.senderCeiling(rig, s);
            say(`    ${measured.sender.eventsPerSecond} events/s; (b) bare fluentd in_forward → out_null`);
            measured.bare = await phases.bareCeiling(rig, s);
            say(`    ${measured.bare.eventsPerSecond} events/s; (b) each sink fed directly`);
            measured.sinkCeilings = await phases.sinkCeilings(rig, s);
            say(`    ${JSON.stringify(measured.sinkCeilings)}`);
            save(measured);
        }
        const pipelinePhases = phaseNames.filter((p) => p !== "ceilings" && run.has(p));
        if (pipelinePhases.length > 0) {
            const pipeline = await rig.startPipeline();
            measured.versions.allocator = allocatorOf(pipeline.agent.pid());
            say(`pipeline up: agent, primary and secondary forwarders in ${pipeline.dir}, with ${measured.versions.allocator}`);
        }
        if (run.has("alone")) {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-bench-alone-"));
            const realConfig = path.join(fluentdDir, "forwarder.conf");
            measured.alone = [];
            for (const variant of aloneVariants) {
                const config = variant.outputs === "sinks" ? realConfig : phases.writeNullSinksConfig(fluentdDir, dir, variant.outputs === "null" ? undefined : variant.outputs);
                say(`(g) the forwarder alone, ${variant.workers} worker(s), ${phases.aloneOutputs(variant)}: ${s.aloneEvents} events`);
                const alone = await phases.forwarderAlone(rig, s.aloneEvents, variant, config, realConfig);
                measured.alone.push(alone);
                say(`    ${alone.eventsPerSecond} events/s, ${alone.cpuMicrosecondsPerEvent} µs/event, peak RSS ${alone.peakRssMb} MB`);
                save(measured);
            }
            fs.rmSync(dir, { recursive: true, force: true });
        }
        if (run.has("throughput")) {
            say(`(a) sustained throughput for ${s.seconds} s`);
            measured.throughput = await phases.throughput(rig, s);
            say(`    ${measured.throughput.eventsPerSecond} events/s, lost ${measured.throughput.delivery.lost}`);
            save(measured);
        }
        if (run.has("latency")) {
            say(`(e) latency at ${s.rate} events/s for ${s.latencySeconds} s`);
            measured.latency = await phases.latency(rig, s);
            say(`    p50 ${JSON.stringify(measured.latency.p50)}, p99 ${JSON.stringify(measured.latency.p99)}`);
            for (const [sink, c] of Object.entries(measured.latency.canary)) {
                say(`    canary p50 ${sink}: ${c.canaryP50.toFixed(2)} s (bucket ${bucketText(c.canaryBucket)}, ${c.canaryEvents} events) vs the benchmark's ${c.benchmarkP50.toFixed(2)} s (bucket ${bucketText(c.benchmarkBucket)}): ${c.agree ? "agree" : "disagree"}`);
            }
            save(measured);
        }
        if (run.has("failover")) {
            say(`(d) ${s.trials} failover trials of each fault at ${s.rate} events/s`);
            measured.failover = await phases.failover(rig, s);
            for (const t of measured.failover.trials) say(`    ${t.how}: gap ${t.gapSeconds} s, in flight ${t.inFlightSeconds} s, return ${t.returnSeconds} s, lost ${t.delivery.lost}, duplicates ${t.delivery.duplicates}`);
            save(measured);
        }
        if (run.has("drain")) {
            say(`(c) drain of a ${s.backlog}-event backlog`);
            measured.drain = await phases.drain(rig, s);
            say(`    ${measured.drain.eventsPerSecond} events/s, lost ${measured.drain.delivery.lost}`);
            save(measured);
        }
    } catch (error) {
        if (rig.pipeline) process.stdout.write(`${rig.pipeline.logs()}\n`);
        throw error;
    } finally {
        await rig.stop();
    }
    save(measured);
    process.stdout.write(`\n${formatReport(measured)}\n`);
    const trial = measured.failover?.trials[0];
    if (process.env.DLE_BENCH_SVG && trial) fs.writeFileSync(process.env.DLE_BENCH_SVG, await failoverSvg(trial, s.rate));
}

// Before any work: the helper processes are forked with this same Node (child.ts), so one check covers them too.
const engineProblem = runningNodeProblem();
if (engineProblem !== undefined) {
    process.stderr.write(`bench: ${engineProblem}\n`);
    process.exit(1);
}
main().then(() => process.exit(0), (error) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
});
