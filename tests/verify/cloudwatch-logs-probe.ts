/**
 * The cloudwatch sink's probe: events read back from the stack's CloudWatch Logs groups (`<prefix><app>/<log type>`,
 * `<prefix>other`) with FilterLogEvents, shaped as components/canary/service/probes.ts's other probes. It lives here,
 * not there, because only the verification suite uses it: the canary's package (components/canary/service) does not
 * ship @aws-sdk/client-cloudwatch-logs.
 *
 * A stored event is the JSON record the forwarders wrote as the event's message (fluentd/sinks/cloudwatch.conf).
 * FilterLogEvents scans a group in pieces: a page may hold nothing and still have a `nextToken`, so every page is read
 * until there is none. The filter pattern is quoted terms (a marker has a `-`, which must be quoted), at most 1,024
 * characters each: request ids are asked for in as many patterns as needed.
 */
import {
    CloudWatchLogsClient,
    DescribeLogGroupsCommand,
    FilterLogEventsCommand,
    FilteredLogEvent,
} from "@aws-sdk/client-cloudwatch-logs";
import { SinkProbe, SinkUnreachableError, StoredEvent, sightingsOf } from "../../components/canary/service/probes";

export interface CloudWatchLogsLocation {
    region: string;
    /** Every group of the sink starts with it: `/dle/<stack>/logs/`. */
    groupPrefix: string;
    /** A CloudWatch Logs-compatible endpoint (a stand-in); none for the service. */
    endpoint?: string;
    /** Keys for an endpoint; none for the service: the default AWS credential chain. */
    accessKeyId?: string;
    secretAccessKey?: string;
}

/** FilterLogEvents' longest filter pattern. */
export const maxFilterPatternLength = 1024;
/** FilterLogEvents' largest page. */
const maxPageEvents = 10_000;
/** As many events as the other probes return at most. */
const maxEvents = 10_000;

/** `?"a" ?"b" …` patterns matching any of `terms`, each at most {@link maxFilterPatternLength} characters. */
export function anyOfPatterns(terms: string[]): string[] {
    const patterns: string[] = [];
    let current = "";
    for (const term of terms) {
        if (/["\\]/.test(term)) throw new Error(`Cannot search CloudWatch Logs for ${JSON.stringify(term)}: it has a quote or a backslash`);
        const piece = `?"${term}"`;
        if (piece.length > maxFilterPatternLength) throw new Error(`Cannot search CloudWatch Logs for ${JSON.stringify(term)}: longer than a filter pattern allows`);
        if (current !== "" && current.length + 1 + piece.length > maxFilterPatternLength) {
            patterns.push(current);
            current = "";
        }
        current = current === "" ? piece : `${current} ${piece}`;
    }
    return current === "" ? patterns : [...patterns, current];
}

/** The JSON record of a message; a message that is not one is kept as its `log`, so that a marker in it still counts. */
function storedEvent(event: FilteredLogEvent, group: string): StoredEvent {
    const message = event.message ?? "";
    try {
        const parsed = JSON.parse(message) as unknown;
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return { ...(parsed as StoredEvent), log_group: group };
    } catch {
        // not JSON: below
    }
    return { log: message, log_group: group };
}

export function cloudWatchLogsProbe(location: CloudWatchLogsLocation): SinkProbe {
    const endpoint = location.endpoint ?? `https://logs.${location.region}.amazonaws.com`;
    const where = `${endpoint} ${location.groupPrefix}*`;
    const client = new CloudWatchLogsClient({
        region: location.region,
        endpoint: location.endpoint,
        credentials: location.accessKeyId
            ? { accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey ?? "" }
            : undefined,
        // FilterLogEvents allows 5 calls a second per account and region, shared with whoever else reads the account's
        // logs (repost.aws knowledge-center/cloudwatch-logs-throttling): a throttled call is retried, and the adaptive
        // mode then paces the following ones.
        retryMode: "adaptive",
        maxAttempts: 5,
    });
    /** The sink's groups, found by their prefix (paged too). */
    async function groups(): Promise<string[]> {
        const names: string[] = [];
        let nextToken: string | undefined;
        do {
            const page = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: location.groupPrefix, nextToken }));
            names.push(...(page.logGroups ?? []).map((g) => g.logGroupName!).filter(Boolean));
            nextToken = page.nextToken;
        } while (nextToken);
        return names;
    }
    /** Every event since `since` in every group that matches one of `patterns`. */
    async function filter(patterns: string[], since: Date): Promise<StoredEvent[]> {
        const found: StoredEvent[] = [];
        for (const group of await groups()) {
            for (const filterPattern of patterns) {
                let nextToken: string | undefined;
                do {
                    const page = await client.send(new FilterLogEventsCommand({
                        logGroupName: group,
                        filterPattern,
                        startTime: since.getTime(),
                        limit: maxPageEvents,
                        nextToken,
                    }));
                    found.push(...(page.events ?? []).map((event) => storedEvent(event, group)));
                    nextToken = found.length < maxEvents ? page.nextToken : undefined;
                } while (nextToken);
            }
        }
        return found;
    }
    return {
        sink: "cloudwatch",
        endpoint: where,
        async check() {
            try {
                await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: location.groupPrefix, limit: 1 }));
            } catch (error) {
                throw new SinkUnreachableError("cloudwatch", where, error);
            }
        },
        sightings: async (runId, since) => (await filter([`"${runId}"`], since)).flatMap((event) => sightingsOf(event, runId)),
        async eventsOfRequests(requestIds, since) {
            const wanted = new Set(requestIds);
            return (await filter(anyOfPatterns(requestIds), since)).filter((event) => wanted.has(event.request_id as string));
        },
        close: async () => client.destroy(),
    };
}
