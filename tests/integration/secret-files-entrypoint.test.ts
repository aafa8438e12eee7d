/**
 * The entrypoint that local containers of official images (mongo, SeaweedFS) start with when they get secret files:
 * as root it hands each file to the image's user, mode 0400, whatever owner the upload got, then runs the image's own
 * entrypoint (for Elasticsearch, as its user through setpriv; for Prometheus and Grafana, through su). Run here with
 * the real sh, setpriv and su (util-linux's here; the images have busybox's, which takes the same arguments), as
 * root, with `nobody` or uid 1000 for the image's user.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { asUser, secretFilesEntrypoint } from "../../components/platform/local-container";
import { describeWhen } from "../support/tools";

const isRoot = process.getuid?.() === 0 ? true : undefined;

describeWhen(isRoot, "secret files of official images", "not root: only root can hand a file to another user", () => {
    let dir: string;
    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-secret-files-"));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Runs the entrypoint for `files` with `next` as the image's entrypoint. */
    const run = (files: string[], next: string[]) => {
        const [program, ...args] = secretFilesEntrypoint({ owner: "nobody", imageEntrypoint: next, files: files.map((file) => ({ file, content: "" })) });
        return execFileSync(program, args, { encoding: "utf8", stdio: "pipe" });
    };

    it("gives every file to the image's user, readable by it only, then runs the image's entrypoint", () => {
        const files = ["password", "s3.json"].map((name) => path.join(dir, name));
        for (const file of files) fs.writeFileSync(file, "secret", { mode: 0o644 });
        // The next program reports what it finds: the owner and mode of each file.
        const out = run(files, ["stat", "-c", "%U %a %n", ...files]);
        expect(out.trim().split("\n")).toEqual(files.map((file) => `nobody 400 ${file}`));
    });

    it("hands the files to a uid:gid and runs the image's entrypoint as it, through setpriv (as for Elasticsearch)", () => {
        const file = path.join(dir, "elastic-password");
        fs.writeFileSync(file, "secret", { mode: 0o644 });
        fs.chmodSync(dir, 0o755);
        const [program, ...args] = secretFilesEntrypoint({
            owner: "1000:0",
            imageEntrypoint: ["setpriv", "--reuid=1000", "--regid=0", "--clear-groups", "--", "sh", "-c", 'echo "$(id -u):$(id -g) $(cat "$1")"', "next"],
            files: [{ file, content: "" }],
        });
        // The next program runs as 1000:0 and can read the file, which is 1000's, mode 0400.
        expect(execFileSync(program, [...args, file], { encoding: "utf8", stdio: "pipe" }).trim()).toBe("1000:0 secret");
        expect(fs.statSync(file).uid).toBe(1000);
        expect(fs.statSync(file).mode & 0o777).toBe(0o400);
    });

    it("runs the image's entrypoint as the user through su, with the arguments as they were, `--flags` too (as for Prometheus)", () => {
        const file = path.join(dir, "prometheus-password");
        fs.writeFileSync(file, "secret", { mode: 0o644 });
        fs.chmodSync(dir, 0o755);
        const [program, ...args] = secretFilesEntrypoint({
            owner: "nobody",
            imageEntrypoint: [...asUser("nobody"), "sh", "-c", 'echo "$(id -un) $(cat "$1") $2"', "next"],
            files: [{ file, content: "" }],
        });
        expect(execFileSync(program, [...args, file, "--config.file=x"], { encoding: "utf8", stdio: "pipe" }).trim()).toBe("nobody secret --config.file=x");
    });

    it("stops, naming the file, when one is missing, and runs nothing", () => {
        const missing = path.join(dir, "missing");
        expect(() => run([missing], ["touch", path.join(dir, "ran")])).toThrow(missing);
        expect(fs.existsSync(path.join(dir, "ran"))).toBe(false);
    });
});
