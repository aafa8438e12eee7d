/**
 * The lifecycle every fault suite shares: the mocked program loaded once, each test's pipelines stopped after it
 * (with their logs printed when it failed), and the suite's table printed at the end (and appended to
 * `$DLE_FAULT_TABLES` where that is set).
 */
import * as fs from "fs";
import { LoopbackPipeline } from "../support/loopback-pipeline";
import { programLoadTimeoutMs, runProgram } from "../support/mocks";
import { FaultRow, formatFaultTable } from "./fault-table";

/** Registers the hooks in the calling `describe`; returns the list a test adds the pipelines it starts to. */
export function faultSuiteLifecycle(table: FaultRow[]): LoopbackPipeline[] {
    const running: LoopbackPipeline[] = [];
    beforeAll(() => runProgram(), programLoadTimeoutMs);
    afterEach(async () => {
        const state = expect.getState();
        if (state.assertionCalls !== state.numPassingAsserts) {
            for (const p of running) process.stdout.write(`\n${p.logs()}\n`);
        }
        await Promise.all(running.splice(0).map((p) => p.stop()));
    }, 60_000);
    afterAll(() => {
        if (table.length === 0) return;
        const text = formatFaultTable(table);
        process.stdout.write(`\n${text}\n`);
        // .ci/run shows every suite's table again at the end of its output.
        if (process.env.DLE_FAULT_TABLES) fs.appendFileSync(process.env.DLE_FAULT_TABLES, `${text}\n\n`);
    });
    return running;
}
