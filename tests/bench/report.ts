/**
 * The benchmark's figures: one object (written to $DLE_BENCH_JSON) and one table (printed), with the machine and
 * the versions they were measured on, and each target beside its figure.
 */
import * as fs from "fs";
import { defaults } from "../../components/config";
import { bucketText } from "./canary-comparison";
import type { SinkName } from "./rig";
import { Alone, BareCeiling, Drain, aloneOutputs, Failover, Latency, SenderCeiling, Settings, SinkCeiling, Throughput, Trial } from "./phases";
import { ProcessUse } from "./process-meter";
import { sinkNames } from "./rig";

export interface Machine {
    cores: number;
    cpuModel: string;
    memoryGb: number;
    kernel: string;
    /** 1-minute load average when the benchmark started and ended: other work on the machine shows here. */
    loadAverageStart: number;
    loadAverageEnd: number;
}

export interface Versions {
    fluentd: string;
    ruby: string;
    node: string;
    /** The agent's memory allocator (process-meter.ts allocatorOf), once the pipeline ran. */
    allocator?: string;
    /** fluentd plugin gems, as fluentd logs them at start. */
    plugins: Record<string, string>;
}

export interface Measured {
    machine: Machine;
    versions: Versions;
    settings: Settings;
    sender?: SenderCeiling;
    bare?: BareCeiling;
    sinkCeilings?: Record<SinkName, SinkCeiling>;
    throughput?: Throughput;
    latency?: Latency;
    failover?: Failover;
    drain?: Drain;
    alone?: Alone[];
}

const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length === 0 ? undefined : sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};
const max = (values: number[]) => (values.length === 0 ? undefined : Math.max(...values));
const round = (n: number | undefined, digits = 2) => (n === undefined || Number.isNaN(n) ? undefined : Math.round(n * 10 ** digits) / 10 ** digits);
const bySink = (f: (s: SinkName) => number | undefined) => Object.fromEntries(sinkNames.map((s) => [s, round(f(s))])) as Record<SinkName, number | undefined>;

/** Every phase's process figures, by phase then by process. */
function uses(m: Measured): Record<string, Record<string, ProcessUse>> {
    const phases: Record<string, Record<string, ProcessUse> | undefined> = {
        bare: m.bare?.use,
        ...Object.fromEntries((m.alone ?? []).map((a) => [`alone ${a.workers}${a.outputs}`, a.use])),
        throughput: m.throughput?.use, latency: m.latency?.use, failover: m.failover?.use, drain: m.drain?.use,
    };
    return Object.fromEntries(Object.entries(phases).filter((e): e is [string, Record<string, ProcessUse>] => e[1] !== undefined));
}

/** Per way of taking the primary away: the gap's median and max, the trials that never switched, the return, in flight. */
function failoverByFault(trials: Trial[]): Record<string, Record<string, number | undefined>> {
    const kinds = [...new Set(trials.map((t) => t.how))];
    return Object.fromEntries(kinds.map((how) => {
        const of = trials.filter((t) => t.how === how);
        const values = (pick: (t: Trial) => number | undefined) => of.flatMap((t) => { const v = pick(t); return v === undefined ? [] : [v]; });
        return [how, {
            trials: of.length,
            gapSecondsMedian: round(median(values((t) => t.gapSeconds)), 3),
            gapSecondsMax: round(max(values((t) => t.gapSeconds)), 3),
            withoutSwitch: of.filter((t) => t.gapSeconds === undefined).length,
            returnSecondsMedian: round(median(values((t) => t.returnSeconds)), 3),
            returnSecondsMax: round(max(values((t) => t.returnSeconds)), 3),
            inFlightSecondsMax: round(max(values((t) => t.inFlightSeconds)), 3),
        }];
    }));
}

/** The pipeline's fluentd processes, whose CPU per event the report gives. */
const fluentdRoles = ["agent", "primary", "secondary"] as const;

/** µs of CPU per event: what each process used in a phase over the events of that phase. */
function cpuPerEvent(use: Record<string, ProcessUse> | undefined, events: number | undefined, names: readonly string[]): Record<string, number | undefined> | undefined {
    if (use === undefined || !events) return undefined;
    return Object.fromEntries(names.map((n) => [n, use[n] === undefined ? undefined : round((use[n].cpuSeconds * 1e6) / events, 1)]));
}

