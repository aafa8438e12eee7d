/**
 * The fault table's scenarios for the sql sink: the real pipeline on loopback with dle:sinks store,search,archive,sql,
 * writing to a real PostgreSQL 17. PostgreSQL down for DLE_FAULT_OUTAGE_SECONDS (default 60) while events keep coming,
 * and PostgreSQL refusing some rows: lost must be 0 (a refused row is kept in the forwarder's error path), and so must
 * duplicates in PostgreSQL, whose primary key is the event id. The other sinks must lose nothing meanwhile.
 */
import * as fs from "fs";
import * as path from "path";
import { FluentClient } from "@fluent-org/logger";
import { DeliveryRow, markersFor, waitForDelivery } from "../verify/delivery";
import { SinkName, markerParameter, newRunId, withProbes } from "../verify/probes";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { LoopbackPipeline, startLoopbackPipeline } from "../support/loopback-pipeline";
import { accessLine } from "../support/log-lines";
import { installMocks } from "../support/mocks";
import { locatePostgres } from "../support/postgres";
import { SqlDelivery, waitForSqlDelivery } from "../support/sql-sink";
import { describeWhen } from "../support/tools";
import { FaultRow, duplicatesIn, lostIn } from "./fault-table";
import { faultSuiteLifecycle } from "./fault-suite";
import { setTimeout as sleep } from "timers/promises";

// Archive uploads every 2 s, so a scenario does not wait on S3 objects.
const resources = installMocks({ target: "local", archiveFlushSeconds: "2", sinks: "store,search,archive,sql" });
const outageSeconds = Number(process.env.DLE_FAULT_OUTAGE_SECONDS ?? 60);
const postgres = locatePostgres();
const table: FaultRow[] = [];

