/**
 * The policy pack over the aws stack as the mocked program registers it, with the default config: no mandatory
 * violation, and two named exceptions, advisory: ELB.1, since no certificate is configured, and Opensearch.5, since
 * the domain has no fine-grained access control (FSBP, policy/fsbp.ts; docs/aws.md says why).
 */
import { asLines, policyViolations } from "../support/policy-harness";
import { dlePolicies } from "../../policy/policies";
import { RecordedResource, installMocks, programLoadTimeoutMs, runProgram } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws" });

beforeAll(async () => {
    await runProgram();
}, programLoadTimeoutMs);

it("finds no violation in the aws stack with the default config but the named exceptions ELB.1 (no certificate) and Opensearch.5", async () => {
    expect(dlePolicies.length).toBeGreaterThanOrEqual(20);
    expect(asLines(await policyViolations(resources))).toEqual([
        "(advisory) fsbp-elb-1-https-redirect dle-webapp: ELB.1: the HTTP listener of dle-webapp does not redirect to HTTPS (no dle:albCertificateArn: the stack serves plain HTTP)",
        "(advisory) fsbp-opensearch-5-audit-logs dle-log-search: Opensearch.5: publishes no audit logs (they need fine-grained access control, which the stack does not enable: docs/aws.md)",
    ]);
});
