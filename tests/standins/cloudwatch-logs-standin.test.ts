/**
 * The CloudWatch Logs stand-in through the real AWS SDK client (@aws-sdk/client-cloudwatch-logs): the calls the
 * cloudwatch sink's output makes, PutLogEvents's limits, and the errors the SDK turns into its exception classes.
 */
import {
    CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DescribeLogGroupsCommand, DescribeLogStreamsCommand,
    InvalidParameterException, PutLogEventsCommand, ResourceAlreadyExistsException, ResourceNotFoundException, ThrottlingException,
} from "@aws-sdk/client-cloudwatch-logs";
import { CloudWatchLogsStandin, eventOverheadBytes, maxBatchBytes, maxBatchEvents, startCloudWatchLogsStandin } from "./cloudwatch-logs-standin";

let standin: CloudWatchLogsStandin;
let client: CloudWatchLogsClient;
const group = "/dle/test/logs/webapp/nginx_access";
const stream = "primary";
const put = (logEvents: { timestamp: number; message: string }[], logStreamName = stream) =>
    client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName, logEvents }));

beforeAll(async () => {
    standin = await startCloudWatchLogsStandin();
    // The SDK retries throttling by itself; none here, so that each answer is seen as given.
    client = new CloudWatchLogsClient({ endpoint: standin.url, region: "us-east-1", credentials: { accessKeyId: "AKID", secretAccessKey: "secret" }, maxAttempts: 1 });
    await client.send(new CreateLogGroupCommand({ logGroupName: group }));
    await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
});

afterAll(async () => {
    client?.destroy();
    await standin?.stop();
});

describe("the CloudWatch Logs stand-in through the AWS SDK", () => {
    it("lists the groups by prefix and the streams of a group", async () => {
        const groups = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/dle/test/logs/" }));
        expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual([group]);
        expect((await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/other/" }))).logGroups).toEqual([]);
        const streams = await client.send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: "pri" }));
        expect(streams.logStreams?.map((s) => s.logStreamName)).toEqual([stream]);
    });

    it("stores a batch in order, and returns a next sequence token (which it does not require)", async () => {
        const now = Date.now();
        const answer = await put([{ timestamp: now - 2, message: "one" }, { timestamp: now - 1, message: "two" }]);
        expect(answer.nextSequenceToken).toMatch(/^\d+$/);
        expect(answer.rejectedLogEventsInfo).toBeUndefined();
        expect(standin.events(group).slice(-2).map((e) => e.message)).toEqual(["one", "two"]);
    });

    it("answers a missing group or stream with ResourceNotFoundException, a second creation with ResourceAlreadyExistsException", async () => {
        await expect(put([{ timestamp: Date.now(), message: "x" }], "nobody")).rejects.toThrow(ResourceNotFoundException);
        await expect(put([{ timestamp: Date.now(), message: "x" }], "nobody")).rejects.toThrow("The specified log stream does not exist.");
        await expect(client.send(new PutLogEventsCommand({ logGroupName: "/nope", logStreamName: stream, logEvents: [{ timestamp: Date.now(), message: "x" }] })))
            .rejects.toThrow("The specified log group does not exist.");
        await expect(client.send(new CreateLogGroupCommand({ logGroupName: group }))).rejects.toThrow(ResourceAlreadyExistsException);
    });

    it("refuses more than 10,000 events, more than 1,048,576 bytes, events out of order, or a batch spanning over 24 hours", async () => {
        const now = Date.now();
        const before = standin.events(group).length;
        await expect(put(Array.from({ length: maxBatchEvents + 1 }, () => ({ timestamp: now, message: "x" })))).rejects.toThrow(InvalidParameterException);
        // Exactly the limit passes; one byte more does not.
        const message = "m".repeat(maxBatchBytes - eventOverheadBytes);
        await expect(put([{ timestamp: now, message: `${message}x` }])).rejects.toThrow("Upload too large");
        await put([{ timestamp: now, message }]);
        await expect(put([{ timestamp: now, message: "b" }, { timestamp: now - 1, message: "a" }])).rejects.toThrow("chronological order");
        await expect(put([{ timestamp: now - 25 * 3600_000, message: "a" }, { timestamp: now, message: "b" }])).rejects.toThrow("cannot span more than 24 hours");
        expect(standin.events(group).length).toBe(before + 1);
    });

    it("refuses events more than 14 days old or 2 hours ahead one by one, keeping the rest", async () => {
        const now = Date.now();
        const old = await put([{ timestamp: now - 15 * 86400_000, message: "old" }]);
        expect(old.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
        const answer = await put([{ timestamp: now - 3600_000, message: "kept" }, { timestamp: now + 3 * 3600_000, message: "new" }]);
        expect(answer.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
        expect(standin.events(group).map((e) => e.message)).toContain("kept");
        expect(standin.events(group).map((e) => e.message)).not.toContain("old");
        expect(standin.events(group).map((e) => e.message)).not.toContain("new");
    });

    it("throttles on demand with ThrottlingException, then accepts again", async () => {
        standin.throttle(1);
        await expect(put([{ timestamp: Date.now(), message: "t" }])).rejects.toThrow(ThrottlingException);
        await expect(put([{ timestamp: Date.now(), message: "t" }])).resolves.toBeDefined();
        expect(standin.calls.throttled).toBe(1);
    });
});
