/**
 * The forwarders' file buffers on EFS (dle:forwarderBufferStorage efs, the default), under Pulumi's mock runtime: one
 * encrypted file system with a backup policy; an access point per role, each with its own root directory and the
 * image's fluent user; a mount target in each private subnet and no other, reachable only from the forwarders on NFS's
 * port; each role's task mounting its access point at fluentd's buffer directory over TLS as the task role; deployments
 * that never run two tasks of a role at once; IAM that lets only the forwarders' task role in, through those access
 * points. And the FSBP controls for EFS (the policy pack's policy/fsbp.ts).
 */
import { fluentdContainer } from "../../components/fluentd-env";
import { taskDefinitionsRegistered } from "../support/aws-tasks";
import { fsbpPolicies } from "../../policy/fsbp";
import { asLines, policyViolations } from "../support/policy-harness";
import { RecordedResource, installMocks, programLoadTimeoutMs, registered, runProgram, unwrapSecrets } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws" });

beforeAll(async () => {
    await runProgram();
    await taskDefinitionsRegistered(resources);
}, programLoadTimeoutMs);

const { ofType, one } = registered(resources);

const roles = [["primary", "dle-log-forwarder-pri"], ["secondary", "dle-log-forwarder-sec"]] as const;
const fileSystemId = "dle-log-forwarder-buffers-id";
const fileSystemArn = `arn:aws:elasticfilesystem:us-east-1:111111111111:file-system/${fileSystemId}`;
const accessPointArns = ["primary", "secondary"].map((role) => `arn:aws:elasticfilesystem:us-east-1:111111111111:access-point/dle-log-forwarder-buffers-${role}-id`);
const taskRoleArn = "arn:aws:iam:us-east-1:111111111111:dle-forwarder-task";
const { uid, gid } = fluentdContainer.fluentUser;

interface ContainerDefinition {
    name: string;
    environment: { name: string; value: string }[];
    mountPoints?: { sourceVolume: string; containerPath: string }[];
    healthCheck: { startPeriod: number };
    stopTimeout?: number;
}
const containersOf = (task: string): ContainerDefinition[] =>
    JSON.parse(unwrapSecrets(one("aws:ecs/taskDefinition:TaskDefinition", task).inputs.containerDefinitions) as string);
const forwarderContainer = (task: string) => containersOf(task).find((c) => c.name === "forwarder")!;
const policyOf = (resource: RecordedResource, field: string) => JSON.parse(unwrapSecrets(resource.inputs[field]) as string);

describe("the forwarders' buffer file system (aws)", () => {
    it("is one file system, encrypted at rest, with Elastic throughput, backed up by AWS Backup", () => {
        expect(ofType("aws:efs/fileSystem:FileSystem").map((fs) => fs.name)).toEqual(["dle-log-forwarder-buffers"]);
        expect(one("aws:efs/fileSystem:FileSystem", "dle-log-forwarder-buffers").inputs).toEqual(expect.objectContaining({ encrypted: true, throughputMode: "elastic" }));
        expect(ofType("aws:efs/backupPolicy:BackupPolicy").map((p) => p.inputs)).toEqual([{ fileSystemId, backupPolicy: { status: "ENABLED" } }]);
    });

    it("gives each role an access point of its own: its own root directory, made for and acting as the image's fluent user", () => {
        expect(ofType("aws:efs/accessPoint:AccessPoint").map((ap) => ap.name).sort()).toEqual(["dle-log-forwarder-buffers-primary", "dle-log-forwarder-buffers-secondary"]);
        for (const [role] of roles) {
            expect(one("aws:efs/accessPoint:AccessPoint", `dle-log-forwarder-buffers-${role}`).inputs).toEqual(expect.objectContaining({
                fileSystemId,
                posixUser: { uid, gid },
                rootDirectory: { path: `/${role}`, creationInfo: { ownerUid: uid, ownerGid: gid, permissions: "0750" } },
            }));
        }
    });

    it("has one mount target in each private subnet and none elsewhere, in the buffers' security group", () => {
        const targets = ofType("aws:efs/mountTarget:MountTarget");
        expect(targets.map((t) => t.inputs.subnetId).sort()).toEqual(["dle-private-a-id", "dle-private-b-id"]);
        for (const target of targets) expect(target.inputs).toEqual(expect.objectContaining({ fileSystemId, securityGroups: ["dle-buffers-id"] }));
    });

    it("lets in only the forwarders, on NFS's port, and sends nothing", () => {
        const into = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.securityGroupId === "dle-buffers-id");
        expect(into.map((r) => r.inputs)).toEqual([expect.objectContaining({ ipProtocol: "tcp", fromPort: 2049, toPort: 2049, referencedSecurityGroupId: "dle-forwarder-id" })]);
        expect(into[0].inputs.cidrIpv4).toBeUndefined();
        const out = ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
        expect(out.filter((r) => r.inputs.referencedSecurityGroupId === "dle-buffers-id").map((r) => [r.inputs.securityGroupId, r.inputs.fromPort])).toEqual([["dle-forwarder-id", 2049]]);
        expect(out.filter((r) => r.inputs.securityGroupId === "dle-buffers-id")).toEqual([]);
    });

    it("passes the FSBP controls for EFS: EFS.1, EFS.2, EFS.3, EFS.4, EFS.6", async () => {
        const efs = fsbpPolicies.filter((p) => p.name.startsWith("fsbp-efs-"));
        expect(efs).toHaveLength(5);
        expect(asLines(await policyViolations(resources, efs))).toEqual([]);
    });
});

