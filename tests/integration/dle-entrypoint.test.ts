/**
 * fluentd/dle-entrypoint.sh, the image's entrypoint. It starts as root: on AWS it turns the PEMs and credentials ECS
 * hands over as variables into the files the configs read; on both stacks it hands every such file to fluentd's user
 * (mode 0400), whatever owner an upload got, takes the buffer directory's lock, then runs the next program as that
 * user. Run here with the real sh, setpriv and flock, in front of a command instead of the image's entrypoint, with
 * `nobody` for fluentd's user.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileContentEnv, fluentdUserEnv } from "../../components/fluentd-env";
import { fluentdDir } from "../support/fluentd-config";
import { entrypointForTests } from "../support/forward-certs";
import { describeWhen } from "../support/tools";
import { setTimeout as sleep } from "timers/promises";

const script = () => fs.readFileSync(path.join(fluentdDir, "dle-entrypoint.sh"), "utf8");
/** The next program: prints its uid, then its environment. */
const whoAndEnv = ["sh", "-c", "id -u; env"];
const nobody = Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }).trim());

describe("fluentd/dle-entrypoint.sh: its lists", () => {
    it("writes exactly the variables components/fluentd-env.ts names: the PEMs and the credentials", () => {
        const written = [...script().matchAll(/^write_file (\w+) (\w+)$/gm)].map(([, content, file]) => [file, content]);
        expect(Object.fromEntries(written)).toEqual(fileContentEnv);
    });

    it("checks every file those variables name", () => {
        const checked = [...script().matchAll(/^check_file (\w+)$/gm)].map(([, file]) => file);
        expect(checked.sort()).toEqual(Object.keys(fileContentEnv).sort());
    });

    it("reads the variable components/fluentd-env.ts names for fluentd's user", () => {
        expect(script()).toContain(`run_as=\${${fluentdUserEnv}:-fluent}`);
    });
});

