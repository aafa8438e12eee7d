import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SqlEndpoint } from "../endpoints";
import { On } from "../platform";
import { LocalPlatform } from "../platform/local";
import { localContainer, localVolume, publishedHost } from "../platform/local-container";
import { SqlArgs, sqlOwner } from "./args";

const postgresPort = 5432;
/** The owner's password, as a file the image's entrypoint reads (POSTGRES_PASSWORD_FILE): never in the environment. */
const passwordFile = "/etc/dle/postgres-password";
/** Where the official image (up to 17) keeps its data. */
const dataDir = "/var/lib/postgresql/data";

/** PostgreSQL on the local Docker network, password authentication, the password generated. */
export function createLocalSql(name: string, parent: pulumi.Resource, args: On<SqlArgs, LocalPlatform>): SqlEndpoint {
    const { config, platform } = args;
    const password = new random.RandomPassword(`${name}-password`, {
        length: 32,
        // Letters and digits only: the password goes into a postgres:// URL unescaped.
        special: false,
    }, { parent });
    const data = localVolume(`${name}-data`, parent);

    const postgres = localContainer(name, {
        platform,
        image: config.images.postgres,
        alias: "sql",
        // The image's entrypoint creates the user and the database on the first start (an empty data directory).
        envs: [`POSTGRES_USER=${sqlOwner}`, `POSTGRES_DB=${config.sql.database}`, `POSTGRES_PASSWORD_FILE=${passwordFile}`],
        secretFiles: { owner: "postgres", imageEntrypoint: ["docker-entrypoint.sh"], files: [{ file: passwordFile, content: password.result }] },
        command: ["postgres"],
        // pg_isready asks without logging in: ready once the server takes connections.
        healthcheck: ["pg_isready", "-q", "-h", "127.0.0.1", "-U", sqlOwner, "-d", config.sql.database],
        startPeriodSeconds: 30,
        publish: [{ internal: postgresPort, external: config.ports.sql }],
        volumes: [{ volume: data, containerPath: dataDir }],
        // The password file, the server's socket and lock files, and what the entrypoint's initdb writes.
        writablePaths: [path.posix.dirname(passwordFile), "/var/run/postgresql", "/tmp"],
    }, parent);

    return {
        host: postgres.host,
        port: pulumi.output(postgresPort),
        database: config.sql.database,
        username: sqlOwner,
        password: pulumi.secret(password.result),
        // On the stack's own network, as the store and the search sink locally.
        sslmode: "disable",
        publishedUrl: pulumi.secret(pulumi.interpolate`postgres://${sqlOwner}:${password.result}@${publishedHost}:${config.ports.sql}/${config.sql.database}`),
    };
}
