/**
 * Controls of AWS Foundational Security Best Practices (Security Hub's standard), checked against what a mocked
 * program registered, before anything is deployed. Each control is a small function from the recorded resources to
 * its findings: one line per resource that fails it, naming the control and the resource, and saying why.
 *
 * The rules are those of the AWS Config rules behind the controls:
 * - EFS.1 (efs-encrypted-check): the file system is encrypted at rest;
 * - EFS.2 (efs-in-backup-plan): it is in a backup plan; its backup policy ENABLED puts it in AWS Backup's plan for
 *   EFS's automatic backups;
 * - EFS.3 (efs-access-point-enforce-root-directory): an access point sets a root directory other than /;
 * - EFS.4 (efs-access-point-enforce-user-identity): an access point sets a POSIX user;
 * - EFS.6 (efs-mount-target-public-accessible): a mount target is not in a public subnet. Config's rule looks only at
 *   whether the subnet assigns public IPs at launch, which this stack's public subnets do not; so a subnet whose route
 *   table sends traffic to an internet gateway counts as public here too.
 */
import { RecordedResource } from "./mocks";

/** One control: the findings for every resource it applies to and that fails it. */
export type Control = (resources: RecordedResource[]) => string[];

const types = {
    fileSystem: "aws:efs/fileSystem:FileSystem",
    backupPolicy: "aws:efs/backupPolicy:BackupPolicy",
    accessPoint: "aws:efs/accessPoint:AccessPoint",
    mountTarget: "aws:efs/mountTarget:MountTarget",
    subnet: "aws:ec2/subnet:Subnet",
    routeTable: "aws:ec2/routeTable:RouteTable",
    routeTableAssociation: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    internetGateway: "aws:ec2/internetGateway:InternetGateway",
};

const finding = (control: string, resource: RecordedResource, why: string) => `${control} ${resource.name} (${resource.type}): ${why}`;
const ofType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);
/** The mock runtime gives each resource the ID `<name>-id` (tests/support/mocks.ts). */
const idOf = (resource: RecordedResource) => `${resource.name}-id`;

/** Whether a recorded subnet is public: it assigns public IPs at launch, or its route table leads to an internet gateway. */
function isPublic(resources: RecordedResource[], subnet: RecordedResource): boolean {
    if (subnet.inputs.mapPublicIpOnLaunch === true) return true;
    const gateways = new Set(ofType(resources, types.internetGateway).map(idOf));
    // A subnet without an association uses the VPC's main route table, which has only the local route unless a
    // program changes it (none of its routes are recorded then).
    const tables = ofType(resources, types.routeTableAssociation).filter((a) => a.inputs.subnetId === idOf(subnet)).map((a) => a.inputs.routeTableId);
    return ofType(resources, types.routeTable)
        .filter((table) => tables.includes(idOf(table)))
        .some((table) => ((table.inputs.routes ?? []) as { gatewayId?: string }[]).some((route) => route.gatewayId !== undefined && gateways.has(route.gatewayId)));
}

export const efsControls: Record<string, Control> = {
    "EFS.1": (resources) => ofType(resources, types.fileSystem)
        .filter((fs) => fs.inputs.encrypted !== true)
        .map((fs) => finding("EFS.1", fs, "not encrypted at rest (`encrypted` is not true)")),
    "EFS.2": (resources) => ofType(resources, types.fileSystem)
        .filter((fs) => !ofType(resources, types.backupPolicy).some((p) =>
            p.inputs.fileSystemId === idOf(fs) && (p.inputs.backupPolicy as { status?: string } | undefined)?.status === "ENABLED"))
        .map((fs) => finding("EFS.2", fs, "in no backup plan: no backup policy of it is ENABLED")),
    "EFS.3": (resources) => ofType(resources, types.accessPoint)
        .filter((ap) => [undefined, "/"].includes((ap.inputs.rootDirectory as { path?: string } | undefined)?.path))
        .map((ap) => finding("EFS.3", ap, "enforces no root directory (its path is /)")),
    "EFS.4": (resources) => ofType(resources, types.accessPoint)
        .filter((ap) => {
            const user = ap.inputs.posixUser as { uid?: number; gid?: number } | undefined;
            return user?.uid === undefined || user.gid === undefined;
        })
        .map((ap) => finding("EFS.4", ap, "enforces no user identity (no POSIX uid and gid)")),
    "EFS.6": (resources) => ofType(resources, types.mountTarget).flatMap((mt) => {
        const subnet = ofType(resources, types.subnet).find((s) => idOf(s) === mt.inputs.subnetId);
        if (subnet === undefined) return [finding("EFS.6", mt, `its subnet ${String(mt.inputs.subnetId)} is not one the program made: whether it is public cannot be told`)];
        return isPublic(resources, subnet) ? [finding("EFS.6", mt, `in the public subnet ${subnet.name}`)] : [];
    }),
};

/** Every finding of the controls (EFS's by default) for the recorded resources. */
export function fsbpFindings(resources: RecordedResource[], controls: Record<string, Control> = efsControls): string[] {
    return Object.values(controls).flatMap((control) => control(resources));
}
