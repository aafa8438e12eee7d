/**
 * Keyless S3, as the local stack runs it: the forwarders' archive output holds no key, and the AWS SDK inside fluentd
 * gets s3rver's keys from the container credentials endpoint (components/archive/credentials-endpoint/) through its
 * default credential chain, with the token of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE. The real pipeline on loopback
 * (tests/support/loopback-pipeline.ts), whose archive always goes this way: events land in the archive; with a token
 * the endpoint refuses, a forwarder does not start, says why, and keeps every chunk in its buffer, and once the token
 * is right it delivers them all, once.
 */
import * as fs from "fs";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { assertDelivered, formatReport, markersFor, waitForDelivery } from "../verify/delivery";
import { newRunId, withProbes } from "../verify/probes";
import { chunkFiles } from "../support/buffer-chunks";
import { describeWithFluentdAndOpenssl } from "../support/fluentd";
import { LoopbackPipeline, startLoopbackPipeline } from "../support/loopback-pipeline";
import { installMocks, runProgram } from "../support/mocks";
import { pipelineStartTimeoutMs } from "../support/pipeline-suite";

// Archive uploads every 2 s instead of 10 s, so the test does not wait on S3 objects.
const resources = installMocks({ target: "local", archiveFlushSeconds: "2" });
const report = (text: string) => process.stdout.write(`\n${text}\n`);
const wait = (since: Date) => ({ timeoutMs: 90_000, pollMs: 500, since, log: undefined });

/** Polls `check` until it holds, for at most `timeoutMs`. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s: ${what}`);
        await sleep(250);
    }
}

describeWithFluentdAndOpenssl("the archive without keys, from the container credentials endpoint, in real fluentd", (fluentd) => {
    let pipeline: LoopbackPipeline | undefined;

    beforeAll(async () => {
        await runProgram();
    }, pipelineStartTimeoutMs);

    afterEach(async () => {
        const state = expect.getState();
        if (state.assertionCalls !== state.numPassingAsserts) report(pipeline?.logs() ?? "(the pipeline did not start)");
        await pipeline?.stop();
        pipeline = undefined;
    }, 60_000);

    it("delivers every event to the archive with the keys the endpoint serves, and no key in the forwarders' files", async () => {
        pipeline = await startLoopbackPipeline(fluentd, resources);
        const p = pipeline;
        const runId = newRunId();
        const markers = markersFor(runId, 0, 50);
        const since = new Date(Date.now() - 60_000);
        await p.send(markers);
        const rows = await withProbes(p.outputs, (probes) => waitForDelivery(probes, runId, markers, wait(since)));
        report(formatReport("keyless archive: 50 events", rows));
        assertDelivered(rows);
        expect(rows.find((r) => r.sink === "archive")!.duplicates).toBe(0);
        // The forwarders asked the endpoint (at start, each), and it refused no one.
        expect(p.sinks.archiveCredentials.served()).toBeGreaterThanOrEqual(2);
        expect(p.sinks.archiveCredentials.log).toEqual([]);
        // What the forwarders were given: the token, never s3rver's key.
        const secrets = path.join(p.dir, "secrets");
        const given = fs.readdirSync(secrets).map((f) => fs.readFileSync(path.join(secrets, f), "utf8"));
        expect(given).toContain(p.sinks.outputs.archiveCredentials.token);
        expect(given.filter((content) => content.includes("S3RVER"))).toEqual([]);
    }, pipelineStartTimeoutMs + 120_000);

    it("with a token the endpoint refuses, a forwarder will not start, says why, keeps its chunks, and delivers them once the token is right", async () => {
        pipeline = await startLoopbackPipeline(fluentd, resources);
        const p = pipeline;
        const runId = newRunId();
        const markers = markersFor(runId, 0, 50);
        const since = new Date(Date.now() - 60_000);
        // Chunks for the archive in the primary's buffer: the S3 server down while the events arrive.
        await p.sinks.takeDown("archive");
        await p.send(markers);
        const others = await withProbes(p.outputs, (probes) => waitForDelivery(probes.filter((probe) => probe.sink !== "archive"), runId, markers, wait(since)));
        assertDelivered(others);
        const buffer = path.join(p.dir, "primary", "forwarder", "archive");
        await until("the primary holding the archive's chunks", () => chunkFiles(buffer).length > 0, 30_000);
        await p.primary.stop();
        const held = chunkFiles(buffer);
        expect(held.length).toBeGreaterThan(0);

        // The endpoint now expects another token (rotated, say), and the primary starts again: its AWS SDK gets no
        // credentials, and the archive output's bucket check at start stops fluentd, naming why.
        const clientToken = p.sinks.outputs.archiveCredentials.token;
        fs.writeFileSync(p.sinks.archiveCredentials.tokenFile, "a-rotated-token");
        await p.sinks.bringBack("archive");
        const refused = await p.primary.restart().then(() => "started", (error: Error) => error.message);
        expect(refused).toMatch(/^fluentd primary exited with 1/);
        const said = fs.readFileSync(p.primary.logFile, "utf8").split("\n").slice(-400).filter((line) => /ECS Credentials|MissingCredentials/.test(line));
        report(said.slice(0, 2).join("\n"));
        expect(said[0]).toBe("Error retrieving ECS Credentials: Aws::ECSCredentials::Non200Response");
        expect(said[1]).toContain('[error]: unexpected error error_class=Aws::Errors::MissingCredentialsError error="unable to sign request without credentials set"');
        expect(p.sinks.archiveCredentials.log.map((l) => l.message)).toContain("refused a request for credentials: the Authorization header is not the endpoint's token");
        // Nothing it held is gone.
        expect(chunkFiles(buffer)).toEqual(held);

        // The token put right: the primary starts and delivers every held event, once.
        fs.writeFileSync(p.sinks.archiveCredentials.tokenFile, clientToken);
        await p.primary.restart();
        const rows = await withProbes(p.outputs, (probes) => waitForDelivery(probes.filter((probe) => probe.sink === "archive"), runId, markers, wait(since)));
        report(formatReport("archive once the token was put right", rows));
        assertDelivered(rows);
        expect(rows[0].duplicates).toBe(0);
    }, pipelineStartTimeoutMs + 240_000);
});
