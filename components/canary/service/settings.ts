/**
 * The canary's settings: every environment variable it reads, named once here (components/canary/index.ts gives the
 * container exactly these), and read into typed settings; a bad or missing one stops the canary at start, naming the
 * variable. A sink is read back when its variables are set, and only then.
 *
 * Credentials come from a file that a `*_FILE` variable names (the local stack uploads them, readable by the canary's
 * user only) or, on AWS, from the variable itself, which ECS fills from Secrets Manager at the task's start (the value
 * is in no task definition). Either way they are the canary's own read-only credentials where the sink has users.
 */
import * as fs from "node:fs";
import type { SinkLocations } from "./probes.ts";

/** The names of the canary's environment variables. */
export const canaryVariables = {
    /** Seconds between two canary events (dle:canaryIntervalSeconds). */
    intervalSeconds: "DLE_CANARY_INTERVAL_SECONDS",
    /** Seconds an event may take to reach a sink before it counts as missing (dle:canaryWaitSeconds). */
    waitSeconds: "DLE_CANARY_WAIT_SECONDS",
    /** Seconds between two reads of each sink. */
    pollSeconds: "DLE_CANARY_POLL_SECONDS",
    /** Seconds after its sending that a missing event is still looked for, to count it late if it comes. */
    lateWindowSeconds: "DLE_CANARY_LATE_WINDOW_SECONDS",
    /** The port of its Prometheus metrics (/metrics) and health check (/health). */
    metricsPort: "DLE_CANARY_METRICS_PORT",
    /** On AWS: the CloudWatch namespace it publishes its figures to, every minute. */
    cloudwatchNamespace: "DLE_CANARY_CLOUDWATCH_NAMESPACE",
    /** With the namespace: this stack's name, the dimension Stack of every figure it publishes (./cloudwatch.ts). */
    cloudwatchStack: "DLE_CANARY_CLOUDWATCH_STACK",
    storeConnectionString: "DLE_CANARY_STORE_CONNECTION_STRING",
    storeDatabase: "DLE_CANARY_STORE_DATABASE",
    storeCollection: "DLE_CANARY_STORE_COLLECTION",
    searchUrl: "DLE_CANARY_SEARCH_URL",
    searchIndexPrefix: "DLE_CANARY_SEARCH_INDEX_PREFIX",
    /** "basic" (searchUsername and searchPassword) or "aws-sigv4" (the task role's credentials, for searchRegion). */
    searchAuth: "DLE_CANARY_SEARCH_AUTH",
    searchUsername: "DLE_CANARY_SEARCH_USERNAME",
    searchPassword: "DLE_CANARY_SEARCH_PASSWORD",
    searchRegion: "DLE_CANARY_SEARCH_REGION",
    /** An S3-compatible server's endpoint; unset for Amazon S3 (the task role's credentials). */
    archiveEndpoint: "DLE_CANARY_ARCHIVE_ENDPOINT",
    archiveRegion: "DLE_CANARY_ARCHIVE_REGION",
    archiveBucket: "DLE_CANARY_ARCHIVE_BUCKET",
    archiveKeyPrefix: "DLE_CANARY_ARCHIVE_KEY_PREFIX",
    archiveAccessKeyId: "DLE_CANARY_ARCHIVE_ACCESS_KEY_ID",
    archiveSecretAccessKey: "DLE_CANARY_ARCHIVE_SECRET_ACCESS_KEY",
} as const;

/**
 * The store's admin connection string, set only in the container that grants the canary's store user before the
 * canary starts on AWS (./grant-store-reader.ts), never in the canary's own.
 */
export const storeAdminConnectionStringVariable = "DLE_STORE_ADMIN_CONNECTION_STRING";

/**
 * A dimension value CloudWatch takes everywhere the canary's is used: 1 to 255 ASCII characters, no control
 * character, at least one that is not a space (Amazon CloudWatch API reference, Dimension: 1024 for PutMetricData;
 * AWS::CloudWatch::Alarm Dimension and PutMetricAlarm: 255).
 */
function dimensionValueProblem(value: string): string | undefined {
    if (value.length < 1 || value.length > 255) return `must be 1 to 255 characters, got ${value.length}`;
    if (!/^[\x20-\x7e]+$/.test(value)) return "must be printable ASCII characters only";
    if (value.trim() === "") return "must have a character that is not a space";
    return undefined;
}

/** The suffix of the variable that names a credential's file. */
export const fileSuffix = "_FILE";

export interface CanarySettings {
    intervalSeconds: number;
    waitSeconds: number;
    pollSeconds: number;
    lateWindowSeconds: number;
    metricsPort: number;
    /** Where its figures go on AWS: the namespace and this stack's Stack dimension. */
    cloudwatch?: { namespace: string; stack: string };
    sinks: SinkLocations;
}

