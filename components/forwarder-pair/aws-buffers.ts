/**
 * The forwarders' file buffers on EFS (dle:forwarderBufferStorage efs): a file system that outlives every task, so
 * that a replacement task takes up the chunks its predecessor acknowledged to the agent but had not yet delivered
 * (fluentd restores a file buffer's chunks at start).
 *
 * Encrypted at rest (the AWS-managed key) and, by its policy, reachable only over TLS and only by the forwarders'
 * task role through an access point. Each role has its own access point, whose root directory is that role's alone
 * and whose POSIX user is the image's fluent user: two fluentd processes never share a buffer directory, and fluentd,
 * which runs as that user, owns what it writes. One mount target per private subnet, in a group that only the
 * forwarders reach (components/platform/aws-flows.ts). AWS Backup's daily backup by dle:forwarderBufferBackup.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { fluentdContainer } from "../fluentd-env";
import { AwsPlatform } from "../platform/aws";
import { FargateEfsVolume } from "../platform/aws-service";

export type ForwarderRole = "primary" | "secondary";

/** The task volume each role mounts at fluentd's buffer directory. */
export type ForwarderBufferVolumes = Record<ForwarderRole, FargateEfsVolume>;

/** The EFS client actions: mounting (read), writing, and root access, which no one here is given. */
const clientActions = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess"];

export function createForwarderBuffers(name: string, platform: AwsPlatform, backup: boolean, parent: pulumi.Resource): ForwarderBufferVolumes {
    const opts = { parent };
    const buffersGroup = platform.securityGroups.buffers;
    if (buffersGroup === undefined) {
        throw new Error(`The forwarders' buffers \`${name}-buffers\` need the platform's \`buffers\` security group: it is made with dle:forwarderBufferStorage efs.`);
    }
    const fileSystem = new aws.efs.FileSystem(`${name}-buffers`, {
        encrypted: true,
        // Billed per GB read and written, never throttled. Bursting's baseline grows with the bytes stored, and the
        // buffers hold only seconds of events while the sinks keep up; Provisioned would have to be sized for the peaks
        // (a backlog drained after an outage), and a throttled write holds up the agent's acks.
        throughputMode: "elastic",
        tags: { Name: `${name}-buffers` },
    }, opts);
    new aws.efs.BackupPolicy(`${name}-buffers`, {
        fileSystemId: fileSystem.id,
        backupPolicy: { status: backup ? "ENABLED" : "DISABLED" },
    }, opts);
    const mountTargets = platform.privateSubnetIds.map((subnetId, i) => new aws.efs.MountTarget(`${name}-buffers-${String.fromCharCode(97 + i)}`, {
        fileSystemId: fileSystem.id,
        subnetId,
        securityGroups: [buffersGroup],
    }, opts));

    const { uid, gid } = fluentdContainer.fluentUser;
    const accessPoint = (role: ForwarderRole) => new aws.efs.AccessPoint(`${name}-buffers-${role}`, {
        fileSystemId: fileSystem.id,
        // Every request through it acts as fluentd's user, whatever user the container runs as (the entrypoint starts as root).
        posixUser: { uid, gid },
        // Created on first mount, fluentd's user's, closed to others; the task sees it as the volume's root.
        rootDirectory: { path: `/${role}`, creationInfo: { ownerUid: uid, ownerGid: gid, permissions: "0750" } },
        tags: { Name: `${name}-buffers-${role}` },
    }, opts);
    const accessPoints: Record<ForwarderRole, aws.efs.AccessPoint> = { primary: accessPoint("primary"), secondary: accessPoint("secondary") };
    const accessPointArns = [accessPoints.primary.arn, accessPoints.secondary.arn];

    // Once a file system has a policy, it replaces EFS's default, which lets in any client the network lets in.
    const fileSystemPolicy = new aws.efs.FileSystemPolicy(`${name}-buffers`, {
        fileSystemId: fileSystem.id,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                { Sid: "TlsOnly", Effect: "Deny", Principal: { AWS: "*" }, Action: clientActions, Resource: fileSystem.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
                {
                    Sid: "ForwardersThroughTheirAccessPoints",
                    Effect: "Allow",
                    Principal: { AWS: platform.forwarderTaskRole.arn },
                    Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                    Resource: fileSystem.arn,
                    Condition: { Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" }, StringEquals: { "elasticfilesystem:AccessPointArn": accessPointArns } },
                },
            ],
        }),
    }, opts);
    const mountPolicy = new aws.iam.RolePolicy(`${name}-buffers`, {
        role: platform.forwarderTaskRole.id,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [{
                Sid: "BufferMounts",
                Effect: "Allow",
                Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                Resource: fileSystem.arn,
                Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": accessPointArns } },
            }],
        }),
    }, opts);

    const volume = (role: ForwarderRole): FargateEfsVolume => ({
        name: "buffers", fileSystemId: fileSystem.id, accessPointId: accessPoints[role].id, mountTargets, accessPolicies: [fileSystemPolicy, mountPolicy],
    });
    return { primary: volume("primary"), secondary: volume("secondary") };
}
