/**
 * The local stack with the sql sink (dle:sinks store,search,archive,sql), as the mocked program registers it: the
 * official postgres image at the pinned tag, its password only as a file, and forwarders whose environment is exactly
 * what forwarder.conf reads with the sql sink's output included.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { defaults } from "../../components/config";
import { awsSdkEnv } from "../../components/fluentd-env";
import { envNamesRead, fluentdDir } from "../support/fluentd-config";
import { RecordedResource, containerEnv, containerFiles, generatedSecretMarker, installMocks, programLoadTimeoutMs, runProgram, valueOf } from "../support/mocks";

const sinks = "store,search,archive,sql";
const resources: RecordedResource[] = installMocks({ target: "local", sinks });
let program: Record<string, unknown>;

beforeAll(async () => {
    program = await runProgram();
}, programLoadTimeoutMs);

const container = (name: string) => resources.find((r) => r.type === "docker:index/container:Container" && r.name === name)!;
const envOf = (name: string) => containerEnv(resources, name);

describe("the sql sink on the local stack", () => {
    it("runs the pinned postgres image on the stack's network, published on loopback", () => {
        const postgres = container("dle-log-sql").inputs;
        expect(postgres.image).toBe(defaults.postgresImage);
        expect((postgres.networksAdvanced as { aliases: string[] }[])[0].aliases).toEqual(["sql"]);
        expect(postgres.ports).toEqual([{ internal: 5432, external: 5432, ip: "127.0.0.1" }]);
    });

    it("hands PostgreSQL and the forwarders the password as a file, never in an environment", () => {
        const env = envOf("dle-log-sql");
        expect(env).toEqual({ POSTGRES_USER: "dle", POSTGRES_DB: "applogs", POSTGRES_PASSWORD_FILE: "/etc/dle/postgres-password" });
        const password = containerFiles(resources, "dle-log-sql")["/etc/dle/postgres-password"];
        expect(password).toContain(generatedSecretMarker);
        for (const forwarder of ["dle-log-forwarder-pri", "dle-log-forwarder-sec"]) {
            expect(Object.values(envOf(forwarder)).filter((v) => v.includes(password))).toEqual([]);
            expect(containerFiles(resources, forwarder)[envOf(forwarder).SQL_PASSWORD_FILE]).toBe(password);
        }
    });

    it.each(["dle-log-forwarder-pri", "dle-log-forwarder-sec"])("gives %s exactly the variables forwarder.conf reads with the sql sink", (name) => {
        const env = envOf(name);
        expect(env).toEqual(expect.objectContaining({ FORWARDER_SINKS: sinks, SQL_HOST: "sql", SQL_PORT: "5432", SQL_SSLMODE: "disable" }));
        // FLUENTD_CONF is read by the image's entrypoint, the AWS SDK's variables by the SDK, not by the config.
        const given = Object.keys(env).filter((k) => k !== "FLUENTD_CONF" && !awsSdkEnv.includes(k)).sort();
        const read = [...envNamesRead(path.join(fluentdDir, "forwarder.conf"), "local", sinks)].sort();
        expect(given).toEqual(read);
        // The sql sink's variables are read only because its output is included.
        expect(read.filter((n) => n.startsWith("SQL_"))).toEqual(["SQL_DATABASE", "SQL_HOST", "SQL_PASSWORD_FILE", "SQL_PORT", "SQL_SSLMODE", "SQL_SSLROOTCERT", "SQL_USER"]);
        expect([...envNamesRead(path.join(fluentdDir, "forwarder.conf"), "local")].filter((n) => n.startsWith("SQL_"))).toEqual([]);
    });

    it("exports the sinks and a postgres:// URL with the password for npm run verify", async () => {
        expect(program.sinks).toBe(sinks);
        const password = containerFiles(resources, "dle-log-sql")["/etc/dle/postgres-password"];
        expect(await valueOf(program.sqlUrl as pulumi.Output<string>)).toBe(`postgres://dle:${password}@127.0.0.1:5432/applogs`);
    });
});
