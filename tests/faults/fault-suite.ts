/**
 * The lifecycle every fault suite shares: the mocked program loaded once, each test's pipelines stopped after it
 * (with their logs printed when it failed), and the suite's table printed at the end.
 */
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
        if (table.length > 0) process.stdout.write(`\n${formatFaultTable(table)}\n`);
    });
    return running;
}
