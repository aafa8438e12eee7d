/**
 * dle_forward (fluentd/plugins/out_dle_forward.rb) against the tests' fluentd: the out_forward internals it relies
 * on are there, the upstream defect it works around is still there, and its fix takes effect. A fluentd upgrade that
 * changes any of them fails here, naming what changed. The failover itself, end to end, is in
 * tests/faults/failover.test.ts.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { describeWithFluentd } from "../support/fluentd";
import { fluentdPluginDir } from "../support/fluentd-config";
import { freePort } from "../support/fluentd-process";

const run = promisify(execFile);

describeWithFluentd("dle_forward on the tests' fluentd", (fluentd) => {
    let dir: string;
    beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-forward-")); });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    /**
     * A dry run of an output of `type` to a primary whose name never resolves (.invalid, RFC 6761) and a standby on
     * loopback, with acks as the agent has them; `extra` are more fluentd arguments. Its log, whether or not it started.
     */
    async function dryRun(type: string, extra: string[] = []): Promise<{ ok: boolean; log: string }> {
        const config = path.join(dir, `${type}.conf`);
        fs.writeFileSync(config, [
            "<match **>",
            `  @type ${type}`,
            "  require_ack_response true",
            "  heartbeat_type transport",
            "  ignore_network_errors_at_startup true",
            "  <server>\n    name primary\n    host primary.invalid\n    port 24224\n  </server>",
            `  <server>\n    name secondary\n    host 127.0.0.1\n    port ${await freePort()}\n    standby\n  </server>`,
            "</match>",
        ].join("\n"));
        try {
            const { stdout } = await run(fluentd, ["--dry-run", "-c", config, "-p", fluentdPluginDir, ...extra], { env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 60_000 });
            return { ok: true, log: stdout };
        } catch (error) {
            const failed = error as { stdout?: string; stderr?: string };
            return { ok: false, log: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
        }
    }

    it("finds every out_forward internal it relies on, and brings the standby in when the primary's name does not resolve", async () => {
        const { ok, log } = await dryRun("dle_forward");
        expect(log).toContain("finished dry run mode");
        expect(ok).toBe(true);
        expect(log).toMatch(/detached forwarding server 'primary' host="primary\.invalid" port=24224 reason="its name does not resolve"/);
        expect(log).toMatch(/using standby node 127\.0\.0\.1:\d+/);
    }, 90_000);

    it("is still needed: fluentd's own out_forward leaves the standby out when the primary's name does not resolve", async () => {
        // When this fails, fluentd fixed the defect the plugin's header describes: the plugin may go.
        const { ok, log } = await dryRun("forward");
        expect(ok).toBe(true);
        expect(log).toMatch(/failed to resolve node name when configured server="primary"/);
        expect(log).not.toMatch(/using standby node/);
    }, 90_000);

    it("refuses to start, naming what is missing, on a fluentd whose out_forward changed", async () => {
        // A fluentd whose failure detector has no #clear, as a release that reworked it might.
        const changed = path.join(dir, "changed-out-forward.rb");
        fs.writeFileSync(changed, "require 'fluent/plugin/out_forward'\nFluent::Plugin::ForwardOutput::FailureDetector.send(:remove_method, :clear)\n");
        const { ok, log } = await dryRun("dle_forward", ["-r", changed]);
        expect(ok).toBe(false);
        expect(log).toMatch(/dle_forward was written against fluentd 1\.19\.3's out_forward, and this fluentd \(\d+\.\d+\.\d+\) has no ForwardOutput::FailureDetector#clear/);
    }, 90_000);
});
