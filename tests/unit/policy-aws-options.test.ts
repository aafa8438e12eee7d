/**
 * The policy pack over the aws stack with every optional setting taken: an existing VPC, the forwarders' buffers on
 * ephemeral storage, a verifier, an alarm e-mail, DocumentDB without deletion protection or a final snapshot, versioning, larger forwarders. No violation.
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
});

beforeAll(async () => {
    await runProgram();
}, programLoadTimeoutMs);

it("finds no violation in the aws stack with an existing VPC, ephemeral buffers and every option set", async () => {
    // The options took: the stack has no VPC of its own and no EFS file system.
    expect(resources.filter((r) => ["aws:ec2/vpc:Vpc", "aws:efs/fileSystem:FileSystem"].includes(r.type))).toEqual([]);
    const cluster = resources.find((r) => r.type === "aws:docdb/cluster:Cluster")!.inputs;
    expect(cluster).toEqual(expect.objectContaining({ deletionProtection: false, skipFinalSnapshot: true }));
    expect(cluster.finalSnapshotIdentifier).toBeUndefined();
    expect(asLines(await policyViolations(resources))).toEqual([]);
});
