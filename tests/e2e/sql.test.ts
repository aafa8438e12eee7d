/**
 * The sql sink end to end: the project's agent and forwarder configs in real fluentd processes on loopback, with
 * dle:sinks store,search,archive,sql, writing to a real PostgreSQL 17. Every event lands exactly once as a row, its
 * columns the parsed fields the migration (fluentd/sql/001_logs.sql) names, the other sinks unaffected.
 */
import { assertDelivered, markersFor, waitForDelivery } from "../verify/delivery";
import { newRunId, withProbes } from "../verify/probes";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { LoopbackPipeline, startLoopbackPipeline } from "../support/loopback-pipeline";
import { installMocks, programLoadTimeoutMs, runProgram } from "../support/mocks";
import { locatePostgres } from "../support/postgres";
import { sqlRowsOf, waitForSqlDelivery } from "../support/sql-sink";
import { describeWhen } from "../support/tools";

const resources = installMocks({ target: "local", archiveFlushSeconds: "2", sinks: "store,search,archive,sql" });
const postgres = locatePostgres();

describeWithFluentdAndOpenssl("the sql sink on loopback, in real fluentd and PostgreSQL 17", (fluentd) => {
    describeWhen(postgres.prefix, "with PostgreSQL 17", postgres.reason ?? "", (prefix) => {
        let p: LoopbackPipeline;

        beforeAll(async () => {
            await runProgram();
            p = await startLoopbackPipeline(fluentd, resources, { postgres: prefix });
        }, programLoadTimeoutMs + 180_000);

        afterAll(async () => { await p?.stop(); }, 60_000);

        it("writes every event exactly once, the parsed fields as columns and the rest as jsonb", async () => {
            const runId = newRunId();
            const since = new Date(Date.now() - 60_000);
            const markers = markersFor(runId, 0, 200);
            const sentAt = Date.now();
            await p.send(markers);
            const sql = await waitForSqlDelivery(p.sinks.postgres!, runId, markers, 90_000);
            expect(sql).toEqual({ found: 200, duplicates: 0, missing: [] });
            const rows = await sqlRowsOf(p.sinks.postgres!, runId,
                `event_id, app, log_type, forwarder, extract(epoch from "@timestamp"), fields->>'method', fields->>'status', jsonb_typeof(fields->'status'), fields->>'container_name', fields ? 'event_id'`);
            for (const [eventId, app, logType, forwarder, epoch, method, status, statusType, container, idInFields] of rows) {
                expect(eventId).toMatch(/^[A-Za-z0-9+/=_-]{16,}$/);
                expect([app, logType, forwarder, method, status, statusType, container, idInFields]).toEqual(["webapp", "nginx_access", "primary", "GET", "200", "number", "/dle-webapp", "f"]);
                expect(Math.abs(Number(epoch) * 1000 - sentAt)).toBeLessThan(120_000);
            }
            // The other sinks got them all too.
            assertDelivered(await withProbes(p.outputs, (probes) => waitForDelivery(probes, runId, markers, { timeoutMs: 90_000, pollMs: 500, since })));
        }, 240_000);

        it("keeps one row per event when the forwarder's buffer sends its chunks again after a restart", async () => {
            const runId = newRunId();
            const markers = markersFor(runId, 0, 50);
            await p.send(markers);
            expect((await waitForSqlDelivery(p.sinks.postgres!, runId, markers, 90_000)).missing).toEqual([]);
            // Rows written again directly, as a chunk sent twice would be: the primary key turns them away.
            const [inserted] = await p.sinks.postgres!.query(
                `WITH again AS (INSERT INTO logs SELECT * FROM logs WHERE log LIKE '%${runId}-%' ON CONFLICT (event_id) DO NOTHING RETURNING 1) SELECT count(*) FROM again`);
            expect(inserted).toBe("0");
            expect((await waitForSqlDelivery(p.sinks.postgres!, runId, markers, 1_000)).duplicates).toBe(0);
        }, 240_000);
    });
});
