/**
 * A real nginx (Debian's) running the webapp's nginx.conf, for tests: in a network namespace of its own (so it listens
 * on port 80 as in the container, without touching the machine's), laid out as in the image (the config and the
 * target's api-upstream.conf at the top of the prefix, the site under html/). Needs nginx on PATH and root (unshare).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { Target } from "../../components/config";
import { webappFiles } from "../../components/webapp";
import { findOnPath } from "./tools";

const run = promisify(execFile);

/** "nginx" where nginx and root are available; undefined (with describeWhen's reason) otherwise. */
export const nginxForTests = findOnPath("nginx") && findOnPath("unshare") && process.getuid?.() === 0 ? "nginx" : undefined;
export const nginxMissingReason = "needs nginx on PATH (Debian's nginx-light), unshare and root for a private network namespace";

/** An nginx prefix laid out as in the image, with the target's api-upstream.conf. */
export function nginxPrefix(target: Target): string {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "dle-nginx-"));
    // nginx's workers run unprivileged and must read the site.
    fs.chmodSync(prefix, 0o755);
    fs.copyFileSync(webappFiles.nginxConf, path.join(prefix, "nginx.conf"));
    fs.copyFileSync(webappFiles.apiUpstream(target), path.join(prefix, "api-upstream.conf"));
    fs.cpSync(webappFiles.siteDir, path.join(prefix, "html"), { recursive: true });
    return prefix;
}

export interface NginxRun {
    /** What nginx wrote to stdout (its access log) and stderr (its error log), line by line. */
    stdout: string[];
    stderr: string[];
    /** What the requests printed. */
    output: string;
}

/**
 * How long nginx, and the api's stand-in, may take to answer: generous, as the tests run on a loaded 2-core machine;
 * a start that takes longer fails the run, naming what did not answer.
 */
const readySeconds = 30;

/**
 * Shell lines that wait, up to readySeconds, for `url` to answer; otherwise stop `pids` (what runs in the namespace)
 * and fail with a message. A run goes on only once nginx has answered, so its access log starts with that request.
 */
function awaitReady(what: string, url: string, pids: string[]): string {
    return [
        `deadline=$((SECONDS + ${readySeconds}))`,
        `until curl -fs -o /dev/null ${url}; do`,
        `  if [ "$SECONDS" -ge "$deadline" ]; then echo "${what} did not answer at ${url} within ${readySeconds} s" >&2; kill ${pids.join(" ")} 2>/dev/null; exit 1; fi`,
        "  sleep 0.1",
        "done",
    ].join("\n");
}

/**
 * Runs nginx (the aws api-upstream.conf: the api on 127.0.0.1:8080) in a fresh network namespace, then `requests`
 * (shell commands, e.g. curl against http://127.0.0.1/), then stops it cleanly. With `upstream`, a stand-in for the
 * api listens on 127.0.0.1:8080 first, answering each request with the X-Request-ID nginx passed it. Fails, naming
 * it, when nginx or the stand-in does not answer within readySeconds.
 */
export async function runNginx(requests: string[], options: { upstream?: boolean } = {}): Promise<NginxRun> {
    const prefix = nginxPrefix("aws");
    const upstream = path.join(prefix, "upstream.cjs");
    fs.writeFileSync(upstream, "require('http').createServer((q, s) => s.end('request-id=' + q.headers['x-request-id'])).listen(8080, '127.0.0.1');\n");
    const script = [
        "ip link set lo up",
        ...(options.upstream ? [`"${process.execPath}" "${upstream}" & up=$!`, awaitReady("the api's stand-in", "http://127.0.0.1:8080/", ["$up"])] : []),
        // Through pipes, as in a container: nginx cannot reopen Node's stdio sockets as /dev/stdout.
        `nginx -p "${prefix}" -c "${prefix}/nginx.conf" -g "daemon off; pid ${prefix}/nginx.pid;" > "${prefix}/stdout" 2> "${prefix}/stderr" & pid=$!`,
        awaitReady("nginx", "http://127.0.0.1/", ["$pid", ...(options.upstream ? ["$up"] : [])]),
        ...requests,
        `kill -QUIT "$(cat ${prefix}/nginx.pid)"; wait $pid`,
        // The requests may have stopped it already.
        ...(options.upstream ? ["kill $up 2>/dev/null || true"] : []),
    ].join("\n");
    try {
        // Both waits for readiness, then the requests.
        const { stdout } = await run("unshare", ["--net", "bash", "-c", script], { timeout: 2 * readySeconds * 1000 + 60_000, maxBuffer: 16 << 20 });
        const lines = (file: string) => fs.readFileSync(path.join(prefix, file), "utf8").split("\n").filter((line) => line !== "");
        return { stdout: lines("stdout"), stderr: lines("stderr"), output: stdout };
    } finally {
        fs.rmSync(prefix, { recursive: true, force: true });
    }
}