/** The figures the issue names, flat, plus the details behind them. */
export function figures(m: Measured): Record<string, unknown> {
    const trials = m.failover?.trials ?? [];
    const gaps = trials.flatMap((t) => (t.gapSeconds === undefined ? [] : [t.gapSeconds]));
    const returns = trials.flatMap((t) => (t.returnSeconds === undefined ? [] : [t.returnSeconds]));
    const deliveries = [m.throughput?.delivery, m.latency?.delivery, m.failover?.delivery, m.drain?.delivery, ...(m.alone ?? []).map((a) => a.delivery)].filter((d) => d !== undefined);
    const peakRssMb: Record<string, number> = {};
    // The pipeline's phases: the forwarder-alone phase reports its own peaks, per variant.
    for (const [phase, use] of Object.entries(uses(m))) {
        if (phase.startsWith("alone ")) continue;
        for (const [name, u] of Object.entries(use)) peakRssMb[name] = Math.max(peakRssMb[name] ?? 0, u.peakRssMb);
    }
    return {
        machine: m.machine,
        versions: m.versions,
        settings: m.settings,
        senderEventsPerSecond: m.sender?.eventsPerSecond,
        senderCores: m.sender?.cores,
        endToEndEventsPerSecond: m.throughput?.eventsPerSecond,
        bareEventsPerSecond: m.bare?.eventsPerSecond,
        sinkCeilingEventsPerSecond: m.sinkCeilings && bySink((n) => m.sinkCeilings![n].eventsPerSecond),
        sinkCeilings: m.sinkCeilings,
        drainEventsPerSecond: m.drain?.eventsPerSecond,
        // Over the trials where the secondary took over; a trial where it never did (within the bound) is counted apart.
        failoverGapSecondsMedian: round(median(gaps), 3),
        failoverGapSecondsMax: round(max(gaps), 3),
        failoverTrialsWithoutSwitch: trials.filter((t) => t.gapSeconds === undefined).length,
        failoverTrialsWithoutReturn: trials.filter((t) => t.returnSeconds === undefined).length,
        returnSecondsMedian: round(median(returns)),
        failoverByFault: failoverByFault(trials),
        lost: deliveries.reduce((sum, d) => sum + d.lost, 0),
        duplicates: deliveries.reduce((sum, d) => sum + d.duplicates, 0),
        latencySecondsP50: m.latency ? bySink((s) => m.latency!.p50[s]) : undefined,
        latencySecondsP99: m.latency ? bySink((s) => m.latency!.p99[s]) : undefined,
        // The canary's p50 per sink (from its histogram) beside the benchmark's, in the latency phase.
        canaryLatencySecondsP50: m.latency?.canary ? bySink((s) => m.latency!.canary[s].canaryP50) : undefined,
        canaryAgreesWithBenchmark: m.latency?.canary ? Object.fromEntries(sinkNames.map((s) => [s, m.latency!.canary[s].agree])) : undefined,
        peakRssMb,
        // The agent's and each forwarder's in (a) and (c), beside bare fluentd's in (b).
        cpuMicrosecondsPerEvent: {
            bare: cpuPerEvent(m.bare?.use, m.bare?.events, ["bare"])?.bare,
            throughput: cpuPerEvent(m.throughput?.use, m.throughput?.delivery.sent, fluentdRoles),
            drain: cpuPerEvent(m.drain?.use, m.drain?.delivery.sent, fluentdRoles),
        },
        cpuCores: Object.fromEntries(Object.entries(uses(m)).map(([phase, u]) => [phase, Object.fromEntries(Object.entries(u).map(([n, x]) => [n, x.cores]))])),
        forwarderAlone: m.alone?.map(({ use: _, ...a }) => a),
        phases: {
            alone: m.alone,
            sender: m.sender, bare: m.bare, throughput: m.throughput, latency: m.latency, drain: m.drain,
            failover: m.failover && { ...m.failover, trials: m.failover.trials },
        },
    };
}

const int = (n: number | undefined) => (n === undefined ? "-" : Math.round(n).toLocaleString("en-US"));
const sec = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? "-" : n.toFixed(1));
const pct = (part: number | undefined, whole: number | undefined) => (part === undefined || !whole ? "-" : `${((100 * part) / whole).toFixed(1)} %`);

function table(rows: string[][]): string {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
    const line = (r: string[]) => `| ${r.map((c, i) => (c ?? "").padEnd(widths[i])).join(" | ")} |`;
    return [line(rows[0]), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.slice(1).map(line)].join("\n");
}

/**
 * The canary's p50 beside the benchmark's, per sink: each with the bucket of the canary's latency histogram it falls
 * in, and whether they agree (the same bucket or neighbouring ones).
 */
