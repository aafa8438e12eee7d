/**
 * How every task of the aws stack runs: a Fargate service in the private subnets with no public IP, its own
 * log group (with the stack's retention), an execution role that may pull only its images, write only its
 * log group and read only its secrets, a health check on every container, EFS volumes only over TLS and
 * through an access point, as the task role, and every container's root filesystem read-only (FSBP ECS.5), with
 * the paths it writes as bind mounts of the task's ephemeral storage.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { FargateContainer } from "../fargate-container";
import { ecsTasksAssumeRolePolicy } from "./aws-iam";
import { stackLogGroupName, stackScoped } from "../stack-names";
import { AwsPlatform } from "./aws";

/**
 * A Secrets Manager secret holding `value`, for a container's `secrets` entry: ECS reads it at task start, so
 * the value never appears in a task definition. Returns its ARN once the value is stored, so that no task
 * starts before its secret has a value.
 */
export function ecsSecret(name: string, description: string, value: pulumi.Output<string>, parent: pulumi.Resource): pulumi.Output<string> {
    const secret = new aws.secretsmanager.Secret(name, {
        description,
        // `pulumi destroy` then `pulumi up` must be able to create it again at once.
        recoveryWindowInDays: 0,
    }, { parent });
    const version = new aws.secretsmanager.SecretVersion(name, { secretId: secret.id, secretString: pulumi.secret(value) }, { parent });
    return pulumi.all([secret.arn, version.id]).apply(([arn]) => arn);
}

/**
 * An EFS volume of a task, mounted through its access point (which sets the directory and the POSIX user) over TLS,
 * authorized as the task role: the file system's policy can then name who may mount it, and nothing crosses the VPC
 * in the clear.
 */
export interface FargateEfsVolume {
    name: string;
    fileSystemId: pulumi.Input<string>;
    accessPointId: pulumi.Input<string>;
    /** The file system's mount targets: the service waits for them, or its first tasks find none in their AZ. */
    mountTargets: pulumi.Resource[];
    /**
     * The file system's policy and the task role's policy that let the task mount it: the service waits for them, or
     * its first tasks are refused the mount while IAM catches up.
     */
    accessPolicies: pulumi.Resource[];
}

export interface FargateServiceArgs {
    platform: AwsPlatform;
    cpu: number;
    memoryMb: number;
    /** GiB of ephemeral storage (Fargate's default, 20, when undefined). */
    ephemeralStorageGb?: number;
    containers: FargateContainer[];
    securityGroupId: pulumi.Input<string>;
    desiredCount: number;
    /** The ECR repositories the images come from: the execution role may pull from these only. */
    repositoryArns: pulumi.Input<string>[];
    /** The role the containers' own AWS calls run as; none when they make none. */
    taskRole?: aws.iam.Role;
    /** The task role's policies the containers' calls need from the first task on (the sinks', say): the service waits for them. */
    taskRolePolicies?: pulumi.Resource[];
    loadBalancer?: { targetGroupArn: pulumi.Input<string>; containerName: string; containerPort: number };
    /** A Cloud Map service the tasks register in (a private DNS name). */
    serviceRegistryArn?: pulumi.Input<string>;
    /** EFS volumes the containers' `mountPoints` name; they need a `taskRole`, which mounts them. */
    efsVolumes?: FargateEfsVolume[];
    /** How many tasks may run during a deployment, in % of `desiredCount`; ECS's 100 and 200 when undefined. */
    deployment?: { minimumHealthyPercent: number; maximumPercent: number };
}

