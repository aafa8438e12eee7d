/**
 * fluentd and nginx with read-only root filesystems in a real Docker engine, each with exactly what the local stack's
 * program gives its container (read from the mocked program, not copied): `--read-only`, its writable paths as
 * anonymous volumes, its uploads copied as the Docker provider copies them into its files container, whose volumes it
 * mounts, and its environment and named volumes. Each must start, take events or requests, and write only there.
 * The images are made here (tests/support/read-only-images.ts): the installed fluentd laid out as fluentd/Dockerfile
 * lays out the project's image, and Debian's nginx as the official image runs it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { docker, ensureLoggerImage, findDockerEngine, logDriverArgs, loggerImage, uploadAsProvider } from "../support/docker-engine";
import { findOpenssl, makeCa, makeCert } from "../support/forward-certs";
import { RecordedResource, containerEnv, containerUploads, installMocks, programLoadTimeoutMs, runProgram, unwrapSecrets } from "../support/mocks";
import { fluentdTestImage, nginxTestImage, noFluentdImageReason } from "../support/read-only-images";
import { describeWhen, findOnPath } from "../support/tools";
import { fluentdContainer } from "../../components/fluentd-env";

const resources = installMocks({ target: "local" });

const engine = findDockerEngine();
const openssl = findOpenssl();
const nginx = findOnPath("nginx");
const fluentdReason = noFluentdImageReason();
const tools = engine.docker && openssl && nginx && !fluentdReason ? { cli: engine.docker, openssl, nginx } : undefined;
const reason = engine.reason ?? fluentdReason ?? (openssl ? "no nginx on PATH (Debian's nginx-light)" : "no openssl on PATH or in $OPENSSL");

interface Upload { file: string; content: string; permissions?: string }
type Volume = { volumeName?: string; containerPath?: string; fromContainer?: string };

/** A container of the mocked local stack, as the test runs it. */
interface ContainerSpec {
    readOnly: boolean;
    /** Its own anonymous volumes. */
    writable: string[];
    /** Its files container's volumes (the uploads' directories), and the uploads. */
    filesVolumes: string[];
    uploads: Upload[];
    /** Its named volumes' paths. */
    named: string[];
    env: Record<string, string>;
    logDriver?: string;
    logOpts?: Record<string, string>;
}

function specOf(recorded: RecordedResource[], name: string): ContainerSpec {
    const find = (n: string) => recorded.find((r) => r.type === "docker:index/container:Container" && r.name === n);
    const container = find(name);
    if (!container) throw new Error(`no container ${name} was registered`);
    const volumes = (container.inputs.volumes ?? []) as Volume[];
    const files = find(`${name}-files`);
    return {
        readOnly: container.inputs.readOnly === true,
        writable: volumes.filter((v) => v.containerPath && !v.volumeName).map((v) => v.containerPath!),
        filesVolumes: files ? ((files.inputs.volumes ?? []) as Volume[]).map((v) => v.containerPath!) : [],
        uploads: (unwrapSecrets(containerUploads(recorded, name)) ?? []) as Upload[],
        named: volumes.filter((v) => v.volumeName).map((v) => v.containerPath!),
        env: containerEnv(recorded, name),
        logDriver: container.inputs.logDriver as string | undefined,
        logOpts: unwrapSecrets(container.inputs.logOpts) as Record<string, string> | undefined,
    };
}

const report = (text: string) => process.stdout.write(`\n${text}\n`);

