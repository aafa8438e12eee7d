/**
 * The project's fluentd configs under a real fluentd (`--dry-run`) with exactly the environment the aws stack's
 * task definitions give each container, with every sink the aws stack has: the agent inside a FireLens-shaped
 * fluent.conf, the forwarders with the OpenSearch and S3 target files and the sql and cloudwatch sinks' outputs.
 * Secrets (ECS `secrets` entries) get dummy values, except the TLS PEMs, which get real ones (made with openssl: the
 * mocks' are fakes): fluentd starts through the image's fluentd/dle-entrypoint.sh, which writes them, and the
 * credentials, to the files the configs read, and locks the buffer directory, as in a task (in a temporary directory
 * instead of /fluentd/etc/tls, /fluentd/etc/secrets and /fluentd/buffer).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { fileContentEnv, fluentdUserEnv } from "../../components/fluentd-env";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { fluentdDir, fluentdPluginDir } from "../support/fluentd-config";
import { ForwardCerts, entrypointForTests, makeForwardCerts } from "../support/forward-certs";
import { taskDefinitionsRegistered } from "../support/aws-tasks";
import { unexpectedWarnings } from "../support/dry-run-output";
import { RecordedResource, generatedSecretMarker, installMocks, programLoadTimeoutMs, runProgram, unwrapSecrets } from "../support/mocks";

const run = promisify(execFile);
// Every sink the aws stack has, so that each sink's output is checked.
const resources: RecordedResource[] = installMocks({ target: "aws", sinks: "store,search,archive,sql,cloudwatch" });

interface ContainerDefinition {
    name: string;
    environment: { name: string; value: string }[];
    secrets: { name: string; valueFrom: string }[];
}

/** A task container's environment; each secret gets a dummy value of the right shape, marked like a generated one. */
function taskEnv(taskDefinition: string, containerName: string): Record<string, string> {
    const task = resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === taskDefinition);
    const containers = JSON.parse(unwrapSecrets(task?.inputs.containerDefinitions) as string) as ContainerDefinition[];
    const c = containers.find((d) => d.name === containerName);
    if (!c) throw new Error(`no container ${containerName} in ${taskDefinition}`);
    const dummies: Record<string, string> = {
        STORE_CONNECTION_STRING: `mongodb://dle:${generatedSecretMarker}store@store.internal:27017/applogs?tls=true&tlsCAFile=/fluentd/etc/rds-global-bundle.pem&replicaSet=rs0&retryWrites=false&authSource=admin`,
    };
    return Object.fromEntries([
        ...c.environment.map((e) => [e.name, e.value]),
        ...c.secrets.map((s) => [s.name, dummies[s.name] ?? `${generatedSecretMarker}${s.name}`]),
    ]);
}

