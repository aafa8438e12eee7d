/**
 * What the whole aws target needs once: the network and its security groups, the ECS cluster, the fluentd
 * image in ECR (built from the same fluentd/Dockerfile as locally), and the forwarders' task role, which the
 * search and archive parts grant access to and the forwarder pair runs as (and likewise the dashboards importer's role,
 * and the canary's, which the search part lets read).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { StackConfig } from "../config";
import { ecrImage } from "./aws-image";
import { fluentdImageBuild } from "./fluentd-image";
import { createAwsNetwork } from "./aws-network";
import { SecurityGroupIds, createSecurityGroups } from "./aws-flows";
import { ecsTasksAssumeRolePolicy } from "./aws-iam";
import { fluentdDir } from "./local";

export interface AwsPlatformArgs {
    config: StackConfig;
}

/** Shared by every part of the aws stack. */
export class AwsPlatform extends pulumi.ComponentResource {
    readonly kind = "aws" as const;
    public readonly vpcId: pulumi.Output<string>;
    /** For the internet-facing load balancer only. */
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    /** For every task and data service: one per AZ. */
    public readonly privateSubnetIds: pulumi.Output<string>[];
    /** One group per part, allowing only the flows of components/platform/aws-flows.ts. */
    public readonly securityGroups: SecurityGroupIds;
    public readonly cluster: aws.ecs.Cluster;
    public readonly region: pulumi.Output<string>;
    /** Days CloudWatch keeps every log group of the stack. */
    public readonly logRetentionDays: number;
    /** The project's fluentd image, by digest. */
    public readonly fluentdImage: pulumi.Output<string>;
    /** Its repository, for the execution roles that pull it. */
    public readonly fluentdRepositoryArn: pulumi.Output<string>;
    /** The role the forwarder tasks run as; the store, search and archive parts grant it access. */
    public readonly forwarderTaskRole: aws.iam.Role;
    /** The role the dashboards' importer function runs as; the search part opens the domain's Dashboards to it. */
    public readonly dashboardsImporterRole: aws.iam.Role;
    /** The role the canary's tasks run as (with dle:canary true); the search part lets it read the log indices. */
    public readonly canaryTaskRole?: aws.iam.Role;

    constructor(name: string, args: AwsPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:platform:AwsPlatform", name, {}, opts);
        const { config } = args;

        this.region = aws.getRegionOutput({}, { parent: this }).region;
        const network = createAwsNetwork(name, config.aws.network, this.region, this);
        this.vpcId = network.vpcId;
        this.publicSubnetIds = network.publicSubnetIds;
        this.privateSubnetIds = network.privateSubnetIds;
        this.securityGroups = createSecurityGroups(name, this.vpcId, { ...config.aws, canary: config.canary.enabled, sql: config.sinks.includes("sql") }, this);
        this.logRetentionDays = config.aws.logRetentionDays;

        // FSBP ECS.12: Container Insights on (dle:containerInsights); the setting's name and values are ECS's
        // (Amazon ECS API reference, ClusterSetting).
        this.cluster = new aws.ecs.Cluster(name, {
            settings: [{ name: "containerInsights", value: config.aws.containerInsights }],
        }, { parent: this });

        // The `aws` stage: the local image plus the Amazon RDS CA bundle, checked against its pinned checksum.
        const build = fluentdImageBuild(config);
        const fluentd = ecrImage(`${name}-fluentd`, {
            context: fluentdDir,
            buildArgs: build.args,
            target: build.target,
        }, this);
        this.fluentdImage = fluentd.ref;
        this.fluentdRepositoryArn = fluentd.repository.arn;

        this.forwarderTaskRole = new aws.iam.Role(`${name}-forwarder-task`, {
            assumeRolePolicy: ecsTasksAssumeRolePolicy,
            description: "dle forwarders: write the archive bucket and the search domain",
        }, { parent: this });

        this.dashboardsImporterRole = new aws.iam.Role(`${name}-dashboards-importer`, {
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
            description: "dle dashboards importer: import saved objects into the domain's OpenSearch Dashboards",
        }, { parent: this });

        if (config.canary.enabled) {
            this.canaryTaskRole = new aws.iam.Role(`${name}-canary-task`, {
                assumeRolePolicy: ecsTasksAssumeRolePolicy,
                description: "dle canary: read the archive bucket and the search domain, publish its CloudWatch metrics",
            }, { parent: this });
        }

        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            securityGroups: this.securityGroups,
            cluster: this.cluster,
            region: this.region,
            logRetentionDays: this.logRetentionDays,
            fluentdImage: this.fluentdImage,
            fluentdRepositoryArn: this.fluentdRepositoryArn,
            forwarderTaskRole: this.forwarderTaskRole,
            dashboardsImporterRole: this.dashboardsImporterRole,
            canaryTaskRole: this.canaryTaskRole,
        });
    }
}
