/**
 * A local stack with `dle:canary false`: no canary, no read-only users for it, nothing for Prometheus to scrape, and
 * nothing for `npm run verify` to read.
 */
import { RecordedResource, containerUploads, installMocks, programLoadTimeoutMs, runProgram, unwrapSecrets } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "local", canary: "false" });
let program: Record<string, unknown>;

beforeAll(async () => {
    program = await runProgram();
}, programLoadTimeoutMs);

describe("a local stack without the canary", () => {
    it("has no canary component, container, image or users", () => {
        expect(resources.filter((r) => r.name.startsWith("dle-canary")).map((r) => `${r.type} ${r.name}`)).toEqual([]);
    });

    it("gives Prometheus no canary to scrape", () => {
        const config = (unwrapSecrets(containerUploads(resources, "dle-monitoring-prometheus")) as { file: string; content: string }[]).find((u) => u.file === "/etc/prometheus/prometheus.yml")!;
        expect(JSON.parse(config.content).scrape_configs.map((j: { job_name: string }) => j.job_name)).not.toContain("canary");
    });

    it("says so in its outputs", () => {
        expect(program.canaryEnabled).toBe(false);
        expect(program.canaryWaitSeconds).toBeUndefined();
    });
});
