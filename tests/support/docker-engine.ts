/**
 * A real Docker engine for the tests of Docker's fluentd log driver: the docker CLI (`$DOCKER`, else on PATH) and a
 * daemon that answers it, and the image their containers run, made here since no registry can be pulled from: a
 * static busybox (Debian's busybox-static) imported as an image of one file.
 */
import { execFile, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { findOnPath } from "./tools";

const run = promisify(execFile);

/** Debian's busybox-static puts a statically linked busybox here. */
const staticBusybox = "/bin/busybox";

/** The tests' image: busybox alone, enough for `sh`, `cat`, `echo` and `usleep`. */
export const loggerImage = "dle-test-logger:busybox";

/** The docker CLI where a daemon answers it; otherwise why not, in one line. */
export function findDockerEngine(): { docker: string; reason?: undefined } | { docker?: undefined; reason: string } {
    const docker = process.env.DOCKER || findOnPath("docker");
    if (!docker) return { reason: "no docker CLI on PATH or in $DOCKER (Debian: apt-get install docker.io)" };
    const version = spawnSync(docker, ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8", timeout: 30_000 });
    if (version.status !== 0) return { reason: `no Docker daemon answers ${docker} (start dockerd): ${version.stderr.trim().split("\n").pop()}` };
    const linked = spawnSync("file", ["-L", staticBusybox], { encoding: "utf8" });
    if (!fs.existsSync(staticBusybox) || (linked.status === 0 && !/statically linked/.test(linked.stdout))) {
        return { reason: `no static busybox at ${staticBusybox} for the test image (Debian: apt-get install busybox-static)` };
    }
    return { docker };
}

/** Imports {@link loggerImage} from the static busybox, once per engine. */
export function ensureLoggerImage(docker: string): void {
    if (spawnSync(docker, ["image", "inspect", loggerImage], { stdio: "ignore" }).status === 0) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-busybox-"));
    try {
        fs.mkdirSync(path.join(dir, "bin"));
        fs.copyFileSync(staticBusybox, path.join(dir, "bin", "busybox"));
        fs.chmodSync(path.join(dir, "bin", "busybox"), 0o755);
        fs.symlinkSync("busybox", path.join(dir, "bin", "sh"));
        const tar = `${dir}.tar`;
        execFileSync("tar", ["-C", dir, "-cf", tar, "."]);
        execFileSync(docker, ["import", tar, loggerImage], { stdio: ["ignore", "ignore", "pipe"], timeout: 120_000 });
        fs.rmSync(tar);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** `docker run` options for a log driver and its options, as the Docker provider passes a container's logDriver and logOpts. */
export function logDriverArgs(driver: string, opts: Record<string, string>): string[] {
    return ["--log-driver", driver, ...Object.entries(opts).flatMap(([k, v]) => ["--log-opt", `${k}=${v}`])];
}

/** Runs docker with `args`; its stdout, trimmed. */
export async function docker(dockerCli: string, args: string[], timeoutMs = 120_000): Promise<string> {
    return (await run(dockerCli, args, { timeout: timeoutMs })).stdout.trim();
}

/** A container's state (running, exited, created, ...) and exit code. */
export async function containerState(dockerCli: string, name: string): Promise<{ status: string; exitCode: number }> {
    const [status, exitCode] = (await docker(dockerCli, ["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name])).split(" ");
    return { status, exitCode: Number(exitCode) };
}

/** Imports the directory `dir` as the image `name` (with Dockerfile instructions `changes`), unless the engine has it already. */
export function importDirectory(docker: string, name: string, dir: string, changes: string[] = []): void {
    if (spawnSync(docker, ["image", "inspect", name], { stdio: "ignore" }).status === 0) return;
    const change = changes.map((c) => `--change=${c}`);
    const tar = spawnSync("sh", ["-c", 'dir=$1 docker=$2 name=$3; shift 3; tar -C "$dir" -c . | "$docker" import "$@" - "$name"', "import", dir, docker, name, ...change], { encoding: "utf8", timeout: 600_000 });
    if (tar.status !== 0) throw new Error(`could not import ${dir} as ${name}: ${tar.stderr.trim()}`);
}

/**
 * Copies files into a created container as the Docker provider uploads them (kreuzwerker/terraform-provider-docker,
 * resource_docker_container_funcs.go): one tar archive per file, named by its whole path, mode 0644 or the given one,
 * extracted at `/`.
 */
export function uploadAsProvider(dockerCli: string, container: string, uploads: { file: string; content: string; permissions?: string }[]): void {
    for (const upload of uploads) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-upload-"));
        try {
            const file = path.join(dir, upload.file);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, upload.content, { mode: Number.parseInt(upload.permissions ?? "0644", 8) });
            // Only the file itself, by its path from /, as the provider's archive holds it (no directory entries).
            const tar = `${dir}.tar`;
            execFileSync("tar", ["-C", dir, "--owner=0", "--group=0", "--numeric-owner", "-cf", tar, upload.file.replace(/^\//, "")]);
            const copied = spawnSync(dockerCli, ["cp", "-", `${container}:/`], { input: fs.readFileSync(tar), encoding: "utf8", timeout: 120_000 });
            fs.rmSync(tar, { force: true });
            if (copied.status !== 0) throw new Error(`docker cp of ${upload.file} into ${container}: ${copied.stderr.trim()}`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
}
