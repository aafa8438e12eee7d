/**
 * The whole pipeline on loopback for end-to-end and fault tests: the project's agent and forwarder configs
 * in real fluentd processes, with the environment the local stack's components give their containers
 * except for addresses, ports and directories; the sinks are the stand-ins and s3rver.
 * The agent reaches the forwarders as the stacks do, over mutual TLS with the shared key: the key is the mock
 * program's, the certificates are real ones made with openssl (a CA, a certificate for "localhost" per forwarder,
 * the name the agent connects to here, and the agent's client certificate), since the mocks' are fakes.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FluentClient } from "@fluent-org/logger";
import { StackOutputs } from "../verify/outputs";
import { fluentdDir } from "./fluentd-config";
import { FluentdProcess, FluentdSpec, freePort, startFluentd } from "./fluentd-process";
import { KeyPair, findOpenssl, makeCa, makeCert } from "./forward-certs";
import { RecordedResource, containerEnv } from "./mocks";
import { accessLine } from "./log-lines";
import { writeSecretFiles } from "./secret-files";
import { LoopbackSinks, LoopbackSinksOptions, startLoopbackSinks } from "./sinks";

/** The three fluentd processes, with the sinks they send to and a client that sends as Docker's log driver does. */
export interface LoopbackPipeline extends LoopbackFluentd {
    sinks: LoopbackSinks;
    /** The stack outputs the verification suite would read for this pipeline. */
    outputs: StackOutputs;
    /** Sends one nginx access line per marker, as Docker's log driver does (one event per forward message). */
    send(markers: string[]): Promise<void>;
    /**
     * Sends lines of a container as Docker's log driver does: `tag` is the container's log tag (webapp, api), one
     * event per line, and a line longer than 16 KiB in parts marked partial_* (see {@link dockerLogEvents}).
     */
    sendLines(tag: string, source: "stdout" | "stderr", lines: string[]): Promise<void>;
    /** Sends events as they are, as Docker's log driver would (tag: the container's log tag). */
    sendEvents(tag: string, events: Record<string, string>[]): Promise<void>;
}

export interface LoopbackTls {
    /** Where the certificates are; more can be made there with makeCert (tests/support/forward-certs.ts). */
    dir: string;
    /** The CA both ends trust (their FORWARD_TLS_CA_PATH). */
    ca: KeyPair;
    /** The agent's client certificate and key. */
    agent: KeyPair;
    /**
     * Each forwarder's certificate and key files, which it reads at start: to give it another certificate,
     * overwrite them and restart it.
     */
    primary: KeyPair;
    secondary: KeyPair;
    /** The name the agent connects to and the forwarders' certificates are for. */
    hostname: string;
}

/** Replaces values the component gave; a key it did not give is a mistake in the test, not a new variable. */
function override(env: Record<string, string>, values: Record<string, string>): Record<string, string> {
    const unknown = Object.keys(values).filter((k) => !(k in env));
    if (unknown.length > 0) throw new Error(`the component sets no ${unknown.join(", ")}`);
    return { ...env, ...values };
}

/** Docker's log driver reads a container's output in lines of at most 16 KiB: a longer line is sent in parts. */
export const dockerLineLimit = 16 * 1024;

/**
 * The events Docker's fluentd log driver sends for one line of a container (moby's daemon/logger/fluentd): the line
 * itself, or, past 16 KiB, its parts, each with partial_message, partial_id, partial_ordinal (from 1) and partial_last.
 * (Docker cuts at the byte; the parts here end at a character, so that each is a valid string.)
 */