describeWithFluentdAndOpenssl("fluentd --dry-run on the aws stack's configs", (fluentd, openssl) => {
    let dir: string;
    let home: Record<string, string>;
    let entrypoint: string;
    /** Real certificates, and where the entrypoint writes each PEM and credential here, by the variable the configs read. */
    let certs: ForwardCerts;
    let files: Record<string, string>;

    beforeAll(async () => {
        await runProgram();
        await taskDefinitionsRegistered(resources);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-dry-run-aws-"));
        // fluent-plugin-opensearch fetches AWS credentials while configuring, even in a dry run; in a task they
        // come from ECS, here from a dummy credentials file (nothing is sent anywhere).
        const credentials = path.join(dir, "credentials");
        fs.writeFileSync(credentials, "[default]\naws_access_key_id = AKIDDRYRUN\naws_secret_access_key = dry-run\n");
        // fluentd runs as the user running the tests (the tests' fluentd needs root to mount its Ruby root), not fluent.
        home = { PATH: process.env.PATH ?? "", HOME: dir, AWS_SHARED_CREDENTIALS_FILE: credentials, [fluentdUserEnv]: "root" };
        certs = makeForwardCerts(openssl, path.join(dir, "certs"));
        files = Object.fromEntries(Object.keys(fileContentEnv).map((pathVariable) => [pathVariable, path.join(dir, "files", pathVariable.toLowerCase())]));
        entrypoint = entrypointForTests(fluentdDir, dir);
    }, programLoadTimeoutMs);

    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Through the entrypoint, with the task's PEM variables holding real PEMs and its paths pointing here. */
    const dryRun = (config: string, env: Record<string, string>) => {
        // A forwarder's own certificate is a server certificate; the agent's (the log router's) a client one.
        const own = env.FLUENTD_CONF === "forwarder.conf" ? certs.server : certs.client;
        const pems: Record<string, string> = {
            FORWARD_TLS_CA_PEM: fs.readFileSync(certs.ca.cert, "utf8"),
            FORWARD_TLS_CERT_PEM: fs.readFileSync(own.cert, "utf8"),
            FORWARD_TLS_KEY_PEM: fs.readFileSync(own.key, "utf8"),
        };
        const tls = Object.fromEntries(Object.entries(env).flatMap(([name]) =>
            name in pems ? [[name, pems[name]]] : name in files ? [[name, files[name]]] : []));
        // A forwarder reads its search retention policy from its config directory: the repository's here.
        const confDir: Record<string, string> = "FLUENTD_CONF_DIR" in env ? { FLUENTD_CONF_DIR: fluentdDir } : {};
        // The image has /fluentd/buffer; the entrypoint takes its lock there.
        const buffers = { FLUENTD_BUFFER_DIR: path.join(dir, "buffer") };
        fs.mkdirSync(buffers.FLUENTD_BUFFER_DIR, { recursive: true });
        return run(entrypoint, [fluentd, "--dry-run", "-c", config, "-p", fluentdPluginDir], { env: { ...home, ...env, ...confDir, ...tls, ...buffers }, timeout: 60_000 });
    };

    it("accepts agent.conf inside the fluent.conf FireLens generates", async () => {
        const env = taskEnv("dle-webapp", "log-router");
        // The shape FireLens generates for fluentd (aws-samples/amazon-ecs-firelens-under-the-hood):
        // its sources and ECS metadata, the config-file-value @include, then a <match> from the log options.
        const fluentConf = path.join(dir, "fluent.conf");
        fs.writeFileSync(fluentConf, [
            `<source>\n  @type unix\n  path ${path.join(dir, "fluent.sock")}\n</source>`,
            "<source>\n  @type forward\n  bind 0.0.0.0\n  port 24224\n</source>",
            "<filter **>\n  @type record_transformer\n  <record>\n    ecs_cluster dle\n    ecs_task_definition dle-webapp:1\n  </record>\n</filter>",
            `@include ${path.join(fluentdDir, "agent.conf")}`,
            "<match webapp-firelens**>\n  @type null\n</match>",
        ].join("\n"));
        const { stdout } = await dryRun(fluentConf, env);
        expect(stdout).toContain("finished dry run mode");
        expect(stdout).not.toMatch(/parameter '[^']+' in .* is not used/);
        expect(unexpectedWarnings(stdout)).toEqual([]);
        expect(stdout).not.toContain(generatedSecretMarker);
    }, 90_000);

    it.each([["dle-log-forwarder-pri"], ["dle-log-forwarder-sec"]])("accepts forwarder.conf with the environment of %s", async (name) => {
        const env = taskEnv(name, "forwarder");
        // A failed run says why: the end of fluentd's output.
        const { stdout } = await dryRun(path.join(fluentdDir, env.FLUENTD_CONF), env)
            .catch((e: { stdout: string; stderr: string }) => { throw new Error(`${e.stdout.slice(-3000)}\n${e.stderr.slice(-2000)}`); });
        expect(stdout).toContain("finished dry run mode");
        // No parameter the opensearch or s3 plugin does not know (an Elasticsearch-only one, a typo).
        expect(stdout).not.toMatch(/parameter '[^']+' in .* is not used/);
        expect(unexpectedWarnings(stdout)).toEqual([]);
        expect(stdout).not.toContain(generatedSecretMarker);
    }, 90_000);

    it("stops at start, naming the variable, when the region for SigV4 is missing", async () => {
        const { SEARCH_REGION: _, ...env } = taskEnv("dle-log-forwarder-pri", "forwarder");
        await expect(dryRun(path.join(fluentdDir, "forwarder.conf"), env))
            .rejects.toMatchObject({ stderr: expect.stringContaining('key not found: "SEARCH_REGION"') });
    }, 90_000);
});