describe("the forwarder tasks' buffers (aws)", () => {
    it.each(roles)("the %s's task mounts its access point at fluentd's buffer directory, over TLS, as the task role", (role, task) => {
        const definition = one("aws:ecs/taskDefinition:TaskDefinition", task).inputs;
        // The EFS volume, and bind mounts of the task's storage for what the containers write beside (FSBP ECS.5).
        const volumes = definition.volumes as { name: string; efsVolumeConfiguration?: unknown }[];
        expect(volumes.filter((v) => v.efsVolumeConfiguration !== undefined)).toEqual([{
            name: "buffers",
            efsVolumeConfiguration: {
                fileSystemId,
                transitEncryption: "ENABLED",
                authorizationConfig: { accessPointId: `dle-log-forwarder-buffers-${role}-id`, iam: "ENABLED" },
            },
        }]);
        expect(definition.taskRoleArn).toBe(taskRoleArn);
        const forwarder = forwarderContainer(task);
        const mounts = forwarder.mountPoints as { sourceVolume: string; containerPath: string }[];
        expect(mounts.filter((m) => m.containerPath === fluentdContainer.bufferDir)).toEqual([{ sourceVolume: "buffers", containerPath: fluentdContainer.bufferDir }]);
        expect(forwarder.environment).toContainEqual({ name: "FLUENTD_BUFFER_DIR", value: fluentdContainer.bufferDir });
        // The metrics collector keeps no buffers: only the forwarder mounts the EFS volume.
        expect(containersOf(task).filter((c) => ((c.mountPoints ?? []) as { sourceVolume: string }[]).some((m) => m.sourceVolume === "buffers")).map((c) => c.name)).toEqual(["forwarder"]);
        // Nothing of the buffers is on the task's own storage: Fargate's default size.
        expect(definition.ephemeralStorage).toBeUndefined();
    });

    it.each(roles)("the %s's service never runs two tasks at once: it stops the old one first, on Fargate 1.4.0", (_, task) => {
        expect(one("aws:ecs/service:Service", task).inputs).toEqual(expect.objectContaining({
            desiredCount: 1,
            deploymentMinimumHealthyPercent: 0,
            deploymentMaximumPercent: 100,
            deploymentCircuitBreaker: { enable: true, rollback: true },
            platformVersion: "1.4.0",
        }));
    });

    it("leaves the webapp's tasks rolling as ECS does by default: a new one up before an old one goes", () => {
        const webapp = one("aws:ecs/service:Service", "dle-webapp").inputs;
        expect([webapp.deploymentMinimumHealthyPercent, webapp.deploymentMaximumPercent]).toEqual([undefined, undefined]);
    });

    it.each(roles)("the %s's health checks count only after the old task's stop timeout, which its replacement may wait out for the lock", (_, task) => {
        const forwarder = forwarderContainer(task);
        expect(forwarder.stopTimeout).toBe(120);
        expect(forwarder.healthCheck.startPeriod).toBeGreaterThan(forwarder.stopTimeout!);
        // ECS's maximum.
        expect(forwarder.healthCheck.startPeriod).toBeLessThanOrEqual(300);
    });
});

describe("the buffers' IAM (aws)", () => {
    it("requires TLS of every client, and allows only the forwarders' task role in, through its access points and the mount targets", () => {
        const policy = policyOf(one("aws:efs/fileSystemPolicy:FileSystemPolicy", "dle-log-forwarder-buffers"), "policy");
        expect(one("aws:efs/fileSystemPolicy:FileSystemPolicy", "dle-log-forwarder-buffers").inputs.fileSystemId).toBe(fileSystemId);
        expect(policy.Statement).toEqual([
            {
                Sid: "TlsOnly", Effect: "Deny", Principal: { AWS: "*" },
                Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess"],
                Resource: fileSystemArn, Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "ForwardersThroughTheirAccessPoints", Effect: "Allow", Principal: { AWS: taskRoleArn },
                Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                Resource: fileSystemArn,
                Condition: { Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" }, StringEquals: { "elasticfilesystem:AccessPointArn": accessPointArns } },
            },
        ]);
    });

    it("lets the task role mount and write the file system only through the forwarders' access points, and never as root", () => {
        const statements = policyOf(one("aws:iam/rolePolicy:RolePolicy", "dle-log-forwarder-buffers"), "policy").Statement;
        expect(one("aws:iam/rolePolicy:RolePolicy", "dle-log-forwarder-buffers").inputs.role).toBe("dle-forwarder-task-id");
        expect(statements).toEqual([{
            Sid: "BufferMounts", Effect: "Allow",
            Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            Resource: fileSystemArn,
            Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": accessPointArns } },
        }]);
        const grantsRoot = ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => JSON.stringify(policyOf(p, "policy")).includes("ClientRootAccess"));
        expect(grantsRoot).toEqual([]);
    });
});
