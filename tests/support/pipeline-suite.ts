/**
 * One loopback pipeline shared by the tests of a describe block, with the api logging to it as its container does
 * (its records to the agent's application input, tagged api): the program loaded and both started before the first
 * test, both stopped after the last, and the fluentd logs printed after any test that failed.
 */
import { ApiProcess, startApi } from "./api-process";
import { LoopbackPipeline, startLoopbackPipeline } from "./loopback-pipeline";
import { RecordedResource, programLoadTimeoutMs, runProgram } from "./mocks";

/** Loading the program, then starting three fluentds, the sinks and the api on a loaded 2-core machine. */
export const pipelineStartTimeoutMs = programLoadTimeoutMs + 120_000;

/** Filled in by the describe block's beforeAll: read its fields inside tests and hooks only. */
export interface PipelineWithApi {
    pipeline: LoopbackPipeline;
    api: ApiProcess;
}

export function sharedPipelineWithApi(fluentd: string, resources: RecordedResource[]): PipelineWithApi {
    const shared = {} as PipelineWithApi;

    beforeAll(async () => {
        await runProgram();
        shared.pipeline = await startLoopbackPipeline(fluentd, resources);
        shared.api = await startApi(shared.pipeline.appPort, "api", shared.pipeline.dir);
    }, pipelineStartTimeoutMs);

    afterAll(async () => {
        await shared.api?.stop();
        await shared.pipeline?.stop();
    }, 60_000);

    afterEach(() => {
        const state = expect.getState();
        // No pipeline when beforeAll failed: its own error says why.
        if (state.assertionCalls !== state.numPassingAsserts) process.stdout.write(`\n${shared.pipeline?.logs() ?? "(the pipeline did not start)"}\n`);
    });

    return shared;
}