describeWhen(tools, "fluentd and nginx with read-only root filesystems, in a real Docker engine", reason, ({ cli, openssl, nginx }) => {
    const prefix = `dle-test-ro-${process.pid}`;
    const created: { containers: string[]; volumes: string[]; networks: string[] } = { containers: [], volumes: [], networks: [] };
    let dir: string;

    beforeAll(async () => {
        await runProgram();
        ensureLoggerImage(cli);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-read-only-"));
    }, programLoadTimeoutMs + 60_000);

    afterAll(async () => {
        if (created.containers.length > 0) await docker(cli, ["rm", "-f", "-v", ...created.containers]).catch(() => undefined);
        if (created.volumes.length > 0) await docker(cli, ["volume", "rm", ...created.volumes]).catch(() => undefined);
        if (created.networks.length > 0) await docker(cli, ["network", "rm", ...created.networks]).catch(() => undefined);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }, 120_000);

    /**
     * Creates `name` as the Docker provider would from `spec`: the files container (created, never started) with the
     * uploads copied in, then the container itself, read-only, on `image` with `args` (ports, network, command).
     */
    async function create(name: string, spec: ContainerSpec, image: { image: string; binds: string[] }, args: string[]): Promise<void> {
        const files = `${name}-files`;
        created.containers.push(files, name);
        await docker(cli, ["create", "--name", files, "--log-driver", "none", ...spec.filesVolumes.flatMap((p) => ["-v", p]), image.image]);
        uploadAsProvider(cli, files, spec.uploads);
        const named = spec.named.map((p) => {
            const volume = `${name}${p.replace(/\//g, "-")}`;
            created.volumes.push(volume);
            return ["-v", `${volume}:${p}`];
        }).flat();
        await docker(cli, ["create", "--name", name, ...(spec.readOnly ? ["--read-only"] : []),
            "--volumes-from", files, ...spec.writable.flatMap((p) => ["-v", p]), ...named, ...image.binds.flatMap((b) => ["-v", b]),
            ...Object.entries(spec.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]), ...args, image.image]);
    }

    /** Polls `check` every half second until it returns true, for up to `seconds`; then fails with the container's log. */
    async function waitFor(container: string, what: string, seconds: number, check: () => Promise<boolean>): Promise<void> {
        const deadline = Date.now() + seconds * 1000;
        while (Date.now() < deadline) {
            if (await check().catch(() => false)) return;
            if ((await docker(cli, ["inspect", "--format", "{{.State.Status}}", container])) === "exited") break;
            await sleep(500);
        }
        const state = await docker(cli, ["inspect", "--format", "{{.State.Status}} (exit code {{.State.ExitCode}})", container]);
        throw new Error(`${container}: ${what} not within ${seconds} s; it is ${state}; its log:\n${logsOf(container)}`);
    }

    /** A container's log, stdout and stderr. */
    const logsOf = (container: string) => {
        const logs = spawnSync(cli, ["logs", container], { encoding: "utf8" });
        return `${logs.stdout}${logs.stderr}`;
    };

    const publishedPort = async (container: string, port: number) => Number((await docker(cli, ["port", container, `${port}/tcp`])).split("\n")[0].split(":").pop());

    /** What a running container's shell command prints (the fluentd image has a shell; the nginx image does not). */
    const exec = (container: string, script: string) => docker(cli, ["exec", container, "sh", "-c", script]);

    it("the local stack runs both with read-only roots, and a read-only container refuses the provider's uploads", async () => {
        for (const name of ["dle-log-agent", "dle-webapp"]) expect(specOf(resources, name).readOnly).toBe(true);
        // Why the uploads go to a files container: Docker refuses the provider's copy to / of a read-only container.
        const probe = `${prefix}-probe`;
        created.containers.push(probe);
        await docker(cli, ["create", "--name", probe, "--read-only", "-v", "/data", loggerImage, "true"]);
        expect(() => uploadAsProvider(cli, probe, [{ file: "/data/file", content: "x" }])).toThrow(/read-only/);
    }, 120_000);

    it("runs the log agent read-only: it starts, takes a container's lines through the log driver and buffers them, writing only to its volumes", async () => {
        const spec = specOf(resources, "dle-log-agent");
        expect(spec.writable.length + spec.filesVolumes.length).toBeGreaterThan(0);
        // The mocks' certificates are fakes: real ones, from openssl, at the paths the program uploads them to.
        const ca = makeCa(openssl, dir, "ca");
        const client = makeCert(openssl, dir, ca, "agent", fluentdContainer.agentSelfHostname, "client");
        const real: Record<string, string> = {
            [spec.env.FORWARD_TLS_CA_PATH]: fs.readFileSync(ca.cert, "utf8"),
            [spec.env.FORWARD_TLS_CERT_PATH]: fs.readFileSync(client.cert, "utf8"),
            [spec.env.FORWARD_TLS_KEY_PATH]: fs.readFileSync(client.key, "utf8"),
        };
        const uploads = spec.uploads.map((u) => ({ ...u, content: real[u.file] ?? u.content }));
        const image = fluentdTestImage(cli);
        const agent = `${prefix}-agent`;
        // The forwarders are not there: the agent keeps what it takes in its file buffer.
        await create(agent, { ...spec, uploads }, image, ["-p", `127.0.0.1::${fluentdContainer.forwardPort}`]);
        await docker(cli, ["start", agent]);
        await waitFor(agent, "monitor_agent answering", 180, async () =>
            (await exec(agent, `ruby -rnet/http -e 'print Net::HTTP.get_response(URI("http://127.0.0.1:${fluentdContainer.monitorPort}/api/plugins.json")).code'`)) === "200");

        // A container logs through Docker's log driver with the webapp's options, to the read-only agent.
        const webapp = specOf(resources, "dle-webapp");
        const port = await publishedPort(agent, fluentdContainer.forwardPort);
        const logger = `${prefix}-logger`;
        created.containers.push(logger);
        await docker(cli, ["run", "-d", "--name", logger, ...logDriverArgs(webapp.logDriver!, { ...webapp.logOpts!, "fluentd-address": `127.0.0.1:${port}` }),
            loggerImage, "sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do echo read-only-agent-line-$i; done; exec sleep 600"]);
        await waitFor(agent, "the lines in its buffer", 120, async () =>
            // The chunks are MessagePack: the markers, each once, however the bytes break into lines.
            Number(await exec(agent, `cat ${fluentdContainer.bufferDir}/*/*/*.log 2>/dev/null | grep -a -o 'read-only-agent-line-[0-9]*' | sort -u | wc -l`)) === 10);

        // It wrote its files where the program said: the uploads handed to fluentd's user, mode 0400, in their volumes.
        const owners = await exec(agent, `stat -c '%n %U %a' ${Object.keys(real).join(" ")} ${spec.env.FORWARD_SHARED_KEY_FILE}`);
        expect(owners.split("\n").map((l) => l.split(" ").slice(1).join(" "))).toEqual(Array(4).fill("fluent 400"));
        // And nowhere else: the root refuses even root.
        await expect(exec(agent, "touch /fluentd/etc/agent.conf")).rejects.toThrow(/Read-only file system/);
        report(`read-only agent: running, ${await exec(agent, `ls ${fluentdContainer.bufferDir} | wc -l`)} buffer director(ies), uploads handed over`);
    }, 600_000);

    it("runs the webapp's nginx read-only: it serves the site, and a request body it buffers goes to its writable /tmp", async () => {
        const spec = specOf(resources, "dle-webapp");
        const image = nginxTestImage(cli, nginx);
        const network = `${prefix}-net`;
        created.networks.push(network);
        await docker(cli, ["network", "create", network]);
        // The api, where the webapp's local api-upstream.conf proxies /api/ (by its alias, through Docker's DNS).
        const api = `${prefix}-api`;
        created.containers.push(api);
        await docker(cli, ["run", "-d", "--name", api, "--network", network, "--network-alias", "api", loggerImage,
            "sh", "-c", "mkdir -p /www/api && echo api-answer > /www/api/index.html && exec busybox httpd -f -p 8080 -h /www"]);
        const webapp = `${prefix}-webapp`;
        await create(webapp, spec, image, ["--network", network, "-p", "127.0.0.1::80"]);
        await docker(cli, ["start", webapp]);
        const port = await publishedPort(webapp, 80);
        await waitFor(webapp, "the site answering", 60, async () => (await fetch(`http://127.0.0.1:${port}/`)).ok);
        expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe(spec.uploads.find((u) => u.file === "/etc/nginx/html/index.html")!.content);
        // A body larger than client_body_buffer_size: nginx writes it to client_body_temp_path (/tmp) before proxying.
        const proxied = await fetch(`http://127.0.0.1:${port}/api/`, { method: "POST", body: "x".repeat(256 * 1024) });
        await proxied.text();
        const logs = logsOf(webapp);
        report(`read-only nginx: POST /api/ with 256 KiB -> ${proxied.status}`);
        expect(logs).toMatch(/a client request body is buffered to a temporary file \/tmp\/nginx-client-body\//);
        // Written there: a temp path it cannot write fails the request with 500 and "Read-only file system" (busybox's
        // httpd, the api here, drops a POST to a page: nginx then answers 502).
        expect(logs).not.toMatch(/Read-only file system/);
        expect(proxied.status).not.toBe(500);
        expect(await (await fetch(`http://127.0.0.1:${port}/api/`)).text()).toBe("api-answer\n");
    }, 300_000);
});
