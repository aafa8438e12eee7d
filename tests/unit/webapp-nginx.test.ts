/**
 * The webapp's nginx config, run by a real nginx (Debian's): it must pass `nginx -t` and serve the page.
 * nginx runs in a network namespace of its own, so it can listen on port 80 as in the container
 * without touching the machine's own port 80.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { webappFiles } from "../../components/webapp";
import { describeWhen, findOnPath } from "../support/tools";

const run = promisify(execFile);

/** An nginx prefix laid out as in the image: the config at the top, the site under html/. */
function prefixWithSite(): string {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "dle-nginx-"));
    // nginx's workers run unprivileged and must read the site.
    fs.chmodSync(prefix, 0o755);
    fs.cpSync(webappFiles.siteDir, path.join(prefix, "html"), { recursive: true });
    return prefix;
}

// Serving needs a private network namespace (unshare), which needs root.
const nginx = findOnPath("nginx") && process.getuid?.() === 0 ? "nginx" : undefined;

describeWhen(nginx, "the webapp's nginx config", "needs nginx on PATH (Debian's nginx-light) and root for a private network namespace", () => {
    it("passes nginx -t", async () => {
        const prefix = prefixWithSite();
        // Through a pipe, as in a container: nginx cannot reopen Node's stdio sockets as /dev/stdout.
        const { stdout } = await run("sh", ["-c", `nginx -t -p "${prefix}" -c "${webappFiles.nginxConf}" 2>&1 | cat`]);
        expect(stdout).toContain("test is successful");
        expect(stdout).not.toContain("[warn]");
    });

    it("serves the seed's page on loopback and logs the request to stdout", async () => {
        const prefix = prefixWithSite();
        // nginx in the foreground, one curl against it, then a clean stop; all inside a fresh network namespace.
        const script = [
            "ip link set lo up",
            `nginx -p "${prefix}" -c "${webappFiles.nginxConf}" -g "daemon off; pid ${prefix}/nginx.pid;" | cat & pid=$!`,
            "for i in $(seq 1 50); do curl -fsS http://127.0.0.1/ && break; sleep 0.1; done",
            `kill -QUIT "$(cat ${prefix}/nginx.pid)"; wait $pid`,
        ].join("\n");
        const { stdout } = await run("unshare", ["--net", "sh", "-ec", script], { timeout: 30_000 });
        expect(stdout).toContain("<html><p>Simple Static Content!</p></html>");
        // The access line goes to stdout, which Docker's log driver sends to the agent.
        expect(stdout).toMatch(/127\.0\.0\.1 - - \[.*\] "GET \/ HTTP\/1\.1" 200 /);
    }, 40_000);
});
