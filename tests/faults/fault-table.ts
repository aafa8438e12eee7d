/**
 * The fault report: one row per scenario (sent, delivered per sink, duplicates per sink, lost, recovery seconds).
 */
import { DeliveryRow } from "../verify/delivery";
import { SinkName } from "../verify/probes";

export interface FaultRow {
    scenario: string;
    sent: number;
    delivered: Record<SinkName, number>;
    /** Extra copies per sink: the store and the search index keep one per event id; the archive may keep more. */
    duplicates: Record<SinkName, number>;
    /** Markers missing from a sink and not accounted for elsewhere (an error path). */
    lost: number;
    /** Seconds from the end of the fault (resume, restart, sink back) until every marker was in every sink. */
    recoverySeconds?: number;
    note?: string;
    /** With the sql sink (PostgreSQL): markers with a row, and rows beyond the first of a marker. */
    sql?: { delivered: number; duplicates: number };
}

/** Extra copies of markers in these sinks, together. */
export function duplicatesIn(rows: DeliveryRow[], sinks: SinkName[]): number {
    return rows.filter((r) => sinks.includes(r.sink)).reduce((sum, r) => sum + r.duplicates, 0);
}

/** Markers missing in any sink: the most any one sink misses. */
export function lostIn(rows: DeliveryRow[]): number {
    return Math.max(0, ...rows.map((r) => r.missing.length));
}

export function formatFaultTable(rows: FaultRow[]): string {
    // The sql sink's columns only in a table that has the sink.
    const sql = rows.some((r) => r.sql !== undefined);
    const header = ["scenario", "sent", "store", "search", "archive", ...(sql ? ["sql"] : []), "duplicates store/search", "duplicates archive",
        ...(sql ? ["duplicates sql"] : []), "lost", "recovery s", "note"];
    const body = rows.map((r) => [
        r.scenario, String(r.sent), String(r.delivered.store), String(r.delivered.search), String(r.delivered.archive),
        ...(sql ? [String(r.sql?.delivered ?? "-")] : []),
        `${r.duplicates.store}/${r.duplicates.search}`, String(r.duplicates.archive),
        ...(sql ? [String(r.sql?.duplicates ?? "-")] : []), String(r.lost),
        r.recoverySeconds === undefined ? "-" : r.recoverySeconds.toFixed(1), r.note ?? "",
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
