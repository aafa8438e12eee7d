/**
 * What the verification suite knows about a deployed stack: its outputs, and nothing else.
 * Read from `$DLE_OUTPUTS` (a JSON file, as `pulumi stack output --json --show-secrets` prints it) when
 * set, else from the Pulumi CLI for the stack `$DLE_STACK` (default "local").
 */
import { execFileSync } from "child_process";
import * as fs from "fs";

/** The stack outputs the suite uses. Optional ones depend on how the target is reached. */
export interface StackOutputs {
    webappUrl: string;
    storeConnectionString: string;
    storeDatabase: string;
    storeCollection: string;
    searchUrl: string;
    /** "basic": searchUsername/searchPassword. "aws-sigv4": the default AWS credential chain, searchRegion. */
    searchAuth: "basic" | "aws-sigv4";
    searchUsername?: string;
    searchPassword?: string;
    searchRegion?: string;
    searchIndexPrefix: string;
    /** Absent on AWS: the S3 service itself. */
    archiveEndpoint?: string;
    archiveRegion: string;
    archiveBucket: string;
    archiveKeyPrefix: string;
    /** Absent on AWS: the default AWS credential chain. */
    archiveAccessKeyId?: string;
    archiveSecretAccessKey?: string;
    /** The sinks every event is copied to (dle:sinks, comma-separated). */
    sinks?: string;
    /** With the sql sink: a postgres:// URL with the password. */
    sqlUrl?: string;
    /** With the cloudwatch sink (AWS): the prefix of its log groups (`/dle/<stack>/logs/`) and their region; read with the default AWS credential chain. */
    cloudwatchLogGroupPrefix?: string;
    cloudwatchLogsRegion?: string;
    /** "docker": forwarder* are container names. "ecs": they are ECS service names in ecsCluster. */
    forwarderControl: "docker" | "ecs";
    forwarderPrimary: string;
    forwarderSecondary: string;
    ecsCluster?: string;
    /** Kibana (local) or the domain's OpenSearch Dashboards (aws), reached like searchUrl; a deployed stack has them (see `required`). */
    dashboardsUrl?: string;
    dashboardsProduct?: "kibana" | "opensearch-dashboards";
    /** Local only: the dashboards' login. */
    dashboardsUsername?: string;
    dashboardsPassword?: string;
    /** "prometheus": prometheusUrl and its login. "cloudwatch": cloudwatchNamespace in cloudwatchRegion. */
    monitoringKind?: "prometheus" | "cloudwatch";
    prometheusUrl?: string;
    prometheusUsername?: string;
    prometheusPassword?: string;
    cloudwatchNamespace?: string;
    cloudwatchRegion?: string;
    /** Whether the stack runs the canary; its figures are Prometheus's (locally) or canaryNamespace's in CloudWatch (AWS). */
    canaryEnabled?: boolean;
    /** Seconds the canary waits before it counts an event missing. */
    canaryWaitSeconds?: number;
    canaryNamespace?: string;
    /** The Stack dimension of the canary's figures in canaryNamespace. */
    canaryStack?: string;
}

const required: (keyof StackOutputs)[] = [
    "webappUrl", "storeConnectionString", "storeDatabase", "storeCollection", "searchUrl", "searchAuth",
    "searchIndexPrefix", "archiveRegion", "archiveBucket", "archiveKeyPrefix", "forwarderControl",
    "forwarderPrimary", "forwarderSecondary", "dashboardsUrl", "dashboardsProduct",
];

/** Checks a parsed outputs object; the error names every missing output and where they came from. */
function parseStackOutputs(raw: unknown, source: string): StackOutputs {
    const outputs = (raw ?? {}) as Record<string, unknown>;
    const missing = required.filter((key) => typeof outputs[key] !== "string" || outputs[key] === "");
    if (missing.length > 0) {
        throw new Error(`Stack outputs from ${source} lack ${missing.map((k) => `\`${k}\``).join(", ")}: is the stack deployed, and up to date?`);
    }
    return outputs as unknown as StackOutputs;
}

export function loadStackOutputs(env: NodeJS.ProcessEnv = process.env): StackOutputs {
    if (env.DLE_OUTPUTS) {
        return parseStackOutputs(JSON.parse(fs.readFileSync(env.DLE_OUTPUTS, "utf8")), env.DLE_OUTPUTS);
    }
    const stack = env.DLE_STACK ?? "local";
    let text: string;
    try {
        text = execFileSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
    } catch (error) {
        const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
        throw new Error(`Cannot read the outputs of stack "${stack}" with the Pulumi CLI (${detail}). ` +
            "Deploy it first, or set DLE_OUTPUTS to a JSON file of its outputs.");
    }
    return parseStackOutputs(JSON.parse(text), `pulumi stack output --stack ${stack}`);
}
