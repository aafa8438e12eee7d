/**
 * The fluentd the tests run and the image's pins: `fluentd --version` and the fluentd and plugin gems fluentd logs at
 * start are compared with fluentd/Gemfile.lock, which the image installs (bundler, frozen) and
 * tests/support/install-fluentd.sh installs for the tests. A difference fails: the tests must run what users run.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { defaults } from "../../components/config";
import { describeWithFluentd } from "../support/fluentd";
import { fluentdDir } from "../support/fluentd-config";
import { differencesFromLock, lockedVersions, loggedGemVersions, readLockedVersions } from "../support/gem-lock";

const run = promisify(execFile);
const lockFile = path.join(fluentdDir, "Gemfile.lock");

describe("fluentd/Gemfile.lock", () => {
    const locked = readLockedVersions(lockFile);

    it("pins the fluentd of the official image the Dockerfile builds FROM, which is dle:fluentdImage's default", () => {
        const dockerfile = fs.readFileSync(path.join(fluentdDir, "Dockerfile"), "utf8");
        expect(/^ARG FLUENTD_IMAGE=(\S+)$/m.exec(dockerfile)?.[1]).toBe(defaults.fluentdImage);
        expect(defaults.fluentdImage).toMatch(new RegExp(`^fluent/fluentd:v${locked.get("fluentd")!.replace(/\./g, "\\.")}-debian-`));
    });

    it("pins every plugin the configs use, and the mongo driver fluent-plugin-mongo needs below 2.19", () => {
        const configs = fs.readdirSync(fluentdDir, { recursive: true }).map(String).filter((f) => f.endsWith(".conf"))
            .map((f) => fs.readFileSync(path.join(fluentdDir, f), "utf8")).join("\n");
        // dle_elasticsearch and dle_opensearch are the plugins' outputs with <inject> (fluentd/plugins/).
        const outputs = new Set([...configs.matchAll(/@type (?:dle_)?(mongo|elasticsearch|opensearch|s3)\b/g)].map(([, type]) => type));
        expect([...outputs].sort()).toEqual(["elasticsearch", "mongo", "opensearch", "s3"]);
        for (const type of outputs) expect(locked.get(`fluent-plugin-${type}`)).toMatch(/^\d+\.\d+\.\d+$/);
        expect(locked.get("mongo")).toMatch(/^2\.1[5-8]\./);
    });

    it("reads a lock's top-level specs, not their dependency lines", () => {
        const lock = "GEM\n  remote: https://rubygems.org/\n  specs:\n    fluentd (1.19.3)\n      msgpack (>= 1.3.1, < 2.0.0)\n    msgpack (1.8.3)\n\nPLATFORMS\n  ruby\n";
        expect([...lockedVersions(lock)]).toEqual([["fluentd", "1.19.3"], ["msgpack", "1.8.3"]]);
    });
});

describeWithFluentd("the tests' fluentd against fluentd/Gemfile.lock", (fluentd) => {
    const locked = readLockedVersions(lockFile);
    let versionOutput: string;
    let startLog: string;
    let dir: string;

    beforeAll(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-versions-"));
        const config = path.join(dir, "fluent.conf");
        fs.writeFileSync(config, "<match **>\n  @type null\n</match>\n");
        const env = { PATH: process.env.PATH, HOME: process.env.HOME };
        versionOutput = (await run(fluentd, ["--version"], { env, timeout: 60_000 })).stdout;
        startLog = (await run(fluentd, ["--dry-run", "-c", config], { env, timeout: 60_000 })).stdout;
    }, 120_000);

    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("runs exactly the lock's fluentd and plugins", () => {
        // Each line names a gem whose running version differs; reinstall with tests/support/install-fluentd.sh.
        expect(differencesFromLock(locked, versionOutput, startLog)).toEqual([]);
    });

    it("reads the running version and the gems fluentd logs at start", () => {
        expect(versionOutput).toMatch(/^fluentd \d+\.\d+\.\d+/);
        expect(loggedGemVersions(startLog).get("fluentd")).toEqual([expect.stringMatching(/^\d+\.\d+\.\d+$/)]);
        expect(loggedGemVersions(startLog).size).toBeGreaterThan(1);
    });

    it("names each gem that differs from the lock, on the real output", () => {
        const logged = loggedGemVersions(startLog);
        const plugin = [...logged.keys()].find((name) => name.startsWith("fluent-plugin-"))!;
        // A lock that matches this fluentd exactly: no difference.
        const matching = new Map([...locked].filter(([name]) => !/^fluent/.test(name)));
        matching.set("fluentd", /^fluentd (\S+)/.exec(versionOutput)![1]);
        for (const [name, versions] of logged) matching.set(name, versions[0]);
        expect(differencesFromLock(matching, versionOutput, startLog)).toEqual([]);
        // The same lock with one plugin at another version, one plugin missing and another fluentd: each named.
        const differing = new Map(matching).set(plugin, "0.0.1").set("fluentd", "0.0.2").set("fluent-plugin-not-installed", "1.0.0");
        expect(differencesFromLock(differing, versionOutput, startLog).sort()).toEqual([
            `fluent-plugin-not-installed 1.0.0 is locked, but fluentd did not log it at start`,
            `fluentd --version: ${matching.get("fluentd")}, locked 0.0.2`,
            `fluentd ${matching.get("fluentd")} can load, locked 0.0.2`,
            `${plugin} ${logged.get(plugin)![0]} can load, locked 0.0.1`,
        ].sort());
    });
});
