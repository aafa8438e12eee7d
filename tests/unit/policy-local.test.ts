/**
 * The policy pack over the local stack as the mocked program registers it, with the default config: no violation.
 */
import { asLines, policyViolations } from "../support/policy-harness";
import { RecordedResource, installMocks, programLoadTimeoutMs, runProgram } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "local" });

beforeAll(async () => {
    await runProgram();
}, programLoadTimeoutMs);

it("finds no violation in the local stack with the default config", async () => {
    expect(asLines(await policyViolations(resources))).toEqual([]);
});
