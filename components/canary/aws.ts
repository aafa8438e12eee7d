import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { ecsEnvironment } from "../fluentd-env";
import { On } from "../platform";
import { AwsPlatform } from "../platform/aws";
import { ecrImage } from "../platform/aws-image";
import { ecsSecret, fargateService } from "../platform/aws-service";
import { CanaryArgs, CanaryOutputs, canaryCloudwatchNamespace, canaryCloudwatchStack, canaryCommand, canaryContainerName, canaryDir, canaryEnv, canaryHealthcheck, canaryNodeCommand, canaryReaderName } from "./args";
import { canaryVariables as v, storeAdminConnectionStringVariable } from "./service/settings";
import { withCredentials } from "./service/store-reader";

/** The container that grants the canary's store user before the canary starts. */
export const storeReaderContainerName = "store-reader";
// The log router (fluentd) and the canary (Node.js), in a quarter vCPU and 1 GiB.
const taskCpu = 256;
const taskMemoryMb = 1024;

/**
 * The canary as a Fargate service of one task in the private subnets: its container logs through the awsfirelens log
 * driver to the agent's FireLens log router in the same task (the webapp's way), and reads the sinks with the least
 * privilege that works: its task role may only get and list the archive's objects, search the log indices (the
 * domain's access policy, components/search/aws.ts) and put metrics into its CloudWatch namespace; in DocumentDB it has
 * a user of its own with the role `read`, which a first container of the task grants with the master connection
 * string (the canary's container never gets that). Its figures go to CloudWatch every minute.
 */
export function createAwsCanary(name: string, parent: pulumi.Resource, args: On<CanaryArgs, AwsPlatform>): CanaryOutputs {
    const { config, platform, agent, store, search, archive } = args;
    const opts = { parent };
    const taskRole = platform.canaryTaskRole;
    const securityGroupId = platform.securityGroups.canary;
    if (taskRole === undefined || securityGroupId === undefined) {
        throw new Error(`The aws canary \`${name}\` needs the platform's canary task role and security group (\`dle:canary\` true).`);
    }
    if (agent.sidecar === undefined) {
        throw new Error(`The aws canary \`${name}\` logs to the agent's FireLens log-router container, which \`agent\` lacks.`);
    }
    if (store.connectionStringSecretArn === undefined || archive.access.kind !== "aws-default-credentials") {
        throw new Error(`The aws canary \`${name}\` needs the store's connection string in Secrets Manager and an S3 archive.`);
    }

    const readerPassword = new random.RandomPassword(`${name}-store-reader-password`, { length: 32, special: false }, opts);
    const readerConnectionString = pulumi.secret(pulumi.all([store.connectionString, readerPassword.result])
        .apply(([connectionString, password]) => withCredentials(connectionString, canaryReaderName, password)));
    const readerSecretArn = ecsSecret(`${name}-store-reader`, "dle: the canary's read-only DocumentDB connection string", readerConnectionString, parent);

    const keys = pulumi.interpolate`${archive.access.bucketArn}/${archive.keyPrefix}*`;
    const taskPolicy = new aws.iam.RolePolicy(`${name}-task`, {
        role: taskRole.id,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                // The archive's log objects: listed and read, never written.
                { Effect: "Allow", Action: ["s3:ListBucket"], Resource: archive.access.bucketArn, Condition: { StringLike: { "s3:prefix": [`${archive.keyPrefix}*`] } } },
                { Effect: "Allow", Action: ["s3:GetObject"], Resource: keys },
                // PutMetricData has no resource to name: the namespace is the limit (each stack's figures carry its Stack dimension).
                { Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": canaryCloudwatchNamespace } } },
            ],
        }),
    }, opts);

    const image = ecrImage(name, {
        context: canaryDir,
        buildArgs: { NODE_IMAGE: config.images.node, RDS_CA_BUNDLE_SHA256: config.aws.rdsCaBundleSha256 },
        // With the Amazon RDS CA bundle, which DocumentDB's TLS needs.
        target: "aws",
        // The component's code is in the same folder but not in the image (.dockerignore).
        include: (file) => !file.split(path.sep).includes("node_modules") && (!file.endsWith(".ts") || file.startsWith(`service${path.sep}`)),
    }, parent);

    const { service } = fargateService(name, {
        platform,
        cpu: taskCpu,
        memoryMb: taskMemoryMb,
        desiredCount: 1,
        securityGroupId,
        repositoryArns: [image.repository.arn, platform.fluentdRepositoryArn],
        taskRole,
        // Its first task reads the archive and publishes its figures from the start: the service waits for the policy.
        taskRolePolicies: [taskPolicy],
        containers: [
            agent.sidecar,
            {
                name: storeReaderContainerName,
                image: image.ref,
                command: canaryNodeCommand("grant-store-reader.ts"),
                // A set-up step: it exits once the user is in place, and the canary waits for that.
                essential: false,
                environment: ecsEnvironment(
                    { [v.storeDatabase]: config.store.database },
                    { [storeAdminConnectionStringVariable]: store.connectionStringSecretArn, [v.storeConnectionString]: readerSecretArn },
                ),
            },
            {
                name: canaryContainerName,
                image: image.ref,
                command: canaryCommand,
                environment: ecsEnvironment(
                    {
                        ...canaryEnv(config, { search, archive }),
                        [v.cloudwatchNamespace]: canaryCloudwatchNamespace,
                        [v.cloudwatchStack]: canaryCloudwatchStack(),
                    },
                    { [v.storeConnectionString]: readerSecretArn },
                ),
                healthcheck: canaryHealthcheck,
                logConfiguration: {
                    logDriver: "awsfirelens",
                    // Never used: agent.conf matches every *-firelens-* tag first (see the webapp's nginx container).
                    options: { "@type": "null" },
                },
                // Its lines would have nowhere to go before the agent is up, and it reads the store as its own user.
                dependsOnHealthy: [agent.sidecar.name],
                dependsOnComplete: [storeReaderContainerName],
            },
        ],
    }, parent);

    return { name: service.name, cloudwatchNamespace: canaryCloudwatchNamespace, cloudwatchStack: canaryCloudwatchStack() };
}
