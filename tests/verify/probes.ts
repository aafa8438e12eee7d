/**
 * The verification suite's probes: the sink probes of components/canary/service/probes.ts (the canary ships the same
 * code), located from a deployed stack's outputs alone. The same code drives the real services after a deploy and the
 * stand-ins in tests.
 */
import { SinkProbe, sinkProbes } from "../../components/canary/service/probes";
import type { StackOutputs } from "./outputs";
import { cloudWatchLogsProbe } from "./cloudwatch-logs-probe";

export { SinkUnreachableError, newRunId, sightingsOf, storeProbe } from "../../components/canary/service/probes";
export type { Sighting, SinkName, SinkProbe, StoredEvent } from "../../components/canary/service/probes";

/** The query parameter that carries a verification run's marker into the webapp's access log: `dle-verify=<runId>-<n>`. */
export const markerParameter = "dle-verify";

/**
 * Runs `use` with the probes of `outputs` and closes them however it ends: an open MongoDB client, still
 * monitoring a server that went away, would keep the process alive after a failed check.
 */
export async function withProbes<T>(outputs: StackOutputs, use: (probes: SinkProbe[]) => Promise<T>): Promise<T> {
    const probes = probesFor(outputs);
    try {
        return await use(probes);
    } finally {
        await Promise.all(probes.map((probe) => probe.close()));
    }
}

/**
 * The probes of a deployed stack's sinks (the sql and cloudwatch sinks' where it has them), from its outputs alone, with
 * the outputs' (read-write) credentials, and the default AWS credential chain for CloudWatch Logs.
 */
export function probesFor(outputs: StackOutputs): SinkProbe[] {
    const cloudwatch = outputs.cloudwatchLogGroupPrefix === undefined
        ? []
        : [cloudWatchLogsProbe({ groupPrefix: outputs.cloudwatchLogGroupPrefix, region: outputs.cloudwatchLogsRegion ?? outputs.archiveRegion })];
    return [...sinkProbes({
        store: { connectionString: outputs.storeConnectionString, database: outputs.storeDatabase, collection: outputs.storeCollection },
        search: outputs.searchAuth === "aws-sigv4"
            ? { url: outputs.searchUrl, indexPrefix: outputs.searchIndexPrefix, auth: "aws-sigv4", region: outputs.searchRegion ?? outputs.archiveRegion }
            : { url: outputs.searchUrl, indexPrefix: outputs.searchIndexPrefix, auth: "basic", username: outputs.searchUsername, password: outputs.searchPassword },
        archive: {
            endpoint: outputs.archiveEndpoint,
            region: outputs.archiveRegion,
            bucket: outputs.archiveBucket,
            keyPrefix: outputs.archiveKeyPrefix,
            accessKeyId: outputs.archiveAccessKeyId,
            secretAccessKey: outputs.archiveSecretAccessKey,
        },
        sql: outputs.sqlUrl === undefined ? undefined : { url: outputs.sqlUrl },
    }), ...cloudwatch];
}
