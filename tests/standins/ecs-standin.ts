/**
 * TEST STAND-IN, NOT ECS.
 *
 * A loopback HTTP server answering the two calls of Amazon ECS's API (JSON 1.1 protocol) that the failover drill
 * makes, UpdateService and DescribeServices, for one service of one cluster. The service's running count
 * follows its desired count after `lagPolls` DescribeServices calls, as tasks take a while to stop or start.
 * It checks no signature.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface EcsStandinOptions {
    cluster: string;
    service: string;
    /** DescribeServices calls that still report the old running count after a change. Default 0. */
    lagPolls?: number;
}

export interface EcsStandin {
    endpoint: string;
    /** Every call: the action (e.g. "UpdateService") and its JSON body. */
    calls: { action: string; body: Record<string, unknown> }[];
    readonly desiredCount: number;
    readonly runningCount: number;
    stop(): Promise<void>;
}

export async function startEcsStandin(opts: EcsStandinOptions): Promise<EcsStandin> {
    const calls: EcsStandin["calls"] = [];
    let desiredCount = 1;
    let runningCount = 1;
    let pollsUntilRunning = 0;
    const describe = () => ({ serviceName: opts.service, clusterArn: `arn:aws:ecs:us-east-1:111111111111:cluster/${opts.cluster}`, desiredCount, runningCount, status: "ACTIVE" });

    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
            const action = String(req.headers["x-amz-target"] ?? "").split(".").pop() ?? "";
            const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
            calls.push({ action, body });
            const reply = (status: number, payload: unknown) => {
                res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
                res.end(JSON.stringify(payload));
            };
            const known = body.cluster === opts.cluster;
            if (action === "UpdateService") {
                if (!known || body.service !== opts.service) return reply(400, { __type: "ServiceNotFoundException", message: "Service not found." });
                desiredCount = Number(body.desiredCount);
                pollsUntilRunning = opts.lagPolls ?? 0;
                if (pollsUntilRunning === 0) runningCount = desiredCount;
                return reply(200, { service: describe() });
            }
            if (action === "DescribeServices") {
                const names = (body.services as string[] | undefined) ?? [];
                if (pollsUntilRunning > 0 && --pollsUntilRunning === 0) {
                    // This call still sees the old count; the next one the new.
                    setImmediate(() => { runningCount = desiredCount; });
                }
                return reply(200, {
                    services: known && names.includes(opts.service) ? [describe()] : [],
                    failures: names.filter((n) => !known || n !== opts.service).map((n) => ({ arn: n, reason: "MISSING" })),
                });
            }
            return reply(400, { __type: "InvalidAction", message: `the ECS stand-in does not answer ${action}` });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        calls,
        get desiredCount() { return desiredCount; },
        get runningCount() { return runningCount; },
        stop: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
