import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { postgresMajor } from "../config";
import { rdsFinalSnapshotIdentifier } from "../constraints";
import { SqlEndpoint } from "../endpoints";
import { On } from "../platform";
import { AwsPlatform } from "../platform/aws";
import { sqlPort } from "../platform/aws-flows";
import { ecsSecret } from "../platform/aws-service";
import { SqlArgs, sqlOwner } from "./args";

/** The logs RDS for PostgreSQL publishes to CloudWatch Logs (FSBP RDS.9, RDS.36): the server's log and its upgrades'. */
export const rdsPostgresLogExports = ["postgresql", "upgrade"];

/**
 * An RDS for PostgreSQL instance in the private subnets: one instance, or Multi-AZ (dle:rdsMultiAz); storage encrypted;
 * not publicly accessible; TLS required by its parameter group (rds.force_ssl), and verified by the forwarders against
 * the Amazon RDS CA bundle; the password generated and kept in Secrets Manager, which the forwarders receive as an
 * ECS secret; its logs in CloudWatch Logs; minor versions upgraded by AWS in the maintenance window; deletion
 * protection and a final snapshot by config.
 *
 * The password is a generated one in a secret of the stack's own rather than RDS's managed master password: RDS rotates
 * that one every seven days, and the forwarders, which read theirs at start, would lose the database at the next
 * reconnect until replaced.
 */
export function createAwsSql(name: string, parent: pulumi.Resource, args: On<SqlArgs, AwsPlatform>): SqlEndpoint {
    const { config, platform } = args;
    const settings = config.aws.rds;
    const opts = { parent };
    const securityGroup = platform.securityGroups.sql;
    if (securityGroup === undefined) throw new Error(`The aws sql sink \`${name}\` needs the platform's sql security group (\`sql\` in dle:sinks).`);
    const password = new random.RandomPassword(`${name}-password`, {
        length: 32,
        // Letters and digits only: the password goes into a postgres:// URL unescaped.
        special: false,
    }, opts);
    // Random, and kept in the state: unique to this deployment of the stack, and the same at every update.
    const finalSnapshotIdentifier = settings.finalSnapshot
        ? new random.RandomId(`${name}-final-snapshot`, { byteLength: 4 }, opts).hex.apply((hex) => rdsFinalSnapshotIdentifier(pulumi.getStack(), hex))
        : undefined;

    const subnets = new aws.rds.SubnetGroup(name, { subnetIds: platform.privateSubnetIds }, opts);
    const parameters = new aws.rds.ParameterGroup(name, {
        family: `postgres${postgresMajor}`,
        description: "dle: the sql sink, TLS required",
        // No connection without TLS (FSBP asks for encryption in transit); the forwarders use verify-full.
        parameters: [{ name: "rds.force_ssl", value: "1" }],
    }, opts);
    const instance = new aws.rds.Instance(name, {
        engine: "postgres",
        // The major only: AWS upgrades the minor version in the maintenance window (FSBP RDS.13), and the program never
        // asks to go back to the one it first got.
        engineVersion: postgresMajor,
        autoMinorVersionUpgrade: true,
        instanceClass: settings.instanceClass,
        multiAz: settings.multiAz,
        allocatedStorage: settings.storageGb,
        // Storage autoscaling: up to ten times the allocation, so that a backlog after an outage never fills the disk.
        maxAllocatedStorage: settings.storageGb * 10,
        storageType: "gp3",
        // FSBP RDS.3.
        storageEncrypted: true,
        dbName: config.sql.database,
        // FSBP RDS.24: not the engine's default administrator name (postgres).
        username: sqlOwner,
        password: pulumi.secret(password.result),
        // FSBP RDS.23: not the engine's default port.
        port: sqlPort,
        dbSubnetGroupName: subnets.name,
        parameterGroupName: parameters.name,
        vpcSecurityGroupIds: [securityGroup],
        // FSBP RDS.2.
        publiclyAccessible: false,
        // FSBP RDS.11: automatic backups, a week of them; RDS.17: the instance's tags on its snapshots.
        backupRetentionPeriod: 7,
        copyTagsToSnapshot: true,
        // FSBP RDS.9 and RDS.36.
        enabledCloudwatchLogsExports: rdsPostgresLogExports,
        // FSBP RDS.10 (the forwarders use the password; IAM authentication is there for an operator's role).
        iamDatabaseAuthenticationEnabled: true,
        // FSBP RDS.8: deleting the instance takes switching this off first (dle:rdsDeletionProtection).
        deletionProtection: settings.deletionProtection,
        skipFinalSnapshot: finalSnapshotIdentifier === undefined,
        finalSnapshotIdentifier,
    }, opts);

    const passwordValue = pulumi.secret(password.result);
    return {
        host: instance.address,
        port: pulumi.output(sqlPort),
        database: config.sql.database,
        username: sqlOwner,
        password: passwordValue,
        sslmode: "verify-full",
        // Private: reached from inside the VPC (or through a tunnel, see docs/aws.md).
        publishedUrl: pulumi.secret(pulumi.interpolate`postgres://${sqlOwner}:${password.result}@${instance.address}:${sqlPort}/${config.sql.database}?sslmode=verify-full`),
        passwordSecretArn: ecsSecret(`${name}-password`, "dle: the forwarders' password of the sql sink (RDS for PostgreSQL)", passwordValue, parent),
        deletion: { protection: settings.deletionProtection, finalSnapshotIdentifier },
    };
}
