/**
 * The project's fluentd configs, checked by a real fluentd (`--dry-run`) with exactly the environment
 * the local stack's components give each container.
 */
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { describeWithFluentd } from "../support/fluentd";
import { fluentdDir } from "../support/fluentd-config";
import { RecordedResource, containerEnv, installMocks, runProgram } from "../support/mocks";

const run = promisify(execFile);
const resources: RecordedResource[] = installMocks({ target: "local" });

const envOf = (name: string) => containerEnv(resources, name);

describeWithFluentd("fluentd --dry-run on the project's configs", (fluentd) => {
    beforeAll(async () => {
        await runProgram();
    });

    it.each([
        ["dle-log-agent"],
        ["dle-log-forwarder-pri"],
        ["dle-log-forwarder-sec"],
    ])("accepts the config of %s", async (name) => {
        const env = envOf(name);
        const config = path.join(fluentdDir, env.FLUENTD_CONF);
        const { stdout } = await run(fluentd, ["--dry-run", "-c", config], {
            env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
            timeout: 60_000,
        });
        expect(stdout).toContain("finished dry run mode");
        // No parameter fluentd does not know (a v0.12 leftover, a typo): fluentd only warns about those.
        expect(stdout).not.toMatch(/parameter '[^']+' in .* is not used/);
    }, 90_000);

    it("stops at start, naming the variable, when the environment lacks one", async () => {
        const { SEARCH_PASSWORD: _, ...env } = envOf("dle-log-forwarder-pri");
        await expect(run(fluentd, ["--dry-run", "-c", path.join(fluentdDir, "forwarder.conf")], {
            env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
            timeout: 60_000,
        })).rejects.toMatchObject({ stderr: expect.stringContaining('key not found: "SEARCH_PASSWORD"') });
    }, 90_000);
});
