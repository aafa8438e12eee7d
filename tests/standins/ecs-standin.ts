/**
 * TEST STAND-IN, NOT ECS.
 *
 * A loopback HTTP server answering the three calls of Amazon ECS's API (JSON 1.1 protocol) that the failover drill
 * makes, ListTasks, StopTask and DescribeServices, for one service of one cluster with a desired count of 1. A
 * stopped task is replaced, as the service scheduler does, after `lagPolls` further calls: tasks take a while to
 * start. It checks no signature.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface EcsStandinOptions {
    cluster: string;
    service: string;
    /** Calls after a StopTask that still see no replacement. Default 0. */
    lagPolls?: number;
}

export interface EcsStandin {
    endpoint: string;
    /** Every call: the action (e.g. "StopTask") and its JSON body. */
    calls: { action: string; body: Record<string, unknown> }[];
    /** The service's running tasks' ARNs. */
    readonly tasks: readonly string[];
    stop(): Promise<void>;
}

export async function startEcsStandin(opts: EcsStandinOptions): Promise<EcsStandin> {
    const calls: EcsStandin["calls"] = [];
    const taskArn = (n: number) => `arn:aws:ecs:us-east-1:111111111111:task/${opts.cluster}/${String(n).padStart(32, "0")}`;
    let started = 1;
    let tasks = [taskArn(started)];
    let callsUntilReplaced = 0;
    // The scheduler: once the lag is over, a stopped task has its replacement.
    const schedule = () => {
        if (tasks.length === 0 && callsUntilReplaced-- <= 0) tasks = [taskArn(++started)];
    };
    const describe = () => ({ serviceName: opts.service, clusterArn: `arn:aws:ecs:us-east-1:111111111111:cluster/${opts.cluster}`, desiredCount: 1, runningCount: tasks.length, status: "ACTIVE" });

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
            if (action === "ListTasks") {
                if (!known || body.serviceName !== opts.service) return reply(400, { __type: "ServiceNotFoundException", message: "Service not found." });
                schedule();
                return reply(200, { taskArns: tasks });
            }
            if (action === "StopTask") {
                if (!known || !tasks.includes(String(body.task))) return reply(400, { __type: "InvalidParameterException", message: "The referenced task was not found." });
                tasks = tasks.filter((t) => t !== body.task);
                callsUntilReplaced = opts.lagPolls ?? 0;
                return reply(200, { task: { taskArn: body.task, desiredStatus: "STOPPED", stoppedReason: body.reason } });
            }
            if (action === "DescribeServices") {
                const names = (body.services as string[] | undefined) ?? [];
                schedule();
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
        get tasks() { return tasks; },
        stop: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
