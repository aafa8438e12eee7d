/**
 * The failover drill's controls and its promise to bring the primary back, without a deployed stack: the aws
 * stack's control against an ECS stand-in (tests/standins/ecs-standin.ts), the drill with a recording control.
 */
import { ECSClient } from "@aws-sdk/client-ecs";
import { EcsStandin, startEcsStandin } from "../standins/ecs-standin";
import { ForwarderControl, ecsStopTask, failoverDrill } from "./failover";

describe("the aws stack's forwarder control", () => {
    let ecs: EcsStandin;
    const client = () => new ECSClient({ endpoint: ecs.endpoint, region: "us-east-1", credentials: { accessKeyId: "AKIDSTANDIN", secretAccessKey: "standin" } });

    beforeEach(async () => {
        // Two calls after the stop still see no replacement: the control must wait for it.
        ecs = await startEcsStandin({ cluster: "dle-cluster", service: "dle-log-forwarder-pri", lagPolls: 2 });
    });
    afterEach(() => ecs.stop());

    it("stops the primary's running task, and restores once ECS runs a replacement", async () => {
        const control = ecsStopTask("dle-cluster", "dle-log-forwarder-pri", client());
        const [first] = ecs.tasks;
        await control.stop();
        expect(ecs.tasks).toEqual([]);
        const stops = ecs.calls.filter((c) => c.action === "StopTask").map((c) => c.body);
        expect(stops).toEqual([{ cluster: "dle-cluster", task: first, reason: "dle verify: failover drill" }]);
        await control.restore();
        expect(ecs.tasks).toHaveLength(1);
        expect(ecs.tasks[0]).not.toBe(first);
        // It looked until the replacement ran: at least once too early.
        expect(ecs.calls.filter((c) => c.action === "DescribeServices").length).toBeGreaterThanOrEqual(2);
    }, 30_000);

    it("fails naming the problem when the service is not in the cluster", async () => {
        const control = ecsStopTask("dle-cluster", "no-such-service", client());
        await expect(control.stop()).rejects.toThrow(/Service not found/);
    });

    it("fails naming the service when it has no running task to stop", async () => {
        const control = ecsStopTask("dle-cluster", "dle-log-forwarder-pri", client());
        await control.stop();
        // ListTasks now answers no task until the replacement runs; with a lag the second stop finds none.
        await expect(control.stop()).rejects.toThrow("ECS service dle-log-forwarder-pri in dle-cluster has no running task to stop");
    });
});

describe("the drill", () => {
    it("restores the primary even when the phase with it stopped fails", async () => {
        const events: string[] = [];
        const control: ForwarderControl = {
            description: "recording",
            stop: async () => { events.push("stop"); },
            restore: async () => { events.push("restore"); },
        };
        const drill = failoverDrill({
            send: async () => { throw new Error("the webapp is down"); },
            probes: [], control, runId: "r", count: 1, firstMarker: 0, switchTimeoutMs: 1_000,
            wait: { timeoutMs: 1_000, pollMs: 100, since: new Date() },
        });
        await expect(drill).rejects.toThrow("the webapp is down");
        expect(events).toEqual(["stop", "restore"]);
    });
});
