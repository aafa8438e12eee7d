/**
 * The failover drill's controls and its promise to bring the primary back, without a deployed stack: the aws
 * stack's control against an ECS stand-in (tests/standins/ecs-standin.ts), the drill with a recording control.
 */
import { ECSClient } from "@aws-sdk/client-ecs";
import { EcsStandin, startEcsStandin } from "../standins/ecs-standin";
import { ForwarderControl, ecsScaleToZero, failoverDrill } from "./failover";

describe("the aws stack's forwarder control", () => {
    let ecs: EcsStandin;
    const client = () => new ECSClient({ endpoint: ecs.endpoint, region: "us-east-1", credentials: { accessKeyId: "AKIDSTANDIN", secretAccessKey: "standin" } });

    beforeEach(async () => {
        // One DescribeServices call still reports the old running count: the control must wait for the new one.
        ecs = await startEcsStandin({ cluster: "dle-cluster", service: "dle-log-forwarder-pri", lagPolls: 1 });
    });
    afterEach(() => ecs.stop());

    it("scales the primary's service to 0 and back to 1, returning once ECS reports the tasks", async () => {
        const control = ecsScaleToZero("dle-cluster", "dle-log-forwarder-pri", client());
        await control.stop();
        expect([ecs.desiredCount, ecs.runningCount]).toEqual([0, 0]);
        await control.restore();
        expect([ecs.desiredCount, ecs.runningCount]).toEqual([1, 1]);
        const updates = ecs.calls.filter((c) => c.action === "UpdateService").map((c) => c.body);
        expect(updates).toEqual([
            { cluster: "dle-cluster", service: "dle-log-forwarder-pri", desiredCount: 0 },
            { cluster: "dle-cluster", service: "dle-log-forwarder-pri", desiredCount: 1 },
        ]);
        // Each scale looked until the count had changed: once too early, once in time.
        expect(ecs.calls.filter((c) => c.action === "DescribeServices")).toHaveLength(4);
    }, 30_000);

    it("fails naming the problem when the service is not in the cluster", async () => {
        const control = ecsScaleToZero("dle-cluster", "no-such-service", client());
        await expect(control.stop()).rejects.toThrow(/Service not found/);
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
