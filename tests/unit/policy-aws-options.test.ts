/**
 * The policy pack over the aws stack with every optional setting taken: an existing VPC, the forwarders' buffers on
 * ephemeral storage, a verifier, an alarm e-mail, versioning, larger forwarders, HTTPS, Container Insights without its
 * enhanced observability, and DocumentDB as a throwaway stack has it (no deletion protection, no final snapshot). No
 * violation but that choice's named exception, DocumentDB.5, as an advisory.
 */
import { asLines, policyViolations } from "../support/policy-harness";
import { RecordedResource, installMocks, programLoadTimeoutMs, runProgram } from "../support/mocks";

const resources: RecordedResource[] = installMocks({
    target: "aws",
    awsVpcId: "vpc-0123abcd",
    awsPublicSubnetIds: "subnet-0000000a,subnet-0000000b",
    awsPrivateSubnetIds: "subnet-0000000c,subnet-0000000d",
    forwarderBufferStorage: "ephemeral",
    forwarderEphemeralStorageGb: "50",
    forwarderCpu: "1024",
    forwarderMemoryMb: "3072",
    verifierPrincipalArn: "arn:aws:iam::111111111111:role/verifier",
    verifierSecurityGroupId: "sg-0123abcd",
    alarmEmail: "ops@example.com",
    archiveVersioning: "true",
    archiveBucket: "a".repeat(36),
    logRetentionDays: "90",
    // A throwaway stack: destroyable at once, nothing kept.
    documentDbDeletionProtection: "false",
    documentDbFinalSnapshot: "false",
    containerInsights: "enabled",
    albCertificateArn: "arn:aws:acm:us-east-1:111111111111:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f",
});

beforeAll(async () => {
    await runProgram();
}, programLoadTimeoutMs);

it("finds no violation in the aws stack with an existing VPC, ephemeral buffers and every option set, but the throwaway store's named exception", async () => {
    // The options took: the stack has no VPC of its own and no EFS file system.
    expect(resources.filter((r) => ["aws:ec2/vpc:Vpc", "aws:efs/fileSystem:FileSystem"].includes(r.type))).toEqual([]);
    const cluster = resources.find((r) => r.type === "aws:docdb/cluster:Cluster")!.inputs;
    expect(cluster).toEqual(expect.objectContaining({ deletionProtection: false, skipFinalSnapshot: true }));
    expect(cluster.finalSnapshotIdentifier).toBeUndefined();
    // Ephemeral buffers: a bind mount of the task's storage, the forwarder's root filesystem read-only (FSBP ECS.5).
    const task = resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === "dle-log-forwarder-pri")!.inputs;
    const forwarder = (JSON.parse(task.containerDefinitions as string) as Record<string, unknown>[]).find((c) => c.name === "forwarder")!;
    expect(forwarder.readonlyRootFilesystem).toBe(true);
    expect(forwarder.mountPoints).toContainEqual({ sourceVolume: "forwarder-fluentd-buffer", containerPath: "/fluentd/buffer" });
    expect(task.volumes).toContainEqual({ name: "forwarder-fluentd-buffer" });
    expect(asLines(await policyViolations(resources))).toEqual([
        "(advisory) fsbp-documentdb-5-deletion-protection dle-log-store: DocumentDB.5: deletion protection is off (dle:documentDbDeletionProtection false)",
    ]);
});

it("maps the verifier, an IAM role, to the log indices' reader and the Dashboards' user in the domain's access control", () => {
    const invocation = resources.find((r) => r.type === "aws:lambda/invocation:Invocation")!.inputs;
    const { mappings } = JSON.parse(invocation.input as string).security as { mappings: Record<string, { backendRoles: string[]; users: string[] }> };
    expect(mappings.dle_reader.backendRoles).toContain("arn:aws:iam::111111111111:role/verifier");
    expect(mappings.opensearch_dashboards_user).toEqual({ backendRoles: ["arn:aws:iam::111111111111:role/verifier"], users: [] });
});