function dockerLogEvents(container: string, source: string, line: string): Record<string, string>[] {
    const base = { container_id: "test", container_name: `/dle-${container}`, source };
    if (Buffer.byteLength(line) <= dockerLineLimit) return [{ ...base, log: line }];
    const parts: string[] = [];
    let part = "";
    let partBytes = 0;
    for (const char of line) {
        const charBytes = Buffer.byteLength(char);
        if (partBytes + charBytes > dockerLineLimit) {
            parts.push(part);
            part = "";
            partBytes = 0;
        }
        part += char;
        partBytes += charBytes;
    }
    parts.push(part);
    const id = `${Date.now()}${Math.random()}`;
    return parts.map((log, i) => ({ ...base, log, partial_message: "true", partial_id: id, partial_ordinal: String(i + 1), partial_last: String(i === parts.length - 1) }));
}

/** A client that sends like Docker's fluentd log driver, tagged with the container's name. */
export function logDriverClient(port: number): FluentClient {
    return new FluentClient(null, { eventMode: "Message", socket: { host: "127.0.0.1", port, timeout: 10_000 } });
}

/** Sends to the agent on `port` as Docker's log driver does: events as they are, or a container's lines. */
export interface LogDriverSender {
    /** Events as they are (tag: the container's log tag). */
    sendEvents(tag: string, events: Record<string, string>[]): Promise<void>;
    /** A container's lines, one event per line, a line longer than 16 KiB in parts (see {@link dockerLogEvents}). */
    sendLines(tag: string, source: "stdout" | "stderr", lines: string[]): Promise<void>;
    close(): Promise<void>;
}

export function logDriverSender(port: number): LogDriverSender {
    const client = logDriverClient(port);
    const sendEvents = async (tag: string, events: Record<string, string>[]) => {
        for (const event of events) await client.emit(tag, event);
    };
    return {
        sendEvents,
        sendLines: (tag, source, lines) => sendEvents(tag, lines.flatMap((line) => dockerLogEvents(tag, source, line))),
        close: () => client.disconnect(),
    };
}

/** The project's three fluentd processes on loopback, sending to sinks described by `sinks` (stack outputs). */
export interface LoopbackFluentd {
    dir: string;
    agent: FluentdProcess;
    primary: FluentdProcess;
    secondary: FluentdProcess;
    /** Where clients (like Docker's log driver) send events to the agent. */
    agentPort: number;
    /** Where applications that log straight to the agent (the api) send their records. */
    appPort: number;
    /** The primary's forward port (mutual TLS and the shared key), on 127.0.0.1, for clients other than the agent. */
    primaryPort: number;
    secondaryPort: number;
    /** The forward protocol's security on this pipeline. */
    tls: LoopbackTls;
    /** Prints every process's log tail: what a failed test needs to say why. */
    logs(): string;
    stop(): Promise<void>;
}

/** The sink outputs the forwarders' environment is made from. */
export type LoopbackSinkOutputs = LoopbackSinks["outputs"];

/** Where the agent finds the primary, for the scenarios that change it. */
export interface LoopbackFluentdOptions {
    /** The name the agent connects to for the primary, and its certificate's (default: "localhost"). */
    primaryHost?: string;
    /** The loopback address the primary listens on (default 127.0.0.1). */
    primaryBind?: string;
    /** A command that runs fluentd for the agent in place of `fluentd` (taking the same arguments). */
    agentCommand?: string;
}

/** What a fluentd on loopback gets instead of its container's addresses, ports and buffer directory. */
async function localEnv(bufferDir: string, bind = "127.0.0.1"): Promise<Record<string, string>> {
    return {
        FLUENTD_BIND: bind,
        FLUENTD_MONITOR_PORT: String(await freePort()),
        FLUENTD_METRICS_PORT: String(await freePort()),
        FLUENTD_BUFFER_DIR: bufferDir,
    };
}

/** Where one forwarder runs on loopback. */
export interface LoopbackForwarderPlace {
    /** The process's name, which its log file takes. */
    name: string;
    /** The mocked local stack's container whose environment it runs with. */
    container: "dle-log-forwarder-pri" | "dle-log-forwarder-sec";
    /** Its forward port, on `bind`. */
    port: number;
    /** The loopback address it listens on (default 127.0.0.1). */
    bind?: string;
    bufferDir: string;
    /** The CA its clients' certificates are from, and its own certificate and key. */
    ca: KeyPair;
    own: KeyPair;
}

