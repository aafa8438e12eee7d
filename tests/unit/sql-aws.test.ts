/**
 * The aws stack with the sql sink (dle:sinks store,search,archive,sql), as the mocked program registers it: an RDS for
 * PostgreSQL 17 instance that meets the FSBP RDS controls, reached by the forwarders over TLS with its password from
 * Secrets Manager; and each RDS policy of the pack failing on an instance that breaks it.
 */
import * as path from "path";
import { fileContentEnv, fluentdUserEnv } from "../../components/fluentd-env";
import { envNamesRead, fluentdDir } from "../support/fluentd-config";
import { asLines, mandatory, policyViolations, withChange } from "../support/policy-harness";
import { RecordedResource, installMocks, programLoadTimeoutMs, runProgram } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws", sinks: "store,search,archive,sql" });

let program: Record<string, unknown>;

beforeAll(async () => {
    program = await runProgram();
}, programLoadTimeoutMs);

it("outputs no CloudWatch Logs location without the cloudwatch sink", () => {
    expect(program.cloudwatchLogGroupPrefix).toBeUndefined();
    expect(program.cloudwatchLogsRegion).toBeUndefined();
});

const instanceType = "aws:rds/instance:Instance";
const instance = () => resources.find((r) => r.type === instanceType)!.inputs;
const forwarder = (name: string) => {
    const task = resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === name)!.inputs;
    return (JSON.parse(task.containerDefinitions as string) as Record<string, unknown>[]).find((c) => c.name === "forwarder")!;
};

