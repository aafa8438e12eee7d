import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { StoreEndpoint } from "../endpoints";
import { documentDbFinalSnapshotIdentifier } from "../constraints";
import { fluentdContainer } from "../fluentd-env";
import { AwsPlatform } from "../platform/aws";
import { storePort } from "../platform/aws-flows";
import { ecsSecret } from "../platform/aws-service";
import { On } from "../platform";
import { StoreArgs } from "./args";

const masterUser = "dle";

/**
 * A DocumentDB cluster in the private subnets: storage encrypted, TLS required, the master password generated
 * and kept in Secrets Manager as the whole connection string, which the forwarders receive as an ECS secret.
 */
export function createAwsStore(name: string, parent: pulumi.Resource, args: On<StoreArgs, AwsPlatform>): StoreEndpoint {
    const { config, platform } = args;
    const settings = config.aws.documentDb;
    const opts = { parent };
    const password = new random.RandomPassword(`${name}-master-password`, {
        length: 32,
        // Letters and digits only: the password goes into a connection string unescaped.
        special: false,
    }, opts);

    // Random, and kept in the state: unique to this deployment of the stack, and the same at every update.
    const finalSnapshotIdentifier = settings.finalSnapshot
        ? new random.RandomId(`${name}-final-snapshot`, { byteLength: 4 }, opts).hex.apply((hex) => documentDbFinalSnapshotIdentifier(pulumi.getStack(), hex))
        : undefined;
    const subnets = new aws.docdb.SubnetGroup(name, { subnetIds: platform.privateSubnetIds }, opts);
    // The default parameter group also requires TLS; this one says so where a reader can see it.
    const parameters = new aws.docdb.ClusterParameterGroup(name, {
        family: `docdb${settings.engineVersion.split(".")[0]}.0`,
        parameters: [{ name: "tls", value: "enabled" }],
    }, opts);
    const cluster = new aws.docdb.Cluster(name, {
        engine: "docdb",
        engineVersion: settings.engineVersion,
        masterUsername: masterUser,
        masterPassword: pulumi.secret(password.result),
        dbSubnetGroupName: subnets.name,
        dbClusterParameterGroupName: parameters.name,
        vpcSecurityGroupIds: [platform.securityGroups.store],
        port: storePort,
        storageEncrypted: true,
        backupRetentionPeriod: 7,
        // FSBP DocumentDB.5: deleting the cluster takes switching this off first (dle:documentDbDeletionProtection),
        // which `npm run destroy:aws` checks before it deletes anything, so a destroy never stops half-way.
        deletionProtection: settings.deletionProtection,
        // The provider requires an identifier unless the snapshot is skipped (DeleteDBCluster: one or the other).
        skipFinalSnapshot: finalSnapshotIdentifier === undefined,
        finalSnapshotIdentifier,
    }, opts);
    for (let i = 0; i < settings.instances; i++) {
        new aws.docdb.ClusterInstance(`${name}-${i}`, {
            clusterIdentifier: cluster.id,
            instanceClass: settings.instanceClass,
        }, opts);
    }

    // Everything in the URI: fluent-plugin-mongo ignores its SSL options when connection_string is used.
    // DocumentDB has no retryable writes, and its replica set is always called rs0.
    const connectionString = pulumi.secret(pulumi.interpolate`mongodb://${masterUser}:${password.result}@${cluster.endpoint}:${storePort}/${config.store.database}?tls=true&tlsCAFile=${fluentdContainer.rdsCaBundle}&replicaSet=rs0&retryWrites=false&authSource=admin`);
    return {
        connectionString,
        // Private: reached from inside the VPC (or through a tunnel, see docs/aws.md).
        publishedConnectionString: connectionString,
        database: config.store.database,
        collection: config.store.collection,
        retentionDays: config.store.retentionDays,
        deletion: { protection: settings.deletionProtection, finalSnapshotIdentifier },
        connectionStringSecretArn: ecsSecret(`${name}-connection-string`, "dle: the forwarders' DocumentDB connection string, with the master password", connectionString, parent),
    };
}
