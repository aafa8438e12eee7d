/**
 * The policy pack over the aws stack as the mocked program registers it, with the default config: no violation.
 */
import { asLines, policyViolations } from "../support/policy-harness";
import { dlePolicies } from "../../policy/policies";
import { RecordedResource, installMocks, programLoadTimeoutMs, runProgram } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws" });

beforeAll(async () => {
    await runProgram();
}, programLoadTimeoutMs);

it("finds no violation in the aws stack with the default config", async () => {
    expect(dlePolicies.length).toBeGreaterThanOrEqual(20);
    expect(asLines(await policyViolations(resources))).toEqual([]);
});
