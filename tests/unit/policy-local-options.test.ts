/**
 * The policy pack over the local stack with other ports, an empty archive key prefix, a long bucket name and another
 * index prefix: no violation.
 */
import { asLines, policyViolations } from "../support/policy-harness";
import { RecordedResource, installMocks, programLoadTimeoutMs, runProgram } from "../support/mocks";

const resources: RecordedResource[] = installMocks({
    target: "local",
    webappPort: "18000",
    searchPort: "19200",
    kibanaPort: "15601",
    archiveKeyPrefix: "",
    archiveBucket: "a".repeat(63),
    searchIndexPrefix: "app-logs",
});

beforeAll(async () => {
    await runProgram();
}, programLoadTimeoutMs);

it("finds no violation in the local stack with other ports and names", async () => {
    expect(resources.filter((r) => r.type === "docker:index/container:Container").length).toBeGreaterThanOrEqual(12);
    expect(asLines(await policyViolations(resources))).toEqual([]);
});