/**
 * One forwarder of the mocked local stack (`resources`) as a fluentd process on loopback: forwarder.conf with its
 * container's environment, the addresses, ports and directories made local, sending to `sinks`; its log and its
 * credential files in `dir`. Two processes of one spec may run one after the other on the same buffer directory.
 */
export async function loopbackForwarderSpec(fluentd: string, resources: RecordedResource[], sinks: LoopbackSinkOutputs, dir: string, place: LoopbackForwarderPlace): Promise<FluentdSpec> {
    const search = new URL(sinks.searchUrl);
    const env = containerEnv(resources, place.container);
    // The sql sink, where the mocked stack has it (dle:sinks sql): the test's PostgreSQL.
    const sql = "SQL_HOST" in env ? new URL(sinks.sqlUrl ?? "") : undefined;
    if (sql !== undefined && sinks.sqlUrl === undefined) throw new Error("the mocked stack has the sql sink: start the loopback sinks with postgres");
    return {
        fluentd, name: place.name, dir,
        config: path.join(fluentdDir, "forwarder.conf"),
        env: override(env, {
            ...(await localEnv(place.bufferDir, place.bind)),
            ...(sql === undefined ? {} : { SQL_HOST: sql.hostname, SQL_PORT: sql.port }),
            SEARCH_HOST: search.hostname,
            SEARCH_PORT: search.port,
            SEARCH_USER: sinks.searchUsername!,
            ARCHIVE_ENDPOINT: sinks.archiveEndpoint!,
            AWS_CONTAINER_CREDENTIALS_FULL_URI: sinks.archiveCredentials.url,
            FORWARDER_PORT: String(place.port),
            FLUENTD_CONF_DIR: fluentdDir,
            // The sinks' credentials and the archive's credentials token, as files, as the containers get them; the shared
            // key is the mocked stack's.
            ...writeSecretFiles(resources, place.container, path.join(dir, "secrets"), {
                STORE_CONNECTION_STRING: sinks.storeConnectionString,
                SEARCH_PASSWORD: sinks.searchPassword!,
                ARCHIVE_CREDENTIALS_TOKEN: sinks.archiveCredentials.token,
                ...(sql === undefined ? {} : { SQL_PASSWORD: decodeURIComponent(sql.password) }),
            }),
            FORWARD_TLS_CA_PATH: place.ca.cert, FORWARD_TLS_CERT_PATH: place.own.cert, FORWARD_TLS_KEY_PATH: place.own.key,
        }),
    };
}

/**
 * Starts the agent and both forwarders with the environment the mocked local stack (`resources`) gives their
 * containers, the addresses, ports and directories made local, sending to `sinks`; in a new directory under the
 * system's temporary one. The benchmark runs its sinks in processes of their own and calls this directly.
 */