describeWithFluentdAndOpenssl("fault tests of the sql sink", (fluentd) => {
    describeWhen(postgres.prefix, "with PostgreSQL 17", postgres.reason ?? "", (prefix) => {
        const running = faultSuiteLifecycle(table);

        async function pipeline(): Promise<LoopbackPipeline> {
            const started = await startLoopbackPipeline(fluentd, resources, { postgres: prefix });
            running.push(started);
            return started;
        }

        /**
         * Waits for the markers in every sink (PostgreSQL too, but for `refused`), records the scenario's row; `kept`: the
         * refused markers found in the error path, which count as accounted for.
         */
        async function account(scenario: string, p: LoopbackPipeline, runId: string, markers: string[], options: { recoveredFrom?: number; refused?: string[]; note?: string } = {}):
            Promise<{ rows: DeliveryRow[]; sql: SqlDelivery }> {
            const rows = await withProbes(p.outputs, (probes) => waitForDelivery(probes, runId, markers, { timeoutMs: 180_000, pollMs: 1_000, since: new Date(Date.now() - 900_000) }));
            const sql = await waitForSqlDelivery(p.sinks.postgres!, runId, markers, 180_000, options.refused);
            table.push({
                scenario,
                sent: markers.length,
                delivered: Object.fromEntries(rows.map((r) => [r.sink, r.found])) as Record<SinkName, number>,
                duplicates: Object.fromEntries(rows.map((r) => [r.sink, r.duplicates])) as Record<SinkName, number>,
                sql: { delivered: sql.found, duplicates: sql.duplicates },
                lost: Math.max(lostIn(rows), sql.missing.filter((m) => !(options.refused ?? []).includes(m)).length),
                recoverySeconds: options.recoveredFrom === undefined ? undefined : (Date.now() - options.recoveredFrom) / 1000,
                note: options.note,
            });
            return { rows, sql };
        }

        it(`PostgreSQL down for ${outageSeconds} s while events keep coming`, async () => {
            const p = await pipeline();
            const runId = newRunId();
            const markers = markersFor(runId, 0, 200);
            let backAt = 0;
            let outageDone: Promise<void> = Promise.resolve();
            // Down after 50 events; the other 150 arrive during the outage.
            for (const [i, marker] of markers.entries()) {
                if (i === 50) {
                    outageDone = (async () => {
                        await p.sinks.takeDown("sql");
                        await sleep(outageSeconds * 1000);
                        await p.sinks.bringBack("sql");
                        backAt = Date.now();
                    })();
                }
                await p.send([marker]);
                await sleep(i >= 50 ? (outageSeconds * 500) / 150 : 10);
            }
            await outageDone;
            const { rows, sql } = await account(`sql down ${outageSeconds} s`, p, runId, markers, { recoveredFrom: backAt });
            expect(sql).toEqual({ found: 200, duplicates: 0, missing: [] });
            expect(lostIn(rows)).toBe(0);
            expect(duplicatesIn(rows, ["store", "search"])).toBe(0);
            // The chunks waited in the sql sink's own buffer and were retried: fluentd said so.
            expect(p.primary.tail(200_000)).toMatch(/\[sql\] failed to flush the buffer\./);
        }, (outageSeconds + 420) * 1000);

        it("PostgreSQL refusing some rows: those go to the error path, the rest of their chunks are inserted", async () => {
            const p = await pipeline();
            const runId = newRunId();
            // The table exists once the first events are in; then a constraint makes PostgreSQL refuse the marked rows.
            const warmup = markersFor(runId, 0, 5);
            await p.send(warmup);
            expect((await waitForSqlDelivery(p.sinks.postgres!, runId, warmup, 90_000)).missing).toEqual([]);
            const rejectMarker = "reject-me";
            await p.sinks.postgres!.query(`ALTER TABLE logs ADD CONSTRAINT dle_test_refuses CHECK (log NOT LIKE '%${rejectMarker}%')`);
            const accepted = markersFor(runId, 5, 100);
            const refused = markersFor(runId, 105, 10);
            const client = new FluentClient(null, { eventMode: "Message", socket: { host: "127.0.0.1", port: p.agentPort } });
            // The refused ones among the others, so that they share chunks with rows PostgreSQL takes.
            for (const [i, marker] of accepted.entries()) {
                await client.emit("webapp", { container_name: "/dle-webapp", source: "stdout", log: accessLine({ marker }) });
                if (i % 10 === 5) {
                    const r = refused[Math.floor(i / 10)];
                    await client.emit("webapp", { container_name: "/dle-webapp", source: "stdout", log: `${accessLine({ marker: r })} ${rejectMarker}` });
                }
            }
            await client.disconnect();
            const all = [...warmup, ...accepted, ...refused];
            const { rows, sql } = await account("sql refuses 10 rows", p, runId, all, { refused, note: "10 refused by PostgreSQL: in the error path" });
            expect(sql.missing.sort()).toEqual([...refused].sort());
            expect(sql.duplicates).toBe(0);
            expect(lostIn(rows)).toBe(0);
            // Each refused row is kept in the forwarder's error path; PostgreSQL's reason is in the forwarder's log.
            const errorPath = path.join(p.dir, "primary", "rejected", "records");
            const kept = await waitForFiles(errorPath, refused);
            expect(kept.sort()).toEqual([...refused].sort());
            expect(p.primary.tail(200_000)).toMatch(/send an error event to @ERROR: .*PostgreSQL refused the row: .*dle_test_refuses/);
            table[table.length - 1].lost = sql.missing.filter((m) => !kept.includes(m)).length;
            expect(table[table.length - 1].lost).toBe(0);
        }, 400_000);
    });
});

function readAll(dir: string): string {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))) : [];
    return files.filter((f) => !f.includes(`${path.sep}buffer`) && fs.statSync(f).isFile()).map((f) => fs.readFileSync(f, "utf8")).join("\n");
}

/** The markers found in the error path's files, waiting up to a minute for them to be written (every 5 s). */
async function waitForFiles(dir: string, markers: string[]): Promise<string[]> {
    let found: string[] = [];
    for (let i = 0; i < 60 && found.length < markers.length; i++) {
        if (i > 0) await sleep(1_000);
        const text = readAll(dir);
        found = markers.filter((m) => new RegExp(`${markerParameter}=${m}(?!\\d)`).test(text));
    }
    return found;
}
