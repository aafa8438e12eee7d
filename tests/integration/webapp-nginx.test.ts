/**
 * The webapp's nginx config, run by a real nginx (Debian's): it must pass `nginx -t` on both targets, serve the page,
 * write its access log as JSON lines of the nginx_access fields (docs/log-types.md), and proxy /api/ with its request id.
 * The same lines through the agent: tests/e2e/log-types.test.ts.
 */
import { execFile } from "child_process";
import { promisify } from "util";
import { describeWhen } from "../support/tools";
import { nginxForTests, nginxMissingReason, nginxPrefix, runNginx } from "../support/nginx";

const run = promisify(execFile);

/** The nginx_access fields (docs/log-types.md), and `time`, which becomes the event's time. */
const accessKeys = ["time", "client_ip", "x_forwarded_for", "method", "path", "query", "protocol", "status", "bytes_sent",
    "referer", "user_agent", "request_time", "upstream_addr", "upstream_response_time", "request_id"];

describeWhen(nginxForTests, "the webapp's nginx config", nginxMissingReason, () => {
    it.each([["local"], ["aws"]] as const)("passes nginx -t with the %s stack's api-upstream.conf", async (target) => {
        const prefix = nginxPrefix(target);
        const { stdout } = await run("sh", ["-c", `nginx -t -p "${prefix}" -c "${prefix}/nginx.conf" 2>&1 | cat`]);
        expect(stdout).toContain("test is successful");
        expect(stdout).not.toContain("[warn]");
    });

    it("serves the seed's page on loopback and logs the request to stdout as one JSON object of the access fields", async () => {
        const { output, stdout } = await runNginx(["curl -fsS 'http://127.0.0.1/?a=1'"]);
        expect(output).toContain("<html><p>Simple Static Content!</p></html>");
        const line = JSON.parse(stdout[stdout.length - 1]);
        expect(Object.keys(line)).toEqual(accessKeys);
        expect(line).toEqual(expect.objectContaining({ client_ip: "127.0.0.1", method: "GET", path: "/", query: "a=1", status: 200, request_id: expect.stringMatching(/^[0-9a-f]{32}$/) }));
        expect(typeof line.time).toBe("number");
        expect(typeof line.request_time).toBe("number");
    }, 150_000);

    it("proxies /api/ to the api with its request id, and logs the same id with the upstream", async () => {
        const { output, stdout } = await runNginx(["curl -fsS http://127.0.0.1/api/hello; echo"], { upstream: true });
        const line = JSON.parse(stdout[stdout.length - 1]);
        expect(output).toContain(`request-id=${line.request_id}`);
        expect(line).toEqual(expect.objectContaining({ path: "/api/hello", status: 200, upstream_addr: "127.0.0.1:8080", upstream_response_time: expect.stringMatching(/^\d+\.\d{3}$/) }));
    }, 150_000);
});
