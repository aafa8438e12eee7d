/**
 * IAM documents the aws platform and the parts share. A module of its own, below both components/platform/aws.ts and
 * aws-service.ts, so that neither imports the other for it.
 */

/** Lets ECS tasks assume a role (task roles and execution roles alike). */
export const ecsTasksAssumeRolePolicy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
});
