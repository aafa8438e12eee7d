/**
 * An aws stack with `dle:canary false`: no canary service, task role, security group or search grant for it.
 */
import { RecordedResource, installMocks, programLoadTimeoutMs, registered, runProgram, unwrapSecrets } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws", canary: "false" });
let program: Record<string, unknown>;

beforeAll(async () => {
    program = await runProgram();
}, programLoadTimeoutMs);

const { ofType, one } = registered(resources);

describe("an aws stack without the canary", () => {
    it("has no canary service, role, group or secret", () => {
        expect(resources.filter((r) => /canary/.test(r.name)).map((r) => `${r.type} ${r.name}`)).toEqual([]);
        expect(ofType("aws:ec2/securityGroup:SecurityGroup").map((g) => g.name)).not.toContain("dle-canary");
    });

    it("opens the search domain to no canary", () => {
        const policy = JSON.parse(unwrapSecrets(one("aws:opensearch/domainPolicy:DomainPolicy", "dle-log-search").inputs.accessPolicies) as string);
        expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(["Forwarders", "DashboardsImporter"]);
    });

    it("says so in its outputs", () => {
        expect(program.canaryEnabled).toBe(false);
        expect(program.canaryNamespace).toBeUndefined();
        expect(program.canaryStack).toBeUndefined();
    });
});