export async function startLoopbackFluentd(fluentd: string, resources: RecordedResource[], s: LoopbackSinkOutputs, options: LoopbackFluentdOptions = {}): Promise<LoopbackFluentd> {
    const openssl = findOpenssl();
    if (openssl === undefined) throw new Error("the loopback pipeline needs openssl (on PATH or in $OPENSSL) for its TLS certificates");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-pipeline-"));
    // The agent connects to "localhost", which the forwarders' certificates are for (and which resolves to
    // 127.0.0.1, where they listen).
    const hostname = "localhost";
    const tlsDir = path.join(dir, "tls");
    fs.mkdirSync(tlsDir);
    const ca = makeCa(openssl, tlsDir, "forward-ca");
    const tls: LoopbackTls = {
        dir: tlsDir, ca, hostname,
        agent: makeCert(openssl, tlsDir, ca, "agent", containerEnv(resources, "dle-log-agent").FORWARD_SELF_HOSTNAME, "client"),
        primary: makeCert(openssl, tlsDir, ca, "primary", options.primaryHost ?? hostname, "server"),
        secondary: makeCert(openssl, tlsDir, ca, "secondary", hostname, "server"),
    };
    const [primaryPort, secondaryPort, agentPort, appPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const forwarder = async (name: "primary" | "secondary", container: LoopbackForwarderPlace["container"], port: number, bind?: string) =>
        startFluentd(await loopbackForwarderSpec(fluentd, resources, s, dir, { name, container, port, bind, bufferDir: path.join(dir, name), ca, own: tls[name] }));
    // One after the other, as the stack starts them: each creates the archive bucket if it is missing. Those
    // started are stopped again if a later one fails to start.
    const started: FluentdProcess[] = [];
    const track = async (starting: Promise<FluentdProcess>) => {
        try {
            const p = await starting;
            started.push(p);
            return p;
        } catch (error) {
            await Promise.all(started.map((p) => p.stop()));
            throw error;
        }
    };
    const primary = await track(forwarder("primary", "dle-log-forwarder-pri", primaryPort, options.primaryBind));
    const secondary = await track(forwarder("secondary", "dle-log-forwarder-sec", secondaryPort));
    const agent = await track(startFluentd({
        fluentd: options.agentCommand ?? fluentd, name: "agent", dir,
        config: path.join(fluentdDir, "agent.conf"),
        env: override(containerEnv(resources, "dle-log-agent"), {
            ...(await localEnv(path.join(dir, "agent"))),
            ...writeSecretFiles(resources, "dle-log-agent", path.join(dir, "secrets")),
            AGENT_PORT: String(agentPort),
            AGENT_APP_PORT: String(appPort),
            FORWARDER_PRIMARY_HOST: options.primaryHost ?? hostname,
            FORWARDER_PRIMARY_PORT: String(primaryPort),
            FORWARDER_SECONDARY_HOST: hostname,
            FORWARDER_SECONDARY_PORT: String(secondaryPort),
            FORWARD_TLS_CA_PATH: ca.cert, FORWARD_TLS_CERT_PATH: tls.agent.cert, FORWARD_TLS_KEY_PATH: tls.agent.key,
        }),
    }));
    const processes = [agent, primary, secondary];
    return {
        dir, agent, primary, secondary, agentPort, appPort, primaryPort, secondaryPort, tls,
        logs: () => processes.map((p) => `--- ${p.name} (${p.logFile}) ---\n${p.tail()}`).join("\n"),
        stop: async () => { await Promise.all(processes.map((p) => p.stop())); },
    };
}

/** `resources`: what the mocked local stack registered (its containers' environments are the base). */
export async function startLoopbackPipeline(fluentd: string, resources: RecordedResource[], sinkOptions: LoopbackSinksOptions = {}, fluentdOptions: LoopbackFluentdOptions = {}): Promise<LoopbackPipeline> {
    const sinks = await startLoopbackSinks(sinkOptions);
    let processes: LoopbackFluentd;
    try {
        processes = await startLoopbackFluentd(fluentd, resources, sinks.outputs, fluentdOptions);
    } catch (error) {
        // Nobody gets the sinks to stop them: stop them here, or they keep their ports and the test process alive.
        await sinks.stop();
        throw error;
    }
    const { sendEvents, sendLines, close } = logDriverSender(processes.agentPort);
    return {
        ...processes,
        sinks,
        outputs: { ...sinks.outputs, webappUrl: "(forward protocol)", forwarderControl: "docker", forwarderPrimary: "primary", forwarderSecondary: "secondary" },
        send: (markers) => sendLines("webapp", "stdout", markers.map((marker) => accessLine({ marker }))),
        sendLines,
        sendEvents,
        async stop() {
            await close();
            await processes.stop();
            await sinks.stop();
        },
    };
}
