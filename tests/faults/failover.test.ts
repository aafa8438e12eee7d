/**
 * Failover scenarios: the primary forwarder gone in each way it can go (killed and left dead, cut off by the network,
 * hung under full load, a name that resolves late or moves to another address) and a slow sink that must not look
 * like one. Real fluentd runs the project's configs on loopback (tests/support/loopback-pipeline.ts). Each scenario
 * asserts 0 lost in every sink and 0 duplicated in the store and the search index, that every event sent while the
 * primary was down was stored through the secondary, and that the agent came back to the primary afterwards.
 * `npm run faults` runs these with the other fault tests.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { DeliveryRow, waitForDelivery } from "../verify/delivery";
import { withProbes } from "../verify/probes";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { LoopbackFluentdOptions, LoopbackPipeline, startLoopbackPipeline } from "../support/loopback-pipeline";
import { installMocks } from "../support/mocks";
import { findIptables, loopbackCut } from "../support/network-cut";
import { findOnPath, itWhen } from "../support/tools";
import { FaultRow, lostIn } from "./fault-table";
import { faultSuiteLifecycle } from "./fault-suite";
import { Outage, OutageRun, StreamOptions, ballastDelivered, expectNoneLostNorDuplicated, notThrough, sentIn, storedThrough, streamThroughOutage } from "./outage";

// Archive uploads every 2 s, so a scenario does not wait on S3 objects.
// Two workers per forwarder: the primary's every process goes (SIGSTOP, SIGKILL reach its whole process group, as
// they reach a container's), and the agent's chunks land on either worker.
const resources = installMocks({ target: "local", archiveFlushSeconds: "2", forwarderWorkers: "2" });
const table: FaultRow[] = [];
const detached = /detached forwarding server 'primary'/g;

const { iptables, reason: noCut } = findIptables();
/** unshare, when this user may make a mount namespace (to give the agent an /etc/hosts of its own). */
const unshare = findOnPath("unshare");
const canRename = unshare !== undefined && (() => {
    try {
        execFileSync(unshare, ["--mount", "--propagation", "private", "true"], { stdio: "ignore", timeout: 10_000 });
        return true;
    } catch {
        return false;
    }
})();

