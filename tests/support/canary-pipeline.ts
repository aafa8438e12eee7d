/**
 * The canary on the real pipeline on loopback, for its end-to-end and fault tests: the loopback pipeline (real fluentd,
 * the stand-ins, s3rver), the canary service itself with the environment the mocked local stack gives its container
 * (addresses, files and the wait made local), its stdout lines handed to the agent as Docker's fluentd log driver sends
 * them (tag canary), and Debian's Prometheus scraping it every second with the stack's alert rules.
 *
 * Its store and search users are read-only ones, set up in the MongoDB and Elasticsearch stand-ins by the stack's own
 * code; s3rver has one key pair, so it reads the archive with the sink's own. The benchmark starts the same service on
 * its own sinks with {@link startLoopbackCanary}.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { canaryReaderName } from "../../components/canary/args";
import { canaryReaderRole } from "../../components/canary/local";
import { grantStoreReader, withCredentials } from "../../components/canary/service/store-reader";
import { canaryVariables as v } from "../../components/canary/service/settings";
import { applyReaderAccess } from "../../components/dashboards/elasticsearch-users";
import { monitoringFiles } from "../../components/monitoring";
import { prometheusConfig, prometheusUser, prometheusWebConfig } from "../../components/monitoring/local";
import { CanaryProcess, startCanary } from "./canary-process";
import { LogDriverSender, LoopbackPipeline, LoopbackSinkOutputs, startLoopbackPipeline } from "./loopback-pipeline";
import { RecordedResource, containerEnv } from "./mocks";
import { PrometheusServer, bcryptHash, findPrometheus, startPrometheus } from "./prometheus";

export interface CanaryPipeline {
    pipeline: LoopbackPipeline;
    canary: CanaryProcess;
    prometheus: PrometheusServer;
    /** Prometheus's login. */
    login: { username: string; password: string };
    /** The canary's lines the test has handed to the agent. */
    linesSent(): number;
    /** The canary's run id, from its first line. */
    runId(): string;
    /** Every process's log tail, for a failed test. */
    logs(): string;
    stop(): Promise<void>;
}

/** Prometheus, where it and a bcrypt hasher for its login are at hand. */
export function prometheusForCanary(): string | undefined {
    const binary = findPrometheus();
    return binary === undefined || bcryptHash("probe") === undefined ? undefined : binary;
}

/** Why {@link prometheusForCanary} found nothing. */
export const noPrometheusReason = "no prometheus on PATH or in $PROMETHEUS, or no bcrypt hasher (python3's crypt module) for its login (Debian: apt-get install prometheus)";

/** The canary service on loopback sinks, its lines handed to the agent as Docker's log driver sends them. */
export interface LoopbackCanary {
    canary: CanaryProcess;
    /** The canary's lines handed to the agent so far. */
    linesSent(): number;
    /**
     * Whether its lines go on to the agent from now (they do from the start unless `relaying` was false): a line not
     * passed on never reaches a sink, as if its container's log driver had lost it, and never enters the latencies.
     */
    relay(on: boolean): void;
    /** The lines passed on (or queued to be) so far. */
    linesRelayed(): number;
    /** The canary's run id, from its first line. */
    runId(): string;
    /** Stops the service, then waits for its last lines to be handed on. */
    stop(): Promise<void>;
}

export interface LoopbackCanaryArgs {
    /** What the mocked local stack registered: the canary container's environment is the base. */
    resources: RecordedResource[];
    /** The loopback sinks, as stack outputs (their admin credentials). */
    outputs: LoopbackSinkOutputs;
    /** Where its credential files go. */
    dir: string;
    /** The agent, as Docker's log driver reaches it. */
    agent: Pick<LogDriverSender, "sendLines">;
    /** Replaces settings of the component's (the wait, most often); a setting it does not give is a mistake of the caller. */
    env: Record<string, string>;
    /** Whether its lines go on to the agent from the start (default true); see {@link LoopbackCanary.relay}. */
    relaying?: boolean;
}

/**
 * The canary service with the environment the mocked local stack gives its container, the addresses, files and `env`
 * made local: its store and search users read-only ones, granted in the stand-ins by the stack's own code (the local
 * stack's, components/canary/local-providers.ts). The tests' and the benchmark's one launcher of it.
 */
