/**
 * tests/support/fluentd-from-image, which runs fluentd from the project's image on this host. Its refusals, each one
 * line and exit status 1 (the tests skip with that line), are checked with a stand-in docker CLI and, where Docker
 * is reachable, the real one. With `$DLE_FLUENTD_IMAGE`, the fluentd it runs: the lock's version, and a process the
 * tests can treat as fluentd itself (its PID is ruby's, signals reach it, it sees the caller's files and /etc/hosts).
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { findFluentd, fluentdFromImage, noFluentdReason } from "../support/fluentd";
import { fluentdDir } from "../support/fluentd-config";
import { readLockedVersions } from "../support/gem-lock";
import { describeWhen, findOnPath, itWhen } from "../support/tools";

const isRoot = process.getuid?.() === 0;
const repo = path.resolve(fluentdDir, "..");
const lockFile = path.join(fluentdDir, "Gemfile.lock");
const me = path.basename(fluentdFromImage);

/** Runs the script with only `env` (and PATH); its status and what it printed. */
function runScript(env: Record<string, string>, args: string[] = ["--prepare"], command: string[] = [fluentdFromImage]) {
    const result = spawnSync(command[0], [...command.slice(1), ...args], {
        env: { PATH: process.env.PATH, ...env }, encoding: "utf8", timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, lines: result.stderr.split("\n").filter((line) => line !== "") };
}

/** A docker CLI stand-in: `image inspect` prints $FAKE_ID (or fails), `version` fails unless $FAKE_DAEMON is set. */
function fakeDocker(dir: string): string {
    const file = path.join(dir, "docker");
    fs.writeFileSync(file, [
        "#!/bin/sh",
        'case "$1" in',
        '  image) [ -n "${FAKE_ID:-}" ] && echo "$FAKE_ID" && exit 0; echo "Error: No such image" >&2; exit 1 ;;',
        '  version) [ -n "${FAKE_DAEMON:-}" ] && exit 0; echo "Cannot connect to the Docker daemon" >&2; exit 1 ;;',
        "esac",
        "exit 1",
        "",
    ].join("\n"), { mode: 0o755 });
    return file;
}

describe("tests/support/fluentd-from-image: what stops it, in one line", () => {
    let dir: string;
    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-from-image-"));
        fs.chmodSync(dir, 0o755);
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("no $DLE_FLUENTD_IMAGE", () => {
        expect(runScript({})).toEqual({
            status: 1, stdout: "",
            lines: [`${me}: set DLE_FLUENTD_IMAGE to the image to run fluentd from, e.g. dle-fluentd:test (see docs/development.md)`],
        });
    });

    const setpriv = findOnPath("setpriv");
    itWhen(!isRoot || setpriv !== undefined, "no setpriv on PATH to run it as nobody")("not root", () => {
        // As nobody when the tests run as root: a copy, where nobody can read it.
        const copy = path.join(dir, me);
        fs.copyFileSync(fluentdFromImage, copy);
        fs.chmodSync(copy, 0o755);
        const command = isRoot ? [setpriv!, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", copy] : [copy];
        expect(runScript({ DLE_FLUENTD_IMAGE: "dle-fluentd:test" }, ["--prepare"], command)).toEqual({
            status: 1, stdout: "", lines: [`${me}: needs root: it chroots into the image's files and mounts this host's into them`],
        });
    });
});

describeWhen(isRoot ? true : undefined, "tests/support/fluentd-from-image as root: what stops it, in one line", "not root: it needs root", () => {
    let dir: string;
    let docker: string;
    let cache: string;
    const image = "dle-fluentd:test";
    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-from-image-"));
        docker = fakeDocker(dir);
        cache = path.join(dir, "cache");
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** An export of image ID sha256:`id` in the cache, whose image was built from `lock`. */
    const exported = (id: string, lock: string) => {
        fs.mkdirSync(path.join(cache, id, "root", "fluentd"), { recursive: true });
        fs.writeFileSync(path.join(cache, id, "root", "fluentd", "Gemfile.lock"), lock);
        fs.writeFileSync(path.join(cache, id, "env"), "PATH=/usr/bin:/bin\n");
        fs.writeFileSync(path.join(cache, id, "image"), `${image}\n`);
    };
    const env = (vars: Record<string, string>) => ({ DLE_FLUENTD_IMAGE: image, DLE_FLUENTD_IMAGE_CACHE: cache, DOCKER: docker, ...vars });

    it("no docker", () => {
        expect(runScript(env({ DOCKER: path.join(dir, "no-docker") }))).toEqual({
            status: 1, stdout: "", lines: [`${me}: no docker on PATH or in $DOCKER`],
        });
    });

    it("no Docker daemon", () => {
        expect(runScript(env({}))).toEqual({
            status: 1, stdout: "",
            lines: [`${me}: cannot reach the Docker daemon ('${docker} version' fails): start it, or run as a user who may use it`],
        });
    });

    it("no such image", () => {
        expect(runScript(env({ FAKE_DAEMON: "1" }))).toEqual({
            status: 1, stdout: "", lines: [`${me}: no image ${image}: build it with: docker build --target local -t ${image} fluentd/`],
        });
    });

    it("an image built from another fluentd/Gemfile.lock", () => {
        exported("0ld", "GEM\n  specs:\n    fluentd (1.0.0)\n");
        expect(runScript(env({ FAKE_ID: "sha256:0ld" }))).toEqual({
            status: 1, stdout: "",
            lines: [`${me}: ${image} was built from another fluentd/Gemfile.lock than ${repo}'s: rebuild it with: docker build --target local -t ${image} fluentd/`],
        });
    });

    it("prepares a launcher for an image ID exported from this lock; refuses once that export is gone", () => {
        exported("5ame", fs.readFileSync(lockFile, "utf8"));
        const prepared = runScript(env({ FAKE_ID: "sha256:5ame" }));
        expect(prepared).toEqual({ status: 0, stdout: expect.stringMatching(/\n$/), lines: [] });
        const launcher = prepared.stdout.trim();
        expect(path.dirname(launcher)).toBe(path.join(cache, "5ame"));
        expect(fs.readFileSync(launcher, "utf8")).toContain(`DLE_FLUENTD_IMAGE_DIR='${path.join(cache, "5ame")}' exec '${fluentdFromImage}' "$@"`);
        // The launcher needs neither docker nor $DLE_FLUENTD_IMAGE: the tests run it with an environment of their own.
        fs.rmSync(path.join(cache, "5ame", "root"), { recursive: true });
        expect(runScript({}, ["--version"], [launcher])).toEqual({
            status: 1, stdout: "",
            lines: [`${me}: ${path.join(cache, "5ame")}, the export this launcher runs, is gone: run the tests again to export the image anew`],
        });
    });

    const realDocker = findOnPath("docker");
    const daemon = realDocker !== undefined && spawnSync(realDocker, ["version"], { stdio: "ignore", timeout: 30_000 }).status === 0;
    itWhen(daemon, "no Docker engine to ask", { optional: true })("no such image, asked of the real Docker", () => {
        const missing = "dle-fluentd-no-such-image:none";
        expect(runScript({ DLE_FLUENTD_IMAGE: missing, DLE_FLUENTD_IMAGE_CACHE: cache })).toEqual({
            status: 1, stdout: "", lines: [`${me}: no image ${missing}: build it with: docker build --target local -t ${missing} fluentd/`],
        });
    });
});

const image = process.env.DLE_FLUENTD_IMAGE;
const launcher = image === undefined ? undefined : findFluentd();
describeWhen(launcher, `fluentd from the image ${image ?? "in $DLE_FLUENTD_IMAGE"}`, image === undefined ? "no $DLE_FLUENTD_IMAGE: the image to run fluentd from" : noFluentdReason(), () => {
    let dir: string;
    let child: ChildProcess | undefined;
    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-from-image-"));
    });
    afterAll(() => {
        child?.kill("SIGKILL");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("is the lock's fluentd", () => {
        const version = execFileSync(launcher!, ["--version"], { env: { PATH: process.env.PATH }, encoding: "utf8", timeout: 60_000 });
        expect(version).toMatch(new RegExp(`^fluentd ${readLockedVersions(lockFile).get("fluentd")!.replace(/\./g, "\\.")}\\n`));
    });

    it("is fluentd's own process: its ruby, in the image's files, with the caller's files, /etc/hosts and environment; signals reach it", async () => {
        const config = path.join(dir, "fluent.conf");
        fs.writeFileSync(config, "<match **>\n  @type null\n</match>\n");
        // As the failover tests run the agent: in a mount namespace with an /etc/hosts of its own.
        const hosts = path.join(dir, "hosts");
        fs.writeFileSync(hosts, "127.0.0.1 localhost\n127.0.0.2 primary.dle.test\n");
        const ownHosts = ["--mount", "--propagation", "private", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', hosts];
        const started = spawn("unshare", [...ownHosts, launcher!, "-c", config, "--no-supervisor"], {
            cwd: repo, stdio: "ignore",
            env: { PATH: process.env.PATH, HOME: process.env.HOME, DLE_FROM_CALLER: "yes", FLUENTD_CONF: "the-callers.conf" },
        });
        child = started;
        const pid = started.pid!;
        const proc = (file: string) => `/proc/${pid}/${file}`;
        const exe = () => { try { return path.basename(fs.readlinkSync(proc("exe"))); } catch { return ""; } };
        // Bounded: unshare, sh, the script, chroot and env each exec into the next within a second or two.
        for (let i = 0; i < 120 && !/^ruby/.test(exe()) && started.exitCode === null; i++) await sleep(250);
        expect(exe()).toMatch(/^ruby/);

        // Both links read as seen from this process's root: the export's root, and the repository inside it.
        const root = path.join(path.dirname(launcher!), "root");
        expect(fs.readlinkSync(proc("root"))).toBe(root);
        expect(fs.readlinkSync(proc("cwd"))).toBe(`${root}${repo}`);
        expect(fs.readFileSync(proc(`root/etc/hosts`), "utf8")).toBe(fs.readFileSync(hosts, "utf8"));
        expect(fs.readFileSync(proc(`root${config}`), "utf8")).toBe(fs.readFileSync(config, "utf8"));
        expect(fs.readFileSync(proc(`root${lockFile}`), "utf8")).toBe(fs.readFileSync(lockFile, "utf8"));
        const environ = fs.readFileSync(proc("environ"), "utf8").split("\0");
        // The image's environment (docker image inspect's Config.Env, kept with the export) under the caller's: the
        // caller's FLUENTD_CONF wins over the image's, the image's PATH over the caller's.
        const imageEnv = fs.readFileSync(path.join(path.dirname(launcher!), "env"), "utf8").split("\n").filter((v) => v !== "");
        expect(imageEnv).toEqual(expect.arrayContaining(["BUNDLE_GEMFILE=/fluentd/Gemfile", "BUNDLE_FROZEN=true", "RUBYOPT=-rbundler/setup"]));
        expect(environ).toEqual(expect.arrayContaining([
            ...imageEnv.filter((v) => !v.startsWith("FLUENTD_CONF=")), "DLE_FROM_CALLER=yes", "FLUENTD_CONF=the-callers.conf",
        ]));
        expect(environ.filter((v) => v.startsWith("PATH=") || v.startsWith("DLE_FLUENTD_IMAGE"))).toEqual(imageEnv.filter((v) => v.startsWith("PATH=")));

        const state = () => { const stat = fs.readFileSync(proc("stat"), "utf8"); return stat[stat.lastIndexOf(")") + 2]; };
        started.kill("SIGSTOP");
        for (let i = 0; i < 40 && state() !== "T"; i++) await sleep(50);
        expect(state()).toBe("T");
        started.kill("SIGCONT");
        for (let i = 0; i < 40 && state() === "T"; i++) await sleep(50);
        expect(state()).not.toBe("T");
        const exit = new Promise<NodeJS.Signals | null>((resolve) => started.once("exit", (_code, signal) => resolve(signal)));
        started.kill("SIGKILL");
        expect(await exit).toBe("SIGKILL");
    }, 120_000);
}, { optional: true });
