/**
 * What the sql sink (a real PostgreSQL, tests/support/postgres.ts) holds of a run's markers: how many rows each has,
 * read from the `log` column that every row carries.
 */
import { markersIn } from "../../components/canary/service/probes";
import { PostgresServer } from "./postgres";
import { setTimeout as sleep } from "timers/promises";

export interface SqlDelivery {
    /** Markers with at least one row. */
    found: number;
    /** Rows beyond the first of a marker: the primary key on event_id keeps this 0 whatever is sent again. */
    duplicates: number;
    missing: string[];
}

/** The rows of the run `runId` in `logs` (none before the forwarders have created the table). */
export async function sqlRowsOf(pg: PostgresServer, runId: string, columns = "log"): Promise<string[][]> {
    if (!/^[A-Za-z0-9]+$/.test(runId)) throw new Error(`a run id of letters and digits, not ${runId}`);
    const exists = await pg.query("SELECT to_regclass('public.logs') IS NOT NULL");
    if (exists[0] !== "t") return [];
    return (await pg.query(`SELECT ${columns} FROM logs WHERE log LIKE '%${runId}-%'`)).map((line) => line.split("\t"));
}

export async function sqlDelivery(pg: PostgresServer, runId: string, expected: string[]): Promise<SqlDelivery> {
    const counts = new Map<string, number>();
    for (const [log] of await sqlRowsOf(pg, runId)) {
        for (const marker of new Set(markersIn(log, runId))) counts.set(marker, (counts.get(marker) ?? 0) + 1);
    }
    const missing = expected.filter((m) => !counts.has(m));
    const duplicates = expected.reduce((sum, m) => sum + Math.max(0, (counts.get(m) ?? 0) - 1), 0);
    return { found: expected.length - missing.length, duplicates, missing };
}

/** Polls until every marker but those in `absent` has a row, or `timeoutMs` has passed; then the last reading. */
export async function waitForSqlDelivery(pg: PostgresServer, runId: string, expected: string[], timeoutMs: number, absent: string[] = []): Promise<SqlDelivery> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const delivery = await sqlDelivery(pg, runId, expected);
        if (delivery.missing.every((m) => absent.includes(m)) || Date.now() > deadline) return delivery;
        await sleep(1_000);
    }
}