export async function startLoopbackCanary(args: LoopbackCanaryArgs): Promise<LoopbackCanary> {
    const { resources, outputs, dir, agent, env } = args;
    fs.mkdirSync(dir, { recursive: true });
    const file = (name: string, content: string) => {
        const p = path.join(dir, name);
        fs.writeFileSync(p, content, { mode: 0o600 });
        return p;
    };
    const component = containerEnv(resources, "dle-canary");
    const storeReader = withCredentials(outputs.storeConnectionString, canaryReaderName, randomBytes(12).toString("hex"));
    await grantStoreReader(outputs.storeConnectionString, storeReader, outputs.storeDatabase);
    const searchReader = { username: component[v.searchUsername], password: randomBytes(12).toString("hex") };
    await applyReaderAccess({
        url: outputs.searchUrl,
        superuser: { username: outputs.searchUsername!, password: outputs.searchPassword! },
        role: { name: canaryReaderRole, indexPattern: `${outputs.searchIndexPrefix}-*` },
        user: searchReader,
    });
    const local: Record<string, string> = {
        [v.searchUrl]: outputs.searchUrl,
        [v.archiveEndpoint]: outputs.archiveEndpoint!,
        [`${v.storeConnectionString}_FILE`]: file("store", storeReader),
        [`${v.searchPassword}_FILE`]: file("search", searchReader.password),
        [`${v.archiveAccessKeyId}_FILE`]: file("archive-key-id", outputs.archiveAccessKeyId!),
        [`${v.archiveSecretAccessKey}_FILE`]: file("archive-secret", outputs.archiveSecretAccessKey!),
        ...env,
    };
    const unknown = Object.keys(local).filter((name) => !(name in component));
    if (unknown.length > 0) throw new Error(`the canary component sets no ${unknown.join(", ")}`);

    // The lines go to the agent in the order the canary wrote them, one after the other, as dockerd sends them.
    let sending = Promise.resolve();
    let sent = 0;
    let relayed = 0;
    let relaying = args.relaying ?? true;
    let runId: string | undefined;
    const canary = await startCanary({ ...component, ...local }, (line) => {
        runId ??= /dle-canary=(v\w+)-\d+/.exec(line)?.[1];
        if (!relaying) return;
        relayed++;
        sending = sending.then(() => agent.sendLines("canary", "stdout", [line])).then(() => { sent++; });
    });
    return {
        canary,
        linesSent: () => sent,
        relay: (on) => { relaying = on; },
        linesRelayed: () => relayed,
        runId: () => {
            if (runId === undefined) throw new Error("the canary has logged no event yet");
            return runId;
        },
        async stop() {
            await canary.stop();
            await sending.catch(() => undefined);
        },
    };
}

/**
 * Starts it all. `env` replaces settings of the component's (the wait, most often); a setting it does not give is a
 * mistake of the test.
 */
export async function startCanaryPipeline(fluentd: string, prometheusBinary: string, resources: RecordedResource[], env: Record<string, string>): Promise<CanaryPipeline> {
    const pipeline = await startLoopbackPipeline(fluentd, resources);
    const started: { canary?: LoopbackCanary; prometheus?: PrometheusServer } = {};
    try {
        const dir = path.join(pipeline.dir, "canary");
        started.canary = await startLoopbackCanary({ resources, outputs: pipeline.sinks.outputs, dir, agent: pipeline, env });
        const { canary, linesSent, runId } = started.canary;

        const login = { username: prometheusUser, password: randomBytes(18).toString("hex") };
        const passwordFile = path.join(dir, "prometheus-password");
        fs.writeFileSync(passwordFile, login.password, { mode: 0o600 });
        const metricsOf = (p: { metricsPort: number }) => `127.0.0.1:${p.metricsPort}`;
        started.prometheus = await startPrometheus(prometheusBinary, dir, (port) => prometheusConfig({
            fluentd: { agent: metricsOf(pipeline.agent), primary: metricsOf(pipeline.primary), secondary: metricsOf(pipeline.secondary) },
            canary: `127.0.0.1:${canary.port}`,
            self: `127.0.0.1:${port}`,
            passwordFile,
            ruleFiles: [monitoringFiles.alertRules],
            intervalSeconds: 1,
        }), prometheusWebConfig(bcryptHash(login.password)!), login);
        const prometheus = started.prometheus;
        const loopbackCanary = started.canary;
        return {
            pipeline, canary, prometheus, login, linesSent, runId,
            logs: () => `${pipeline.logs()}\n--- canary (stderr) ---\n${canary.stderr().split("\n").slice(-20).join("\n")}\n--- prometheus ---\n${prometheus.log()}`,
            async stop() {
                await loopbackCanary.stop();
                await prometheus.stop();
                await pipeline.stop();
            },
        };
    } catch (error) {
        // Nobody gets what started to stop it: stop it here, or it keeps its ports and the test process alive.
        await started.prometheus?.stop();
        await started.canary?.stop();
        await pipeline.stop();
        throw error;
    }
}

/** The alerts Prometheus has for the canary now: `<alertname> <sink> <state>`, sorted. */
export async function canaryAlerts(prometheus: PrometheusServer): Promise<string[]> {
    const { alerts } = await prometheus.api<{ alerts: { labels: Record<string, string>; state: string }[] }>("/api/v1/alerts");
    return alerts.filter((a) => a.labels.alertname.startsWith("DleCanary")).map((a) => `${a.labels.alertname} ${a.labels.sink ?? "-"} ${a.state}`).sort();
}
