/**
 * The policy pack over the aws stack as the mocked program registers it, with the default config: no mandatory
 * violation, and one named exception, advisory: ELB.1, since no certificate is configured (FSBP, policy/fsbp.ts;
 * docs/aws.md says why). Every other FSBP control the pack checks is met.
 */
import { asLines, policyViolations } from "../support/policy-harness";
import { dlePolicies } from "../../policy/policies";
import { RecordedResource, installMocks, programLoadTimeoutMs, runProgram } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws" });

beforeAll(async () => {
    await runProgram();
}, programLoadTimeoutMs);

it("finds no violation in the aws stack with the default config but the named exception ELB.1 (no certificate)", async () => {
    expect(dlePolicies.length).toBeGreaterThanOrEqual(20);
    expect(asLines(await policyViolations(resources))).toEqual([
        "(advisory) fsbp-elb-1-https-redirect dle-webapp: ELB.1: the HTTP listener of dle-webapp does not redirect to HTTPS (no dle:albCertificateArn: the stack serves plain HTTP)",
    ]);
});
