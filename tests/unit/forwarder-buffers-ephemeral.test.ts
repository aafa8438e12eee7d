/**
 * The forwarders' file buffers on the tasks' ephemeral storage (dle:forwarderBufferStorage ephemeral), under Pulumi's
 * mock runtime: the aws stack as before EFS, with no file system, no buffers' security group and ECS's own deployment
 * settings, and the ephemeral storage from dle:forwarderEphemeralStorageGb.
 */
import { taskDefinitionsRegistered } from "../support/aws-tasks";
import { RecordedResource, installMocks, programLoadTimeoutMs, registered, runProgram, unwrapSecrets } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws", forwarderBufferStorage: "ephemeral", forwarderEphemeralStorageGb: "40" });

beforeAll(async () => {
    await runProgram();
    await taskDefinitionsRegistered(resources);
}, programLoadTimeoutMs);

const { ofType, one } = registered(resources);
const tasks = ["dle-log-forwarder-pri", "dle-log-forwarder-sec"];

describe("the forwarders' buffers on ephemeral storage (aws)", () => {
    it("makes no file system, no buffers' security group and no rule for NFS", () => {
        expect(resources.filter((r) => r.type.startsWith("aws:efs/"))).toEqual([]);
        expect(ofType("aws:ec2/securityGroup:SecurityGroup").map((g) => g.name)).not.toContain("dle-buffers");
        const nfsRules = [...ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"), ...ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")]
            .filter((r) => r.inputs.fromPort === 2049);
        expect(nfsRules).toEqual([]);
        expect(ofType("aws:iam/rolePolicy:RolePolicy").map((p) => p.name)).not.toContain("dle-log-forwarder-buffers");
    });

    it.each(tasks)("gives %s the ephemeral storage from the config, and no EFS volume: the buffers are a bind mount of it", (task) => {
        const definition = one("aws:ecs/taskDefinition:TaskDefinition", task).inputs;
        expect(definition.ephemeralStorage).toEqual({ sizeInGib: 40 });
        // Bind mounts only (no configuration): the task's own storage, for the buffers and what else is written (FSBP ECS.5).
        expect((definition.volumes as Record<string, unknown>[]).filter((v) => Object.keys(v).join() !== "name")).toEqual([]);
        const containers = JSON.parse(unwrapSecrets(definition.containerDefinitions) as string) as { name: string; mountPoints?: { sourceVolume: string; containerPath: string }[]; healthCheck: { startPeriod: number } }[];
        expect(containers.find((c) => c.name === "forwarder")!.mountPoints).toContainEqual({ sourceVolume: "forwarder-fluentd-buffer", containerPath: "/fluentd/buffer" });
        expect(containers.find((c) => c.name === "forwarder")!.healthCheck.startPeriod).toBe(30);
    });

    it.each(tasks)("deploys %s as ECS does by default: each task has storage of its own", (task) => {
        const service = one("aws:ecs/service:Service", task).inputs;
        expect([service.deploymentMinimumHealthyPercent, service.deploymentMaximumPercent]).toEqual([undefined, undefined]);
    });
});