/** The task's bind-mount volume of a path a container writes: `<container>-<path's words>` (ECS takes letters, digits, - and _). */
export function scratchVolumeName(container: string, containerPath: string): string {
    return `${container}-${containerPath.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
}

export interface FargateService {
    service: aws.ecs.Service;
    taskDefinition: aws.ecs.TaskDefinition;
    logGroup: aws.cloudwatch.LogGroup;
}

export function fargateService(name: string, args: FargateServiceArgs, parent: pulumi.Resource): FargateService {
    const setUpSteps = new Set(args.containers.flatMap((c) => c.dependsOnComplete ?? []));
    const unchecked = args.containers.filter((c) => c.healthcheck === undefined && !setUpSteps.has(c.name)).map((c) => c.name);
    if (unchecked.length > 0) {
        throw new Error(`The Fargate service \`${name}\` runs ${unchecked.join(", ")} without a \`healthcheck\`: only a set-up step (another container's \`dependsOnComplete\`) may have none.`);
    }
    const efsVolumes = args.efsVolumes ?? [];
    if (efsVolumes.length > 0 && args.taskRole === undefined) {
        throw new Error(`The Fargate service \`${name}\` mounts EFS volumes as its task role: \`efsVolumes\` need a \`taskRole\`.`);
    }
    const unknownVolumes = args.containers.flatMap((c) => c.mountPoints ?? []).map((m) => m.sourceVolume)
        .filter((volume) => !efsVolumes.some((v) => v.name === volume));
    if (unknownVolumes.length > 0) {
        throw new Error(`The Fargate service \`${name}\` mounts ${unknownVolumes.join(", ")}, which no entry of \`efsVolumes\` names.`);
    }
    for (const c of args.containers) {
        const mounted = new Set((c.mountPoints ?? []).map((m) => m.containerPath));
        const bad = (c.writablePaths ?? []).filter((p) => !p.startsWith("/") || mounted.has(p));
        if (bad.length > 0) {
            throw new Error(`The Fargate service \`${name}\`'s container ${c.name} lists ${bad.join(", ")} in \`writablePaths\`: each must be absolute and not already a mount point.`);
        }
    }
    // One bind mount per path a container writes (FSBP ECS.5: the rest of its root filesystem is read-only).
    const scratchMounts = (c: FargateContainer) => (c.writablePaths ?? []).map((containerPath) => ({ sourceVolume: scratchVolumeName(c.name, containerPath), containerPath }));
    const scratchVolumes = args.containers.flatMap(scratchMounts).map((m) => ({ name: m.sourceVolume }));
    const opts = { parent };
    const { platform } = args;
    const logGroup = new aws.cloudwatch.LogGroup(name, {
        name: stackLogGroupName(name),
        retentionInDays: platform.logRetentionDays,
    }, opts);

    const logGroupArns = [logGroup, ...args.containers.flatMap((c) => c.logGroup ? [c.logGroup] : [])]
        .map((group) => pulumi.interpolate`${group.arn}:log-stream:*`);
    // Exactly the secrets the containers' `secrets` entries read, so the two cannot drift apart.
    const secretArns = pulumi.all(args.containers.map((c) => c.environment?.secrets ?? []))
        .apply((entries) => [...new Set(entries.flat().map((entry) => entry.valueFrom))]);
    const executionRole = new aws.iam.Role(`${name}-execution`, { assumeRolePolicy: ecsTasksAssumeRolePolicy }, opts);
    const executionPolicy = new aws.iam.RolePolicy(`${name}-execution`, {
        role: executionRole.id,
        policy: pulumi.all([args.repositoryArns, logGroupArns, secretArns]).apply(([repositoryArns, logStreamArns, readableSecrets]) => JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                // AWS requires Resource "*" here: the token is for the registry, not for a repository.
                { Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
                { Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], Resource: repositoryArns },
                // The log streams of this service's groups only.
                { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: logStreamArns },
                ...(readableSecrets.length ? [{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: readableSecrets }] : []),
            ],
        })),
    }, opts);

    const region = platform.region;
    const containerDefinitions = pulumi.all(args.containers.map((c) => pulumi.all([
        c.image,
        c.environment?.environment ?? [],
        c.environment?.secrets ?? [],
        region,
        (c.logGroup ?? logGroup).name,
    ]).apply(([image, environment, secrets, awsRegion, group]) => ({
        name: c.name,
        image,
        essential: c.essential ?? true,
        environment,
        secrets,
        portMappings: c.portMappings ?? [],
        ...(c.healthcheck ? { healthCheck: { command: ["CMD", ...c.healthcheck], interval: 10, timeout: 5, retries: 5, startPeriod: c.startPeriodSeconds ?? 10 } } : {}),
        ...(c.command ? { command: c.command } : {}),
        logConfiguration: c.logConfiguration ?? {
            logDriver: "awslogs",
            options: { "awslogs-group": group, "awslogs-region": awsRegion, "awslogs-stream-prefix": c.name },
        },
        ...(c.firelensConfiguration ? { firelensConfiguration: c.firelensConfiguration } : {}),
        ...(c.dependsOnHealthy || c.dependsOnComplete ? {
            dependsOn: [
                ...(c.dependsOnHealthy ?? []).map((containerName) => ({ containerName, condition: "HEALTHY" })),
                ...(c.dependsOnComplete ?? []).map((containerName) => ({ containerName, condition: "SUCCESS" })),
            ],
        } : {}),
        ...(c.user ? { user: c.user } : {}),
        ...(c.stopTimeoutSeconds ? { stopTimeout: c.stopTimeoutSeconds } : {}),
        readonlyRootFilesystem: true,
        ...(c.mountPoints || c.writablePaths ? { mountPoints: [...(c.mountPoints ?? []), ...scratchMounts(c)] } : {}),
    }))));

    const taskDefinition = new aws.ecs.TaskDefinition(name, {
        // Task families are the account's: another stack's tasks would become revisions of this one's.
        family: stackScoped(name),
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(args.cpu),
        memory: String(args.memoryMb),
        ephemeralStorage: args.ephemeralStorageGb === undefined ? undefined : { sizeInGib: args.ephemeralStorageGb },
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        executionRoleArn: executionRole.arn,
        taskRoleArn: args.taskRole?.arn,
        containerDefinitions: pulumi.jsonStringify(containerDefinitions),
        volumes: efsVolumes.length + scratchVolumes.length > 0 ? [
            ...efsVolumes.map((v) => ({
                name: v.name,
                efsVolumeConfiguration: {
                    fileSystemId: v.fileSystemId,
                    transitEncryption: "ENABLED",
                    authorizationConfig: { accessPointId: v.accessPointId, iam: "ENABLED" },
                },
            })),
            // No configuration: a bind mount of the task's ephemeral storage, gone with the task.
            ...scratchVolumes,
        ] : undefined,
    }, opts);

    // Auto-named (`<name>-<suffix>`): unique in the cluster, and a replacement can start beside the old service.
    const service = new aws.ecs.Service(name, {
        cluster: platform.cluster.arn,
        taskDefinition: taskDefinition.arn,
        launchType: "FARGATE",
        // 1.4.0 is the version FireLens on Fargate, ephemeral storage sizing and EFS volumes are documented for.
        platformVersion: "1.4.0",
        desiredCount: args.desiredCount,
        deploymentMinimumHealthyPercent: args.deployment?.minimumHealthyPercent,
        deploymentMaximumPercent: args.deployment?.maximumPercent,
        networkConfiguration: {
            subnets: platform.privateSubnetIds,
            securityGroups: [args.securityGroupId],
            assignPublicIp: false,
        },
        loadBalancers: args.loadBalancer ? [args.loadBalancer] : undefined,
        healthCheckGracePeriodSeconds: args.loadBalancer ? 60 : undefined,
        serviceRegistries: args.serviceRegistryArn ? { registryArn: args.serviceRegistryArn } : undefined,
        // A deploy whose tasks never get healthy is rolled back instead of retried forever.
        deploymentCircuitBreaker: { enable: true, rollback: true },
        // `pulumi up` returns once the tasks are running and healthy, as the local stack's containers do.
        waitForSteadyState: true,
    }, {
        parent,
        // Everything the first tasks need in place: a task that starts before its permissions have reached IAM fails to
        // pull its image, read its secrets, mount its volume or reach its sinks, and counts against the circuit breaker.
        dependsOn: [
            executionPolicy,
            ...(args.taskRolePolicies ?? []),
            ...args.containers.flatMap((c) => c.requires ?? []),
            ...efsVolumes.flatMap((v) => [...v.mountTargets, ...v.accessPolicies]),
        ],
    });
    return { service, taskDefinition, logGroup };
}
