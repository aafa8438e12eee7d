/**
 * What the canary's component (./index.ts) and its two targets (./local.ts, ./aws.ts) share: its Args, its outputs and
 * the container's environment. In a module of its own, so that the targets import this and the component imports
 * them, never in a circle.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";
import { AgentEndpoint, ArchiveEndpoint, SearchEndpoint, StoreEndpoint } from "../endpoints";
import { Platform } from "../platform";
import { stackLabel } from "../stack-names";
import { canaryVariables as v } from "./service/settings";

/** The canary's image build context (its Dockerfile and service/), shared by both targets. */
export const canaryDir = __dirname;
/** The service's source: run by the image, and by the tests. */
export const canaryServer = path.join(__dirname, "service", "server.ts");
/** The port of its metrics and health check, inside its container (or task): published nowhere. */
export const canaryMetricsPort = 9464;
/** Its container name, and its log tag: the agent names the application after it (agent-log-types.conf). */
export const canaryContainerName = "canary";
/** Seconds between two reads of each sink: a found event's latency is known to within this. */
export const canaryPollSeconds = 1;
/** The canary's health check: it answers on its own port (the image is Alpine's, with BusyBox's wget). */
export const canaryHealthcheck = ["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${canaryMetricsPort}/health`];
/**
 * Node.js's flags for the service, as the image's CMD has them (components/canary/Dockerfile): its package has no
 * "type" (so that the tests can import its files), and Node.js would warn of that at every start.
 */
export const canaryNodeFlags = ["--disable-warning=MODULE_TYPELESS_PACKAGE_JSON"];
/** Node.js running one of the service's scripts. */
export const canaryNodeCommand = (script: string) => ["node", ...canaryNodeFlags, script];
/** The canary itself. */
export const canaryCommand = canaryNodeCommand("server.ts");
/** The canary's users in the store and the search index, which may only read. */
export const canaryReaderName = "dle-canary";

export interface CanaryArgs {
    config: StackConfig;
    /** The target's shared resources; its `kind` selects the implementation. */
    platform: Platform;
    /**
     * Where its lines go, as the applications' do: Docker's fluentd log driver to the agent locally; on AWS the agent's
     * FireLens log router, which joins the canary's own task.
     */
    agent: AgentEndpoint;
    /** The sinks it reads every event back from, each with the least privilege that works. */
    store: StoreEndpoint;
    search: SearchEndpoint;
    archive: ArchiveEndpoint;
}

/** The sinks the canary reads every event back from: every sink of the pipeline (its figures are per sink). */
export const canarySinks = ["store", "search", "archive"] as const;

/** What the canary gives the rest of the stack. */
export interface CanaryOutputs {
    /** Its container (locally) or ECS service (AWS). */
    name: pulumi.Output<string>;
    /** Locally: where Prometheus scrapes its metrics (`host:port` on the stack's network). */
    metricsAddress?: pulumi.Output<string>;
    /** On AWS: the CloudWatch namespace it publishes its figures to. */
    cloudwatchNamespace?: string;
    /** On AWS: the value of the Stack dimension of its figures (service/cloudwatch.ts). */
    cloudwatchStack?: string;
}

/**
 * The canary's CloudWatch namespace on AWS, shared by the stacks of one account and region: each stack's figures carry
 * its name in the dimension Stack (service/cloudwatch.ts says why a dimension, not a namespace per stack).
 */
export const canaryCloudwatchNamespace = "dle/canary";

/** This stack's value of the Stack dimension: its name as its alarms, dashboard and log groups carry it. */
export const canaryCloudwatchStack = (): string => stackLabel();

/**
 * The canary's settings and where its sinks are, without any credential: each target adds those its own way (files
 * locally, Secrets Manager and the task role on AWS).
 */
export function canaryEnv(config: StackConfig, sinks: { search: SearchEndpoint; archive: ArchiveEndpoint }): Record<string, pulumi.Input<string>> {
    const { search, archive } = sinks;
    return {
        [v.intervalSeconds]: String(config.canary.intervalSeconds),
        [v.waitSeconds]: String(config.canary.waitSeconds),
        [v.pollSeconds]: String(canaryPollSeconds),
        [v.metricsPort]: String(canaryMetricsPort),
        [v.storeDatabase]: config.store.database,
        [v.storeCollection]: config.store.collection,
        [v.searchUrl]: pulumi.interpolate`${search.scheme}://${search.host}:${search.port}`,
        [v.searchIndexPrefix]: search.indexPrefix,
        [v.searchAuth]: search.auth.kind,
        ...(search.auth.kind === "basic" ? { [v.searchUsername]: canaryReaderName } : { [v.searchRegion]: search.auth.region }),
        ...(archive.access.kind === "keys" ? { [v.archiveEndpoint]: archive.access.endpoint } : {}),
        [v.archiveRegion]: archive.region,
        [v.archiveBucket]: archive.bucket,
        [v.archiveKeyPrefix]: archive.keyPrefix,
    };
}
