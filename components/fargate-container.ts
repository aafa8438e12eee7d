/**
 * One container of an aws task, as the parts hand it to each other (the agent's and the api's sidecars join the
 * webapp's task through their endpoints) and as components/platform/aws-service.ts runs it. It sits below both, so
 * that endpoints.ts, which every part imports, depends on no target's platform module.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** An ECS container's `environment` and `secrets` entries. */
export interface EcsEnvironment {
    environment: pulumi.Output<{ name: string; value: string }[]>;
    secrets: pulumi.Output<{ name: string; valueFrom: string }[]>;
}

/** One container of a task. */
export interface FargateContainer {
    name: string;
    image: pulumi.Input<string>;
    /** Its variables; the Secrets Manager secrets its `secrets` entries name are the ones the execution role may read. */
    environment?: EcsEnvironment;
    /**
     * The health check command (exec form, without the leading "CMD"). Every container that keeps running has one; one
     * that runs to completion before others start (their `dependsOnComplete`) has none.
     */
    healthcheck?: string[];
    /** The command, when not the image's (exec form). */
    command?: string[];
    /** Seconds the container may take to become healthy before failures count. */
    startPeriodSeconds?: number;
    portMappings?: { containerPort: number; protocol: "tcp" | "udp" }[];
    /** Where its stdout and stderr go; CloudWatch Logs unless given. */
    logConfiguration?: { logDriver: string; options: Record<string, string> };
    /** The CloudWatch log group of its own logs, when not the service's. */
    logGroup?: aws.cloudwatch.LogGroup;
    firelensConfiguration?: { type: "fluentd"; options: Record<string, string> };
    /** Containers that must be healthy before this one starts. */
    dependsOnHealthy?: string[];
    /** Containers that must have run and exited with 0 before this one starts (a set-up step). */
    dependsOnComplete?: string[];
    user?: string;
    /** Seconds between SIGTERM and SIGKILL when the task stops (ECS's default is 30, its maximum 120). */
    stopTimeoutSeconds?: number;
    /** Whether the task stops when this container stops (default true); false for a sidecar the task can do without. */
    essential?: boolean;
    /** Where the task's volumes appear in this container (by the volume's name). */
    mountPoints?: { sourceVolume: string; containerPath: string }[];
    /**
     * Every other path it writes (its root filesystem is read-only, FSBP ECS.5): each becomes a bind mount of the task's
     * ephemeral storage, empty at start (root's, mode 0755) unless the image declares the path a VOLUME, whose content
     * and ownership Fargate then copies in. None when undefined.
     */
    writablePaths?: string[];
    /**
     * What its own AWS calls need in place before the first task starts (the task role's policy for them): the service
     * waits for it, so that no first task fails on a permission that has not reached IAM yet.
     */
    requires?: pulumi.Resource[];
}