type Environment = Record<string, string | undefined>;

/** Reads and checks the settings; throws an error naming the first variable that is wrong. */
export function readSettings(env: Environment): CanarySettings {
    const value = (name: string): string | undefined => (env[name] === "" ? undefined : env[name]);
    const required = (name: string): string => {
        const v = value(name);
        if (v === undefined) throw new Error(`The canary needs the environment variable ${name}.`);
        return v;
    };
    const credential = (name: string): string | undefined => {
        const file = value(`${name}${fileSuffix}`);
        if (file === undefined) return value(name);
        try {
            return fs.readFileSync(file, "utf8").trim();
        } catch (error) {
            throw new Error(`The canary cannot read ${name}${fileSuffix} (${file}): ${(error as Error).message}`);
        }
    };
    const whole = (name: string, fallback: number, min: number, max: number): number => {
        const v = value(name);
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < min || n > max) throw new Error(`The canary's ${name} must be a whole number from ${min} to ${max}, got "${v}".`);
        return n;
    };

    const intervalSeconds = whole(canaryVariables.intervalSeconds, 1, 1, 3600);
    const waitSeconds = whole(canaryVariables.waitSeconds, 60, 1, 86400);
    const lateWindowSeconds = whole(canaryVariables.lateWindowSeconds, 3600, 1, 86400);
    if (lateWindowSeconds < waitSeconds) {
        throw new Error(`The canary's ${canaryVariables.lateWindowSeconds} (${lateWindowSeconds}) must be at least ${canaryVariables.waitSeconds} (${waitSeconds}): a late event comes after the wait.`);
    }

    const sinks: SinkLocations = {};
    if (value(canaryVariables.storeConnectionString) !== undefined || value(`${canaryVariables.storeConnectionString}${fileSuffix}`) !== undefined) {
        sinks.store = {
            connectionString: credential(canaryVariables.storeConnectionString)!,
            database: required(canaryVariables.storeDatabase),
            collection: required(canaryVariables.storeCollection),
        };
    }
    const searchUrl = value(canaryVariables.searchUrl);
    if (searchUrl !== undefined) {
        const indexPrefix = required(canaryVariables.searchIndexPrefix);
        const auth = required(canaryVariables.searchAuth);
        if (auth === "basic") {
            sinks.search = { url: searchUrl, indexPrefix, auth, username: required(canaryVariables.searchUsername), password: credential(canaryVariables.searchPassword) };
        } else if (auth === "aws-sigv4") {
            sinks.search = { url: searchUrl, indexPrefix, auth, region: required(canaryVariables.searchRegion) };
        } else {
            throw new Error(`The canary's ${canaryVariables.searchAuth} must be "basic" or "aws-sigv4", got "${auth}".`);
        }
    }
    const archiveBucket = value(canaryVariables.archiveBucket);
    if (archiveBucket !== undefined) {
        sinks.archive = {
            endpoint: value(canaryVariables.archiveEndpoint),
            region: required(canaryVariables.archiveRegion),
            bucket: archiveBucket,
            // Empty is a valid prefix (objects at the bucket's top): the variable must be there, but may be "".
            keyPrefix: env[canaryVariables.archiveKeyPrefix] ?? required(canaryVariables.archiveKeyPrefix),
            accessKeyId: credential(canaryVariables.archiveAccessKeyId),
            secretAccessKey: credential(canaryVariables.archiveSecretAccessKey),
        };
    }
    if (Object.keys(sinks).length === 0) {
        throw new Error(`The canary has no sink to read: set ${canaryVariables.storeConnectionString}${fileSuffix}, ${canaryVariables.searchUrl} or ${canaryVariables.archiveBucket}.`);
    }

    const namespace = value(canaryVariables.cloudwatchNamespace);
    let cloudwatch: CanarySettings["cloudwatch"];
    if (namespace !== undefined) {
        const stack = required(canaryVariables.cloudwatchStack);
        const problem = dimensionValueProblem(stack);
        if (problem !== undefined) throw new Error(`The canary's ${canaryVariables.cloudwatchStack} is CloudWatch's Stack dimension, and ${problem}.`);
        cloudwatch = { namespace, stack };
    }

    return {
        intervalSeconds,
        waitSeconds,
        pollSeconds: whole(canaryVariables.pollSeconds, 1, 1, 3600),
        lateWindowSeconds,
        metricsPort: whole(canaryVariables.metricsPort, 9464, 1, 65535),
        ...(cloudwatch === undefined ? {} : { cloudwatch }),
        sinks,
    };
}
