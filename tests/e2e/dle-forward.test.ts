/**
 * dle_forward (fluentd/plugins/out_dle_forward.rb) against the tests' fluentd: the out_forward internals it relies
 * on are there, the upstream defect it works around is still there, its fix takes effect, and it trusts only the
 * stack's CA. A fluentd upgrade that changes any of them fails here, naming what changed. The failover itself, end
 * to end, is in tests/faults/failover.test.ts.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import * as tls from "tls";
import { promisify } from "util";
import { describeWithFluentd, describeWithFluentdAndOpenssl } from "../support/fluentd";
import { fluentdPluginDir } from "../support/fluentd-config";
import { freePort, startFluentd } from "../support/fluentd-process";
import { KeyPair, makeCa, makeCert } from "../support/forward-certs";

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

/**
 * The forwarders are trusted by the stack's CA alone: out_forward's TLS connections also trust every CA of the system's
 * store (here the CA in SSL_CERT_FILE, where OpenSSL looks for that store), dle_forward's do not.
 */
describeWithFluentdAndOpenssl("dle_forward's TLS trust", (fluentd, openssl) => {
    let dir: string;
    let stackCa: KeyPair;
    let systemCa: KeyPair;
    let server: tls.Server;
    let handshakes = 0;
    let port: number;
    beforeAll(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-forward-trust-"));
        stackCa = makeCa(openssl, dir, "stack-ca");
        systemCa = makeCa(openssl, dir, "system-ca");
        // A "forwarder" for the right name, certified by a CA of the system's store, not by the stack's.
        const foreign = makeCert(openssl, dir, systemCa, "foreign-forwarder", "localhost", "server");
        server = tls.createServer({ key: fs.readFileSync(foreign.key), cert: fs.readFileSync(foreign.cert) }, (socket) => socket.destroy());
        server.on("secureConnection", () => handshakes++);
        server.on("tlsClientError", () => undefined);
        port = await freePort();
        await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    });
    afterAll(async () => {
        await new Promise((resolve) => server.close(resolve));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Runs an output of `type` that sends a sample event every 0.2 s until it has tried the server; its log. */
    async function connectWith(type: string): Promise<string> {
        const config = path.join(dir, `${type}.conf`);
        fs.writeFileSync(config, [
            "<source>\n  @type monitor_agent\n  bind 127.0.0.1\n  port \"#{ENV.fetch('FLUENTD_MONITOR_PORT')}\"\n</source>",
            "<source>\n  @type sample\n  tag trust\n  rate 5\n</source>",
            "<match trust>",
            `  @type ${type}`,
            "  transport tls",
            "  tls_version TLSv1_3",
            `  tls_cert_path ${stackCa.cert}`,
            "  tls_verify_hostname true",
            "  heartbeat_type none",
            `  <server>\n    host localhost\n    port ${port}\n  </server>`,
            "  <buffer>\n    flush_interval 0.2s\n    retry_wait 0.2s\n    retry_max_interval 0.5s\n  </buffer>",
            "</match>",
        ].join("\n"));
        handshakes = 0;
        const sender = await startFluentd({
            fluentd, name: type, config, dir,
            env: { FLUENTD_MONITOR_PORT: String(await freePort()), FLUENTD_METRICS_PORT: "0", SSL_CERT_FILE: systemCa.cert, SSL_CERT_DIR: dir },
        });
        try {
            // Bounded: the first flush comes within a second; 60 s covers a loaded machine.
            for (let i = 0; i < 240 && handshakes === 0 && !/certificate verify failed/.test(sender.tail(200)); i++) await sleep(250);
            return sender.tail(200);
        } finally {
            await sender.stop();
        }
    }

    it("out_forward trusts a certificate from the system's store", async () => {
        await connectWith("forward");
        expect(handshakes).toBeGreaterThan(0);
    }, 120_000);

    it("dle_forward refuses it: only the stack's CA is trusted", async () => {
        const log = await connectWith("dle_forward");
        expect(log).toMatch(/certificate verify failed/);
        expect(handshakes).toBe(0);
    }, 120_000);
});
