/**
 * A second `pulumi up` of the local stack must change nothing: every Docker input is written in the form the
 * Docker provider reads back from the engine. Values written otherwise (a health check's "60s", which Docker
 * reports as "1m0s"; a memory limit without a swap limit, which Docker sets to twice the memory) show as a
 * change on every preview and replace the container on every up.
 */
import { goDuration } from "../../components/platform/local-container";
import { dockerReadBack } from "../../policy/docker";
import { asLines, policyViolations } from "../support/policy-harness";
import { RecordedResource, installMocks, programLoadTimeoutMs, runProgram, unwrapSecrets } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "local" });

beforeAll(async () => {
    await runProgram();
}, programLoadTimeoutMs);

// The containers that run (a files container only holds uploads: components/platform/local-container.ts).
const containers = () => resources.filter((r) => r.type === "docker:index/container:Container" && r.inputs.start !== false);

describe("Docker inputs as the provider reads them back", () => {
    it("goDuration writes whole seconds in Go's form", () => {
        expect([0, 5, 10, 59, 60, 90, 3599, 3600, 3661].map(goDuration)).toEqual(["0s", "5s", "10s", "59s", "1m0s", "1m30s", "59m59s", "1h0m0s", "1h1m1s"]);
        expect(() => goDuration(1.5)).toThrow("`seconds` must be a whole number of seconds, got 1.5");
    });

    it("writes every container's health check durations in Go's form, and a swap limit equal to any memory limit", async () => {
        // The rules are the policy pack's (policy/docker.ts); policy-violations-local.test.ts shows them failing.
        const durations = containers().flatMap((c) => Object.keys(unwrapSecrets(c.inputs.healthcheck) as Record<string, unknown>));
        expect(durations.length).toBeGreaterThanOrEqual(containers().length * 3);
        // The search container is limited; a check over nothing would prove nothing.
        expect(containers().filter((c) => c.inputs.memory !== undefined).map((c) => c.name)).toContain("dle-log-search");
        expect(asLines(await policyViolations(resources, [dockerReadBack]))).toEqual([]);
    });

    it("replaces a container whose health check changes: Docker cannot change it in place", () => {
        expect(containers().length).toBeGreaterThanOrEqual(12);
        expect(containers().filter((c) => !(c.replaceOnChanges ?? []).includes("healthcheck")).map((c) => c.name)).toEqual([]);
    });
});
