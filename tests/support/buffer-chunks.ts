/**
 * fluentd's file buffer chunks on disk, for tests that kill a fluentd while it holds some and check that the next
 * fluentd on the same directory takes them up (it restores a file buffer's chunks at start).
 */
import * as fs from "fs";
import * as path from "path";

/** The chunk files under `dir` (buffer.<b|q><chunk id>.log, each with a .meta beside it). */
export function chunkFiles(dir: string): string[] {
    return fs.existsSync(dir)
        ? fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => /(^|\/)buffer\.[bq][0-9a-f]+\.log$/.test(f)).map((f) => path.join(dir, f))
        : [];
}

/** The chunks that a fluentd's log does not say it restored (with flush_at_shutdown, fluentd warns of each it restores). */
export function unrestored(chunks: string[], log: string): string[] {
    return chunks.filter((chunk) => !log.includes(`restoring buffer file: path = ${chunk}`));
}
