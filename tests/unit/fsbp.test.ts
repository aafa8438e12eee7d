/**
 * The FSBP checks (tests/support/fsbp.ts) themselves: each fails, naming the control and the resource, on a record
 * that breaks its control, and passes the same kind of record done right. The stacks are checked with them in
 * tests/unit/forwarder-buffers-efs.test.ts and forwarder-buffers-no-backup.test.ts.
 */
import { fsbpFindings } from "../support/fsbp";
import { RecordedResource } from "../support/mocks";

const record = (type: string, name: string, inputs: Record<string, unknown>): RecordedResource => ({ type, name, inputs });

/** A VPC's internet gateway and a route table to it: what makes a subnet associated with it public. */
const internetRoute = [
    record("aws:ec2/internetGateway:InternetGateway", "igw", { vpcId: "vpc-id" }),
    record("aws:ec2/routeTable:RouteTable", "public", { vpcId: "vpc-id", routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-id" }] }),
];
const subnet = (name: string, inputs: Record<string, unknown> = {}) => record("aws:ec2/subnet:Subnet", name, { vpcId: "vpc-id", mapPublicIpOnLaunch: false, ...inputs });
const routedToInternet = (subnetName: string) => record("aws:ec2/routeTableAssociation:RouteTableAssociation", subnetName, { subnetId: `${subnetName}-id`, routeTableId: "public-id" });

describe("the FSBP EFS checks", () => {
    it("fail each non-compliant resource, naming the control and the resource", () => {
        const resources = [
            ...internetRoute,
            record("aws:efs/fileSystem:FileSystem", "plain", {}),
            record("aws:efs/fileSystem:FileSystem", "backup-off", { encrypted: true }),
            record("aws:efs/backupPolicy:BackupPolicy", "backup-off", { fileSystemId: "backup-off-id", backupPolicy: { status: "DISABLED" } }),
            record("aws:efs/accessPoint:AccessPoint", "whole-fs", { fileSystemId: "plain-id", rootDirectory: { path: "/" }, posixUser: { uid: 999, gid: 999 } }),
            record("aws:efs/accessPoint:AccessPoint", "any-user", { fileSystemId: "plain-id", rootDirectory: { path: "/app" } }),
            subnet("routed-public"), routedToInternet("routed-public"),
            subnet("public-ips", { mapPublicIpOnLaunch: true }),
            record("aws:efs/mountTarget:MountTarget", "in-routed-public", { fileSystemId: "plain-id", subnetId: "routed-public-id" }),
            record("aws:efs/mountTarget:MountTarget", "in-public-ips", { fileSystemId: "plain-id", subnetId: "public-ips-id" }),
            record("aws:efs/mountTarget:MountTarget", "in-foreign-subnet", { fileSystemId: "plain-id", subnetId: "subnet-0123abcd" }),
        ];
        expect(fsbpFindings(resources)).toEqual([
            "EFS.1 plain (aws:efs/fileSystem:FileSystem): not encrypted at rest (`encrypted` is not true)",
            "EFS.2 plain (aws:efs/fileSystem:FileSystem): in no backup plan: no backup policy of it is ENABLED",
            "EFS.2 backup-off (aws:efs/fileSystem:FileSystem): in no backup plan: no backup policy of it is ENABLED",
            "EFS.3 whole-fs (aws:efs/accessPoint:AccessPoint): enforces no root directory (its path is /)",
            "EFS.4 any-user (aws:efs/accessPoint:AccessPoint): enforces no user identity (no POSIX uid and gid)",
            "EFS.6 in-routed-public (aws:efs/mountTarget:MountTarget): in the public subnet routed-public",
            "EFS.6 in-public-ips (aws:efs/mountTarget:MountTarget): in the public subnet public-ips",
            "EFS.6 in-foreign-subnet (aws:efs/mountTarget:MountTarget): its subnet subnet-0123abcd is not one the program made: whether it is public cannot be told",
        ]);
    });

    it("pass the same resources done right", () => {
        const resources = [
            ...internetRoute,
            record("aws:efs/fileSystem:FileSystem", "buffers", { encrypted: true }),
            record("aws:efs/backupPolicy:BackupPolicy", "buffers", { fileSystemId: "buffers-id", backupPolicy: { status: "ENABLED" } }),
            record("aws:efs/accessPoint:AccessPoint", "primary", { fileSystemId: "buffers-id", rootDirectory: { path: "/primary" }, posixUser: { uid: 999, gid: 999 } }),
            // Private: no public IPs, and a route table of its own that leads to a NAT gateway, not the internet gateway.
            subnet("private"),
            record("aws:ec2/routeTable:RouteTable", "private", { vpcId: "vpc-id", routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: "nat-id" }] }),
            record("aws:ec2/routeTableAssociation:RouteTableAssociation", "private", { subnetId: "private-id", routeTableId: "private-id" }),
            record("aws:efs/mountTarget:MountTarget", "a", { fileSystemId: "buffers-id", subnetId: "private-id" }),
        ];
        expect(fsbpFindings(resources)).toEqual([]);
    });
});
