/**
 * dle:forwarderBufferBackup false, under Pulumi's mock runtime: the buffers' file system's backup policy is DISABLED,
 * and the policy pack's FSBP policy for EFS.2 (policy/fsbp.ts) says so of the stack itself, naming the file system.
 */
import { fsbpPolicies } from "../../policy/fsbp";
import { asLines, policyViolations } from "../support/policy-harness";
import { RecordedResource, installMocks, programLoadTimeoutMs, registered, runProgram } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws", forwarderBufferBackup: "false" });

beforeAll(() => runProgram(), programLoadTimeoutMs);

const { one } = registered(resources);

describe("the forwarders' buffers without backups (aws)", () => {
    it("turns the file system's automatic backups off", () => {
        expect(one("aws:efs/backupPolicy:BackupPolicy", "dle-log-forwarder-buffers").inputs.backupPolicy).toEqual({ status: "DISABLED" });
    });

    it("fails EFS.2 and only it, naming the file system", async () => {
        expect(asLines(await policyViolations(resources, fsbpPolicies.filter((p) => p.name.startsWith("fsbp-efs-"))))).toEqual(["fsbp-efs-2-backup dle-log-forwarder-buffers: EFS.2: in no backup plan: no backup policy of it is ENABLED"]);
    });
});