function canaryRows(m: Measured): string[][] {
    const canary = m.latency?.canary;
    if (canary === undefined) return [];
    return sinkNames.map((sink) => {
        const c = canary[sink];
        const verdict = Number.isNaN(c.bucketsApart) ? "no canary event found" : c.agree ? (c.bucketsApart === 0 ? "agree: the same bucket" : "agree: neighbouring buckets") : `DISAGREE: ${c.bucketsApart} buckets apart`;
        return [`    canary p50, ${sink} (${c.canaryEvents} events)`,
            `${sec2(c.canaryP50)} s (bucket ${bucketText(c.canaryBucket)}) vs the benchmark's ${sec2(c.benchmarkP50)} s (${bucketText(c.benchmarkBucket)})`,
            "within one bucket", verdict];
    });
}

const sec2 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? "-" : n.toFixed(2));

/** The printed report: the machine, the versions, then one table of figures and one of the processes. */
export function formatReport(m: Measured): string {
    const f = figures(m) as Record<string, any>;
    const t = m.throughput;
    const trials = m.failover?.trials ?? [];
    const sinks = (x: Record<SinkName, number | undefined> | undefined, fmt: (n: number | undefined) => string): string =>
        x === undefined ? "-" : sinkNames.map((s) => `${s} ${fmt(x[s])}`).join(", ");
    const deliveryCell = (d: { lost: number; duplicates: number } | undefined) => (d === undefined ? "-" : `${d.lost} / ${d.duplicates}`);
    const rows: string[][] = [
        ["figure", "value", "target", "lost / duplicates"],
        ["sender's own rate (into a socket that drops it)", `${int(m.sender?.eventsPerSecond)} events/s on ${m.sender?.cores.toFixed(2) ?? "-"} cores`, "far above bare", ""],
        ["(b) bare fluentd in_forward → out_null", `${int(m.bare?.eventsPerSecond)} events/s on ${m.bare?.use.bare?.cores.toFixed(2) ?? "-"} cores`, "", ""],
        ...sinkNames.map((n) => {
            const c = m.sinkCeilings?.[n];
            return [`(b) ${n} sink's ceiling, fed directly`, c === undefined ? "-" : `${int(c.eventsPerSecond)} events/s (sink ${c.sinkCores.toFixed(2)} cores, feeder ${c.feederCores.toFixed(2)})`, "", ""];
        }),
        ["(a) end to end: agent → forwarder → 3 sinks", `${int(t?.eventsPerSecond)} events/s (${int(t?.delivery.sent)} events, ${sec(t?.seconds)} s)`,
            `≥ 10 % of bare: ${pct(t?.eventsPerSecond, m.bare?.eventsPerSecond)}`, deliveryCell(t?.delivery)],
        ["    the agent meanwhile", t === undefined ? "-" : `${t.agentLog.detached} detaches, ${t.agentLog.handshakeTimeouts} handshake timeouts, ${t.agentLog.ackTimeouts} ack timeouts`, "no detach", ""],
        [`(c) drain of a ${int(m.drain?.delivery.sent)}-event backlog`, `${int(m.drain?.eventsPerSecond)} events/s (${sec(m.drain?.seconds)} s; taken in at ${int(m.drain?.acceptedPerSecond)}/s)`,
            `≥ 50 % of (a): ${pct(m.drain?.eventsPerSecond, t?.eventsPerSecond)}`, deliveryCell(m.drain?.delivery)],
        ...Object.entries(f.failoverByFault as ReturnType<typeof failoverByFault>).flatMap(([how, k]) => [
            [`(d) failover gap, primary ${how}, ${k.trials} trials at ${m.settings.rate}/s`,
                `median ${sec(k.gapSecondsMedian)} s, max ${sec(k.gapSecondsMax)} s` + (k.withoutSwitch! > 0 ? `; ${k.withoutSwitch} never switched` : "; every trial switched"),
                "every trial switches; median ≤ 3 s, max ≤ 4 s", ""],
            ["    in flight at the fault: last stored after", `${sec(k.inFlightSecondsMax)} s (the slowest trial)`, "", ""],
            ["    back on the primary after its return", `median ${sec(k.returnSecondsMedian)} s, max ${sec(k.returnSecondsMax)} s`, `≤ recover_wait + 3 s = ${Number(defaults.recoverWaitSeconds) + 3} s`, ""],
        ]),
        ...(m.failover?.notTried ?? []).map((n) => [`(d) primary ${n.how}`, `not tried: ${n.reason}`, "", ""]),
        ["(d) all trials", trials.map((x, i) => `${i + 1} ${x.how} ${x.gapSeconds === undefined ? "no switch" : `${sec(x.gapSeconds)} s`}`).join("; "), "", deliveryCell(m.failover?.delivery)],
        [`(e) latency p50 at ${m.settings.rate}/s`, sinks(f.latencySecondsP50, (n) => `${sec(n)} s`), "", deliveryCell(m.latency?.delivery)],
        [`(e) latency p99 at ${m.settings.rate}/s`, sinks(f.latencySecondsP99, (n) => `${sec(n)} s`), "≤ 3 s", ""],
        ...canaryRows(m),
        ["(f) peak RSS", `agent ${int(f.peakRssMb.agent)} MB, forwarders ${int(f.peakRssMb.primary)} / ${int(f.peakRssMb.secondary)} MB (bare ${int(f.peakRssMb.bare)} MB)`,
            "agent ≤ 150 MB, forwarder ≤ 250 MB", ""],
        ...(["throughput", "drain"] as const).map((phase) => {
            const us = f.cpuMicrosecondsPerEvent[phase] as Record<string, number | undefined> | undefined;
            const bare = f.cpuMicrosecondsPerEvent.bare as number | undefined;
            const cell = (n: number | undefined) => (n === undefined ? "-" : `${n.toFixed(1)} µs${bare ? ` (${(n / bare).toFixed(1)}× bare)` : ""}`);
            return [`(f) CPU per event in ${phase === "throughput" ? "(a)" : "(c)"}`,
                us === undefined ? "-" : `agent ${cell(us.agent)}, forwarders ${cell(us.primary)} / ${cell(us.secondary)}; bare ${bare?.toFixed(1) ?? "-"} µs`,
                "agent ≤ 7× bare, primary ≤ 20× bare", ""];
        }),
        ...(m.alone ?? []).map((a) => {
            const one = m.alone!.find((o) => o.workers === 1 && o.outputs === a.outputs);
            const scaling = a.workers > 1 && one !== undefined && a.outputs === "null"
                ? `${(a.eventsPerSecond / one.eventsPerSecond).toFixed(2)}× one worker's rate, µs/event ${(100 * (a.cpuMicrosecondsPerEvent / one.cpuMicrosecondsPerEvent - 1)).toFixed(0)} %` : "";
            return [`(g) forwarder alone, ${a.workers} worker${a.workers > 1 ? "s" : ""}, ${aloneOutputs(a)}`,
                `${int(a.eventsPerSecond)} events/s, ${a.cpuMicrosecondsPerEvent.toFixed(1)} µs/event, peak RSS ${int(a.peakRssMb)} MB` + (scaling ? `; ${scaling}` : ""),
                a.workers > 1 && a.outputs === "null" ? "≥ 1.6× the rate, µs/event within 15 %" : "", a.delivery ? deliveryCell(a.delivery) : ""];
        }),
        ["lost / duplicates, all phases", "", "0 lost", `${f.lost} / ${f.duplicates}`],
    ];
    const phases = uses(m);
    const names = [...new Set(Object.values(phases).flatMap((u) => Object.keys(u)))];
    const processRows = [
        ["process: peak RSS MB / CPU cores", ...Object.keys(phases)],
        ...names.map((n) => [n, ...Object.values(phases).map((u) => (u[n] ? `${u[n].peakRssMb} / ${u[n].cores.toFixed(2)}` : ""))]),
    ];
    const v = m.versions;
    return [
        `machine: ${m.machine.cores} cores (${m.machine.cpuModel}), ${m.machine.memoryGb} GB memory, Linux ${m.machine.kernel}; ` +
            `load average ${m.machine.loadAverageStart.toFixed(1)} at the start, ${m.machine.loadAverageEnd.toFixed(1)} at the end`,
        `fluentd ${v.fluentd} (${v.allocator ?? "allocator not seen"}), Ruby ${v.ruby}, ${Object.entries(v.plugins).map(([p, x]) => `${p} ${x}`).join(", ")}; Node ${v.node}`,
        "",
        table(rows),
        "",
        table(processRows),
    ].join("\n");
}

/** The figures of a saved run ($DLE_BENCH_JSON), as the benchmark measured them, to print its table again. */
export function measuredFrom(saved: { machine: Machine; versions: Versions; settings: Settings; sinkCeilings?: Record<SinkName, SinkCeiling>; phases: Record<string, any> }): Measured {
    const p = saved.phases;
    return {
        machine: saved.machine, versions: saved.versions, settings: saved.settings, sinkCeilings: saved.sinkCeilings,
        sender: p.sender, bare: p.bare, alone: p.alone, throughput: p.throughput, latency: p.latency, failover: p.failover, drain: p.drain,
    };
}

if (require.main === module) {
    const [json] = process.argv.slice(2);
    if (json === undefined) throw new Error("usage: report.ts <DLE_BENCH_JSON file>");
    process.stdout.write(`${formatReport(measuredFrom(JSON.parse(fs.readFileSync(json, "utf8"))))}\n`);
}