describeWhen(process.getuid?.() === 0 ? true : undefined, "fluentd/dle-entrypoint.sh started as root", "not root: the image starts it as root", () => {
    let dir: string;
    let entrypoint: string;

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-entrypoint-"));
        // Open to fluentd's user, as the image's /fluentd/etc is.
        fs.chmodSync(dir, 0o755);
        entrypoint = entrypointForTests(fluentdDir, dir);
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Runs the entrypoint as root in front of `next`, with only `vars` set; returns what `next` printed. */
    const run = (vars: Record<string, string>, next = whoAndEnv) =>
        execFileSync("sh", [entrypoint, ...next], { env: { PATH: process.env.PATH, [fluentdUserEnv]: "nobody", ...vars }, encoding: "utf8", stdio: "pipe" });
    /** Runs it as `nobody` (a container started as another user). */
    const runAsNobody = (vars: Record<string, string>) =>
        execFileSync("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", "sh", entrypoint, ...whoAndEnv], { env: { PATH: process.env.PATH, ...vars }, encoding: "utf8", stdio: "pipe" });
    const uploaded = (name: string, mode = 0o644) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, `content of ${name}\n`, { mode });
        fs.chownSync(file, 0, 0);
        fs.chmodSync(file, mode);
        return file;
    };

    it("writes each PEM and credential to the file its path variable names, fluentd's user's only, and hides it from fluentd", () => {
        const vars: Record<string, string> = {};
        for (const [pathVariable, contentVariable] of Object.entries(fileContentEnv)) {
            vars[pathVariable] = path.join(dir, "written", pathVariable.toLowerCase());
            vars[contentVariable] = `-----BEGIN TEST-----\n${contentVariable}\n-----END TEST-----`;
        }
        const [uid, ...env] = run(vars).split("\n");
        expect(Number(uid)).toBe(nobody);
        // With that user's home, not root's.
        expect(env).toContain(`HOME=${execFileSync("getent", ["passwd", "nobody"], { encoding: "utf8" }).split(":")[5]}`);
        // The directory it made for them is fluentd's user's too.
        expect(fs.statSync(path.join(dir, "written")).uid).toBe(nobody);
        for (const [pathVariable, contentVariable] of Object.entries(fileContentEnv)) {
            const file = vars[pathVariable];
            expect(fs.readFileSync(file, "utf8")).toBe(`${vars[contentVariable]}\n`);
            expect(fs.statSync(file).mode & 0o777).toBe(0o400);
            expect(fs.statSync(file).uid).toBe(nobody);
            expect(env).toContain(`${pathVariable}=${file}`);
            expect(env.join("\n")).not.toContain(`${contentVariable}=`);
        }
    });

    it("hands uploaded files to fluentd's user, mode 0400, whatever owner they got, and runs fluentd as that user", () => {
        // As the Docker provider may upload them: root's, and readable by all.
        const key = uploaded("tls.key");
        const sharedKey = uploaded("shared-key", 0o400);
        const out = run({ FORWARD_TLS_KEY_PATH: key, FORWARD_SHARED_KEY_FILE: sharedKey }, ["sh", "-c", 'id -u; cat "$FORWARD_TLS_KEY_PATH" "$FORWARD_SHARED_KEY_FILE"']);
        expect(out).toBe(`${nobody}\ncontent of tls.key\ncontent of shared-key\n`);
        for (const file of [key, sharedKey]) {
            expect(fs.statSync(file).uid).toBe(nobody);
            expect(fs.statSync(file).mode & 0o777).toBe(0o400);
        }
    });

    it("keeps fluentd root where DLE_FLUENTD_USER says root (FireLens)", () => {
        const key = uploaded("router.key");
        const [uid] = run({ FORWARD_TLS_KEY_PATH: key, [fluentdUserEnv]: "root" }).split("\n");
        expect(uid).toBe("0");
        expect(fs.statSync(key).uid).toBe(0);
        expect(fs.statSync(key).mode & 0o777).toBe(0o400);
    });

    it("stops, naming the variable and the file, when a file it names does not exist", () => {
        const missing = path.join(dir, "not-uploaded.key");
        expect(() => run({ FORWARD_TLS_KEY_PATH: missing })).toThrow(`dle-entrypoint: FORWARD_TLS_KEY_PATH names ${missing}, which does not exist`);
    });

    it("stops, naming the file, when fluentd's user cannot reach it even as its owner", () => {
        const closed = path.join(dir, "closed");
        fs.mkdirSync(closed, { mode: 0o700 });
        const file = path.join(closed, "shared-key");
        fs.writeFileSync(file, "key");
        expect(() => run({ FORWARD_SHARED_KEY_FILE: file }, ["true"])).toThrow(`FORWARD_SHARED_KEY_FILE names ${file}, which nobody cannot read even as its owner`);
    });

    it("stops when DLE_FLUENTD_USER names no user", () => {
        expect(() => run({ [fluentdUserEnv]: "no-such-user" })).toThrow("dle-entrypoint: DLE_FLUENTD_USER names no-such-user, which is no user of this image");
    });

    it("stops, naming the variable and the file, when a content variable comes without the file to write it to", () => {
        expect(() => run({ FORWARD_TLS_KEY_PEM: "key" })).toThrow(/FORWARD_TLS_KEY_PEM is set but FORWARD_TLS_KEY_PATH, the file to write it to, is not/);
    });

    it("started as another user, runs on with files it can read, and stops, saying why, at one it cannot", () => {
        const readable = uploaded("readable.crt", 0o444);
        const [uid] = runAsNobody({ FORWARD_TLS_CA_PATH: readable }).split("\n");
        expect(Number(uid)).toBe(nobody);
        const rootsOnly = uploaded("roots-only.key", 0o400);
        expect(() => runAsNobody({ FORWARD_TLS_KEY_PATH: rootsOnly })).toThrow(
            `dle-entrypoint: FORWARD_TLS_KEY_PATH names ${rootsOnly}, which uid ${nobody} cannot read (owner uid 0, mode 400): start the container as root, or upload the file owned by uid ${nobody}`);
    });

    describe("the buffer directory's lock", () => {
        const started: ChildProcess[] = [];
        afterEach(() => { for (const child of started.splice(0)) child.kill("SIGKILL"); });

        /** Resolves once `done()` holds, polling for up to a minute (a loaded machine); rejects naming `what` then. */
        const waitFor = async (what: string, done: () => boolean) => {
            for (let i = 0; i < 600 && !done(); i++) await sleep(100);
            if (!done()) throw new Error(`not within 60 s: ${what}`);
        };
        const output = (child: ChildProcess) => {
            const seen = { stdout: "", stderr: "" };
            child.stdout?.on("data", (d) => { seen.stdout += String(d); });
            child.stderr?.on("data", (d) => { seen.stderr += String(d); });
            return seen;
        };
        /** Whether anyone holds the lock: a try from another open of the file fails. */
        const held = (lock: string) => spawnSync("flock", ["-n", lock, "true"]).status !== 0;

        it("holds fluentd until the fluentd before it on the directory has let go, then fluentd holds the lock itself", async () => {
            const buffers = fs.mkdtempSync(path.join(dir, "buffers-"));
            const lock = path.join(buffers, ".dle-fluentd.lock");
            // The fluentd before it, still running (on AWS: the old task, flushing): it holds the lock until its stdin closes.
            const before = spawn("sh", ["-c", 'exec 9>>"$1"; flock 9; echo held; read _', "sh", lock], { stdio: ["pipe", "pipe", "ignore"] });
            started.push(before);
            const beforeSaid = output(before);
            await waitFor("the fluentd before it holds the lock", () => beforeSaid.stdout.includes("held"));

            const next = spawn("sh", [entrypoint, "sh", "-c", "echo started; exec sleep 600"], {
                env: { PATH: process.env.PATH, [fluentdUserEnv]: "nobody", FLUENTD_BUFFER_DIR: buffers },
                stdio: ["ignore", "pipe", "pipe"],
            });
            started.push(next);
            const nextSaid = output(next);
            await waitFor("the entrypoint says it waits", () => nextSaid.stderr.includes(`dle-entrypoint: another fluentd holds ${lock}; waiting for it to stop`));
            // Time enough for an entrypoint that did not wait to show it.
            await sleep(1_000);
            expect(nextSaid.stdout).toBe("");

            before.stdin!.end();
            await waitFor("fluentd starts once the lock is free", () => nextSaid.stdout.includes("started"));
            // Now fluentd (the command in its place, as nobody) holds it, until it exits.
            expect(held(lock)).toBe(true);
            next.kill("SIGTERM");
            await waitFor("the lock is free once fluentd has exited", () => !held(lock));
        }, 240_000);

        it("takes no lock without a buffer directory", () => {
            expect(run({}, ["sh", "-c", "ls /proc/self/fd"]).split("\n")).not.toContain("9");
        });
    });
});