describeWithFluentdAndOpenssl("failover scenarios", (fluentd) => {
    const running = faultSuiteLifecycle(table);

    async function pipeline(fluentdOptions?: LoopbackFluentdOptions): Promise<LoopbackPipeline> {
        const started = await startLoopbackPipeline(fluentd, resources, {}, fluentdOptions);
        running.push(started);
        return started;
    }

    /** Streams through the outage, waits for every event in every sink, records the row, and checks none lost or duplicated. */
    async function run(scenario: string, p: LoopbackPipeline, outage: Outage, options?: StreamOptions): Promise<{ run: OutageRun; rows: DeliveryRow[] }> {
        const outageRun = await streamThroughOutage(p, outage, options);
        const rows = await withProbes(p.outputs, (probes) => waitForDelivery(probes, outageRun.runId, outageRun.markers, { timeoutMs: 300_000, pollMs: 2_000, since: new Date(Date.now() - 3_600_000) }));
        table.push({
            scenario,
            sent: outageRun.markers.length,
            delivered: Object.fromEntries(rows.map((r) => [r.sink, r.found])) as FaultRow["delivered"],
            duplicates: Object.fromEntries(rows.map((r) => [r.sink, r.duplicates])) as FaultRow["duplicates"],
            lost: lostIn(rows),
            recoverySeconds: (outageRun.backAt - outageRun.upAt) / 1000,
            note: `${sentIn(outageRun, "down")} sent while down; back on the primary ${((outageRun.backAt - outageRun.upAt) / 1000).toFixed(1)} s after the fault ended`,
        });
        expectNoneLostNorDuplicated(rows);
        return { run: outageRun, rows };
    }

    /** The agent's log lines that detached the primary, from `from` (a character offset of its log) on. */
    const detachesSince = (p: LoopbackPipeline, from: number) => fs.readFileSync(p.agent.logFile, "utf8").slice(from).match(detached) ?? [];
    const logLength = (p: LoopbackPipeline) => fs.statSync(p.agent.logFile).size;
    /** The agent's log lines that detached the primary at or after `ms` (since the epoch), by their timestamps. */
    const detachesAfter = (p: LoopbackPipeline, ms: number) => fs.readFileSync(p.agent.logFile, "utf8").split("\n")
        .filter((line) => new RegExp(detached.source).test(line) && Date.parse(line.slice(0, 25).replace(" +0000", "Z").replace(" ", "T")) >= Math.floor(ms / 1000) * 1000);

    it("primary killed (SIGKILL) and left dead for 30 s: the secondary takes every event, then the primary takes them back", async () => {
        const p = await pipeline();
        const { run: r } = await run("primary killed, dead 30 s, restarted", p, {
            down: async () => { p.primary.signal("SIGKILL"); await p.primary.exited(); },
            holdMs: 30_000,
            up: () => p.primary.restart(),
        });
        expect(sentIn(r, "down")).toBeGreaterThan(100);
        expect(notThrough(p, r, "down", "secondary")).toEqual([]);
        expect(notThrough(p, r, "back", "primary")).toEqual([]);
        expect(p.agent.tail(5_000)).toMatch(/detached forwarding server 'primary'[^\n]*(reason|hard_timeout)/);
    }, 600_000);

    itWhen(iptables !== undefined, noCut ?? "")("agent ↔ primary network cut (packets dropped, no RST), then healed", async () => {
        const p = await pipeline();
        const link = loopbackCut(iptables!, p.primaryPort);
        try {
            const { run: r } = await run("agent ↔ primary cut 20 s, healed", p, { down: async () => link.cut(), holdMs: 20_000, up: async () => link.heal() });
            expect(notThrough(p, r, "down", "secondary")).toEqual([]);
            expect(notThrough(p, r, "back", "primary")).toEqual([]);
        } finally {
            link.heal();
        }
    }, 600_000);

    it("primary hung (SIGSTOP) under full load: a busy primary is never detached, a hung one is", async () => {
        const p = await pipeline();
        let loadLogFrom = 0;
        let busyDetaches: string[] = [];
        const { run: r } = await run("primary hung 15 s under full load", p, {
            // The load has run for 20 s before this: a primary that was detached meanwhile was only busy.
            down: async () => {
                loadLogFrom = logLength(p);
                await sleep(20_000);
                busyDetaches = detachesSince(p, loadLogFrom);
                loadLogFrom = logLength(p);
                p.primary.signal("SIGSTOP");
            },
            holdMs: 15_000,
            up: async () => { p.primary.signal("SIGCONT"); },
        }, { loadIn: ["before", "down"] });
        expect(r.ballast.sent).toBeGreaterThan(10_000);
        expect(await ballastDelivered(p, r, 600_000)).toEqual([]);
        // Busy before the hang, and busy again after it with what had piled up: never detached.
        expect(busyDetaches).toEqual([]);
        expect(detachesAfter(p, r.backAt)).toEqual([]);
        // Hung: detached, and the secondary took over. (Which events it took depends on the agent's backlog, a queue:
        // those sent during the hang may still wait behind the load when the primary returns.)
        expect(detachesSince(p, loadLogFrom).length).toBeGreaterThan(0);
        expect([...storedThrough(p).values()].filter((f) => f === "secondary").length).toBeGreaterThan(0);
        expect(notThrough(p, r, "back", "primary")).toEqual([]);
    }, 1_800_000);

    it("a slow sink (search answering each bulk request 3 s late) under load: backpressure, no failover", async () => {
        const p = await pipeline();
        const from = logLength(p);
        let queuedMax = 0;
        let watching = true;
        // The primary's search buffer holds what the sink has not taken yet: backpressure, shown by its queue.
        const watch = (async () => {
            while (watching) {
                queuedMax = Math.max(queuedMax, await searchQueued(p.primary.monitorPort));
                await sleep(500);
            }
        })();
        try {
            const { run: r } = await run("search 3 s late per bulk for 30 s, under load", p, {
                down: async () => p.sinks.elasticsearch.answerBulkAfter(3_000),
                holdMs: 30_000,
                up: async () => p.sinks.elasticsearch.answerBulkAfter(0),
            }, { loadIn: ["down"] });
            expect(r.ballast.sent).toBeGreaterThan(10_000);
            expect(await ballastDelivered(p, r, 600_000)).toEqual([]);
            expect(queuedMax).toBeGreaterThan(0);
            expect(detachesSince(p, from)).toEqual([]);
            expect(notThrough(p, r, "down", "primary")).toEqual([]);
        } finally {
            watching = false;
            await watch;
        }
    }, 1_800_000);

    describe("names", () => {
        const primaryHost = "primary.dle.test";
        let hosts: string;
        const dirs: string[] = [];
        afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
        /** Runs the agent with its own /etc/hosts, which the test rewrites in place (a bind mount keeps the file). */
        function agentWithOwnHosts(dir: string): string {
            hosts = path.join(dir, "hosts");
            fs.writeFileSync(hosts, "127.0.0.1 localhost\n");
            const command = path.join(dir, "fluentd-own-hosts");
            fs.writeFileSync(command, `#!/bin/sh\nexec ${unshare} --mount --propagation private sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' ${hosts} ${fluentd} "$@"\n`, { mode: 0o755 });
            return command;
        }
        const point = (address?: string) => fs.writeFileSync(hosts, `127.0.0.1 localhost\n${address === undefined ? "" : `${address} ${primaryHost}\n`}`);
        const ownHostsPipeline = (bind: string) => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-names-"));
            dirs.push(dir);
            return pipeline({ primaryHost, primaryBind: bind, agentCommand: agentWithOwnHosts(dir) });
        };

        itWhen(canRename, "no unshare --mount for this user")("a primary whose name resolves only after the agent started: the secondary first, then the primary", async () => {
            const p = await ownHostsPipeline("127.0.0.2");
            const { run: r } = await run("primary's name resolves late", p, {
                down: async () => undefined,
                holdMs: 5_000,
                up: async () => point("127.0.0.2"),
            }, { startsThrough: "secondary" });
            expect(notThrough(p, r, "before", "secondary")).toEqual([]);
            expect(notThrough(p, r, "down", "secondary")).toEqual([]);
            expect(notThrough(p, r, "back", "primary")).toEqual([]);
        }, 600_000);

        itWhen(canRename, "no unshare --mount for this user")("a primary replaced at a new address: found there within the DNS expiry", async () => {
            const p = await ownHostsPipeline("127.0.0.2");
            point("127.0.0.2");
            const { run: r } = await run("primary replaced at a new address", p, {
                down: async () => { p.primary.signal("SIGKILL"); await p.primary.exited(); point("127.0.0.3"); },
                holdMs: 10_000,
                up: () => p.primary.restart({ FLUENTD_BIND: "127.0.0.3" }),
            });
            expect(notThrough(p, r, "down", "secondary")).toEqual([]);
            expect(notThrough(p, r, "back", "primary")).toEqual([]);
            // agent.conf's expire_dns_cache: a cached address would be dropped by then anyway.
            expect(r.backAt - r.upAt).toBeLessThan(60_000);
        }, 600_000);
    });
});

/** The events the forwarder's search output holds in its buffer, from its monitor_agent. */
async function searchQueued(monitorPort: number): Promise<number> {
    const answer = await fetch(`http://127.0.0.1:${monitorPort}/api/plugins.json`).then((r) => r.json(), () => undefined) as { plugins?: { plugin_id: string; buffer_total_queued_size?: number }[] } | undefined;
    return answer?.plugins?.find((plugin) => plugin.plugin_id === "search")?.buffer_total_queued_size ?? 0;
}