describe("the sql sink on AWS", () => {
    it("is one encrypted, private RDS for PostgreSQL 17 instance that AWS upgrades, logs and backs up", () => {
        expect(resources.filter((r) => r.type === instanceType)).toHaveLength(1);
        expect(instance()).toEqual(expect.objectContaining({
            engine: "postgres", engineVersion: "17", autoMinorVersionUpgrade: true, multiAz: false, storageEncrypted: true,
            publiclyAccessible: false, deletionProtection: true, skipFinalSnapshot: false, backupRetentionPeriod: 7,
            enabledCloudwatchLogsExports: ["postgresql", "upgrade"], port: 5433, username: "dle", dbName: "applogs",
        }));
        const group = resources.find((r) => r.type === "aws:rds/parameterGroup:ParameterGroup")!.inputs;
        expect(group).toEqual(expect.objectContaining({ family: "postgres17", parameters: [{ name: "rds.force_ssl", value: "1" }] }));
    });

    it("gives each forwarder the sink with TLS verified, and its password only as an ECS secret", () => {
        for (const name of ["dle-log-forwarder-pri", "dle-log-forwarder-sec"]) {
            const c = forwarder(name);
            const env = Object.fromEntries((c.environment as { name: string; value: string }[]).map((v) => [v.name, v.value]));
            expect(env).toEqual(expect.objectContaining({
                FORWARDER_SINKS: "store,search,archive,sql", SQL_PORT: "5433", SQL_DATABASE: "applogs", SQL_USER: "dle",
                SQL_SSLMODE: "verify-full", SQL_SSLROOTCERT: "/fluentd/etc/rds-global-bundle.pem", SQL_PASSWORD_FILE: "/fluentd/etc/secrets/sql-password",
            }));
            expect(env.SQL_HOST).toMatch(/\.rds\.amazonaws\.com$/);
            expect(env.SQL_PASSWORD).toBeUndefined();
            expect((c.secrets as { name: string }[]).map((s) => s.name)).toContain("SQL_PASSWORD");
        }
    });

    it.each(["dle-log-forwarder-pri", "dle-log-forwarder-sec"])("gives %s exactly the variables forwarder.conf reads with the sql sink", (name) => {
        const c = forwarder(name);
        const names = [...(c.environment as { name: string }[]), ...(c.secrets as { name: string }[])].map((v) => v.name);
        const read = envNamesRead(path.join(fluentdDir, "forwarder.conf"), "aws", "store,search,archive,sql");
        // FLUENTD_CONF and the user are the entrypoint's; so are the contents it writes to the files the config reads.
        const contents: string[] = Object.entries(fileContentEnv).filter(([pathVariable]) => read.has(pathVariable)).map(([, content]) => content);
        expect(names.filter((n) => n !== "FLUENTD_CONF" && n !== fluentdUserEnv && !contents.includes(n)).sort()).toEqual([...read].sort());
        expect(contents).toContain("SQL_PASSWORD");
        for (const content of contents) expect(names).toContain(content);
    });

    it("lets only the forwarders reach it, on its port", () => {
        const ingress = resources.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.name.includes("-to-sql-"));
        expect(ingress.map((r) => r.name)).toEqual(["dle-forwarder-to-sql-tcp-5433-in"]);
    });

    it("meets every mandatory policy; Multi-AZ off is the one named exception it adds", async () => {
        const lines = asLines(await policyViolations(resources));
        expect(lines.filter((l) => l.includes("dle-log-sql"))).toEqual([
            "(advisory) fsbp-rds-5-multi-az dle-log-sql: RDS.5: not Multi-AZ (dle:rdsMultiAz false: one instance)",
        ]);
        expect(asLines(mandatory(await policyViolations(resources)))).toEqual([]);
    });

    it.each<[string, (i: Record<string, unknown>) => void, string[]]>([
        ["public", (i) => { i.publiclyAccessible = true; }, ["fsbp-rds-2-not-public dle-log-sql: RDS.2: publicly accessible (`publiclyAccessible` true)"]],
        ["unencrypted", (i) => { i.storageEncrypted = false; }, ["fsbp-rds-3-encrypted dle-log-sql: RDS.3: storage not encrypted (`storageEncrypted` is not true)"]],
        ["without its logs in CloudWatch", (i) => { i.enabledCloudwatchLogsExports = ["upgrade"]; }, ["fsbp-rds-9-logs dle-log-sql: RDS.9/RDS.36: publishes no postgresql log to CloudWatch Logs (enabledCloudwatchLogsExports)"]],
        ["without IAM authentication", (i) => { i.iamDatabaseAuthenticationEnabled = false; }, ["fsbp-rds-10-iam-authentication dle-log-sql: RDS.10: IAM database authentication is off"]],
        ["without backups", (i) => { i.backupRetentionPeriod = 0; }, ["fsbp-rds-11-backups dle-log-sql: RDS.11: no automatic backups (backupRetentionPeriod 0)"]],
        ["kept on its minor version", (i) => { i.autoMinorVersionUpgrade = false; }, ["fsbp-rds-13-minor-upgrades dle-log-sql: RDS.13: automatic minor version upgrades are off"]],
        ["without its tags on its snapshots", (i) => { i.copyTagsToSnapshot = false; }, ["fsbp-rds-17-copy-tags dle-log-sql: RDS.17: does not copy its tags to its snapshots (`copyTagsToSnapshot` is not true)"]],
        ["on PostgreSQL's default port", (i) => { i.port = 5432; }, ["fsbp-rds-23-port dle-log-sql: RDS.23: listens on PostgreSQL's default port 5432"]],
        ["with the default administrator", (i) => { i.username = "postgres"; }, ["fsbp-rds-24-admin dle-log-sql: RDS.24: its administrator is PostgreSQL's default, postgres"]],
    ])("reports an instance %s", async (_, change, expected) => {
        expect(asLines(mandatory(await policyViolations(withChange(resources, instanceType, "dle-log-sql", change))))).toEqual(expected);
    });

    it("reports a parameter group that does not require TLS", async () => {
        const changed = withChange(resources, "aws:rds/parameterGroup:ParameterGroup", "dle-log-sql", (g) => { g.parameters = []; });
        expect(asLines(mandatory(await policyViolations(changed)))).toEqual(["rds-force-ssl dle-log-sql: TLS is not required: its parameter group does not set rds.force_ssl 1"]);
    });

    it("warns of deletion protection off, as a throwaway stack has it", async () => {
        const changed = withChange(resources, instanceType, "dle-log-sql", (i) => { i.deletionProtection = false; });
        expect(asLines(await policyViolations(changed)).filter((l) => l.includes("rds-8"))).toEqual([
            "(advisory) fsbp-rds-8-deletion-protection dle-log-sql: RDS.8: deletion protection is off (dle:rdsDeletionProtection false)",
        ]);
    });
});
