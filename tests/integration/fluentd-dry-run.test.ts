/**
 * The project's fluentd configs, checked by a real fluentd (`--dry-run`) with exactly the environment
 * the local stack's components give each container, except for where the TLS files are: a dry run reads them,
 * so they point to real ones made with openssl instead of the paths the stack uploads to.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { fluentdDir, fluentdPluginDir } from "../support/fluentd-config";
import { ForwardCerts, makeForwardCerts } from "../support/forward-certs";
import { unexpectedWarnings } from "../support/dry-run-output";
import { writeSecretFiles } from "../support/secret-files";
import { RecordedResource, containerEnv, generatedSecretMarker, installMocks, programLoadTimeoutMs, runProgram } from "../support/mocks";

const run = promisify(execFile);
// With the optional sql sink too, so that its output (fluentd/sinks/sql.conf) is checked beside the default three.
const resources: RecordedResource[] = installMocks({ target: "local", sinks: "store,search,archive,sql" });

describeWithFluentdAndOpenssl("fluentd --dry-run on the project's configs", (fluentd, openssl) => {
    let dir: string;
    let certs: ForwardCerts;

    beforeAll(async () => {
        await runProgram();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-dry-run-"));
        certs = makeForwardCerts(openssl, dir);
    }, programLoadTimeoutMs);

    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    /**
     * The container's environment, with its TLS paths pointing to real files (a forwarder's or the agent's own
     * certificate), its credential files to copies of what the container gets, and, for a forwarder, its config
     * directory to the repository's (the search retention reads its policy file at start).
     */
    const envOf = (name: string): Record<string, string> => {
        const env = containerEnv(resources, name);
        const own = env.FLUENTD_CONF === "agent.conf" ? certs.client : certs.server;
        const confDir: Record<string, string> = "FLUENTD_CONF_DIR" in env ? { FLUENTD_CONF_DIR: fluentdDir } : {};
        return {
            ...env, ...confDir, FORWARD_TLS_CA_PATH: certs.ca.cert, FORWARD_TLS_CERT_PATH: own.cert, FORWARD_TLS_KEY_PATH: own.key,
            ...writeSecretFiles(resources, name, path.join(dir, "secrets")),
        };
    };

    it.each([
        ["dle-log-agent"],
        ["dle-log-forwarder-pri"],
        ["dle-log-forwarder-sec"],
    ])("accepts the config of %s", async (name) => {
        const env = envOf(name);
        const config = path.join(fluentdDir, env.FLUENTD_CONF);
        const { stdout } = await run(fluentd, ["--dry-run", "-c", config, "-p", fluentdPluginDir], {
            env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
            timeout: 60_000,
        });
        expect(stdout).toContain("finished dry run mode");
        // No parameter fluentd does not know (a v0.12 leftover, a typo): fluentd only warns about those.
        expect(stdout).not.toMatch(/parameter '[^']+' in .* is not used/);
        expect(unexpectedWarnings(stdout)).toEqual([]);
        // fluentd's log never shows a credential (the mocks' generated values carry the marker).
        expect(stdout).not.toContain(generatedSecretMarker);
    }, 90_000);

    it("stops at start, naming the variable, when the environment lacks one", async () => {
        const { SEARCH_PASSWORD_FILE: _, ...env } = envOf("dle-log-forwarder-pri");
        await expect(run(fluentd, ["--dry-run", "-c", path.join(fluentdDir, "forwarder.conf"), "-p", fluentdPluginDir], {
            env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
            timeout: 60_000,
        })).rejects.toMatchObject({ stderr: expect.stringContaining('key not found: "SEARCH_PASSWORD_FILE"') });
    }, 90_000);

    it("stops at start, naming the file, when a credential file is missing", async () => {
        const env = { ...envOf("dle-log-forwarder-pri"), STORE_CONNECTION_STRING_FILE: path.join(dir, "no-such-file") };
        await expect(run(fluentd, ["--dry-run", "-c", path.join(fluentdDir, "forwarder.conf"), "-p", fluentdPluginDir], {
            env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
            timeout: 60_000,
        })).rejects.toMatchObject({ stderr: expect.stringContaining(`No such file or directory @ rb_sysopen - ${path.join(dir, "no-such-file")}`) });
    }, 90_000);
});
