/**
 * A second `pulumi up` of the local stack must change nothing: every Docker input is written in the form the
 * Docker provider reads back from the engine. Values written otherwise (a health check's "60s", which Docker
 * reports as "1m0s"; a memory limit without a swap limit, which Docker sets to twice the memory) show as a
 * change on every preview and replace the container on every up.
 */
import { goDuration } from "../../components/platform/local-container";
import { RecordedResource, installMocks, programLoadTimeoutMs, runProgram, unwrapSecrets } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "local" });

beforeAll(async () => {
    await runProgram();
}, programLoadTimeoutMs);

const containers = () => resources.filter((r) => r.type === "docker:index/container:Container");

/**
 * Go's time.Duration.String() for whole seconds: "0s" to "59s", then "1m0s" to "59m59s", then "1h0m0s" and up.
 * Written out here rather than taken from the program, so that the program's formatter is checked too.
 */
const goCanonicalSeconds = /^(?:[1-9]\d*h[1-5]?\dm|(?:[1-9]|[1-5]\d)m)?[1-5]?\ds$/;

describe("Docker inputs as the provider reads them back", () => {
    it("the canonical-form check itself tells Go's durations from others", () => {
        expect(["0s", "5s", "59s", "1m0s", "1m30s", "59m59s", "1h0m0s", "2h5m3s"].filter((d) => !goCanonicalSeconds.test(d))).toEqual([]);
        expect(["60s", "90s", "05s", "1m", "60m0s", "1h", "1h5s", "0m5s", "1m60s"].filter((d) => goCanonicalSeconds.test(d))).toEqual([]);
    });

    it("goDuration writes whole seconds in Go's form", () => {
        expect([0, 5, 10, 59, 60, 90, 3599, 3600, 3661].map(goDuration)).toEqual(["0s", "5s", "10s", "59s", "1m0s", "1m30s", "59m59s", "1h0m0s", "1h1m1s"]);
        expect(() => goDuration(1.5)).toThrow("`seconds` must be a whole number of seconds, got 1.5");
    });

    it("writes every container's health check durations in Go's form", () => {
        const written = containers().flatMap((c) => {
            const check = unwrapSecrets(c.inputs.healthcheck) as Record<string, unknown>;
            return ["interval", "timeout", "startPeriod", "startInterval"]
                .filter((field) => check[field] !== undefined)
                .map((field) => `${c.name} ${field}=${String(check[field])}`);
        });
        expect(written.length).toBeGreaterThanOrEqual(containers().length * 3);
        expect(written.filter((entry) => !goCanonicalSeconds.test(entry.split("=")[1]))).toEqual([]);
    });

    it("replaces a container whose health check changes: Docker cannot change it in place", () => {
        expect(containers().length).toBeGreaterThanOrEqual(12);
        expect(containers().filter((c) => !(c.replaceOnChanges ?? []).includes("healthcheck")).map((c) => c.name)).toEqual([]);
    });

    it("sets a swap limit equal to the memory limit wherever a memory limit is set", () => {
        const limited = containers().filter((c) => c.inputs.memory !== undefined);
        // The search container is limited; a check over nothing would prove nothing.
        expect(limited.map((c) => c.name)).toContain("dle-log-search");
        expect(limited.filter((c) => c.inputs.memorySwap !== c.inputs.memory).map((c) => `${c.name}: memory ${c.inputs.memory}, memorySwap ${c.inputs.memorySwap}`)).toEqual([]);
    });
});
