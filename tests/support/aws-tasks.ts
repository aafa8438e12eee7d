/**
 * The aws stack's task definitions are registered only once the images and roles they name resolve, which
 * can be after every stack output has: tests that read them wait for all four first (the canary's too: every aws
 * stack the tests load runs it, dle:canary's default).
 */
import { RecordedResource } from "./mocks";
import { setTimeout as sleep } from "timers/promises";

const taskDefinitions = ["dle-webapp", "dle-log-forwarder-pri", "dle-log-forwarder-sec", "dle-canary"];

export async function taskDefinitionsRegistered(resources: RecordedResource[]): Promise<void> {
    for (let i = 0; i < 200; i++) {
        const registered = resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition").map((r) => r.name);
        if (taskDefinitions.every((name) => registered.includes(name))) return;
        await sleep(10);
    }
    throw new Error(`task definitions not registered: ${taskDefinitions.join(", ")}`);
}
