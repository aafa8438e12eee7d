/**
 * The canary on the aws stack, under Pulumi's mock runtime: a Fargate service whose task has the agent's FireLens log
 * router (the webapp's way of logging), a set-up container that grants the canary's DocumentDB user, and the canary;
 * its own read-only access to every sink; its figures to CloudWatch.
 */
import * as fs from "fs";
import * as path from "path";
import { canaryDir } from "../../components/canary";
import { canaryCloudwatchNamespace, canaryCommand, canaryReaderName } from "../../components/canary/args";
import { storeReaderContainerName } from "../../components/canary/aws";
import { canaryVariables as v, storeAdminConnectionStringVariable } from "../../components/canary/service/settings";
import { defaults } from "../../components/config";
import { fluentdContainer } from "../../components/fluentd-env";
import { FargateServiceArgs, fargateService } from "../../components/platform/aws-service";
import { AwsPlatform } from "../../components/platform/aws";
import { taskDefinitionsRegistered } from "../support/aws-tasks";
import { RecordedResource, generatedSecretMarker, installMocks, isSecretValue, mockAccount, mockRegion, mockRepoDigest, programLoadTimeoutMs, registered, runProgram, unwrapSecrets } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws", canaryWaitSeconds: "90" });
let program: Record<string, unknown>;

beforeAll(async () => {
    program = await runProgram();
    await taskDefinitionsRegistered(resources);
}, programLoadTimeoutMs);

const { one } = registered(resources);
interface ContainerDefinition {
    name: string;
    image: string;
    command?: string[];
    essential: boolean;
    environment: { name: string; value: string }[];
    secrets: { name: string; valueFrom: string }[];
    healthCheck?: { command: string[] };
    logConfiguration: { logDriver: string; options: Record<string, string> };
    dependsOn?: { containerName: string; condition: string }[];
}
const containers = (): ContainerDefinition[] => JSON.parse(unwrapSecrets(one("aws:ecs/taskDefinition:TaskDefinition", "dle-canary").inputs.containerDefinitions) as string);
const container = (name: string) => containers().find((c) => c.name === name)!;
const env = (c: ContainerDefinition) => Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:111111111111:${name}`;

describe("the canary (aws)", () => {
    it("runs one task with the agent's log router, its set-up step and the canary, in the private subnets behind its own group", () => {
        expect(containers().map((c) => c.name)).toEqual(["log-router", storeReaderContainerName, "canary"]);
        expect(JSON.stringify(container("log-router"))).toBe(JSON.stringify(JSON.parse(unwrapSecrets(one("aws:ecs/taskDefinition:TaskDefinition", "dle-webapp").inputs.containerDefinitions) as string)
            .find((c: { name: string }) => c.name === "log-router")));
        const service = one("aws:ecs/service:Service", "dle-canary").inputs;
        expect(service.desiredCount).toBe(1);
        expect(service.networkConfiguration).toEqual(expect.objectContaining({ subnets: ["dle-private-a-id", "dle-private-b-id"], securityGroups: ["dle-canary-id"], assignPublicIp: false }));
    });

    it("logs through FireLens to the log router, as the webapp does, once the router is healthy and its store user exists", () => {
        const canary = container("canary");
        expect(canary.logConfiguration.logDriver).toBe("awsfirelens");
        expect(canary.dependsOn).toEqual([
            { containerName: "log-router", condition: "HEALTHY" },
            { containerName: storeReaderContainerName, condition: "SUCCESS" },
        ]);
        expect(canary.command).toEqual(canaryCommand);
        expect(canary.healthCheck!.command[0]).toBe("CMD");
    });

    it("grants its DocumentDB user in a set-up step that alone gets the master connection string, and runs to completion", () => {
        const grant = container(storeReaderContainerName);
        expect(grant.essential).toBe(false);
        expect(grant.healthCheck).toBeUndefined();
        expect(grant.command!.at(-1)).toBe("grant-store-reader.ts");
        expect(grant.secrets).toEqual([
            { name: storeAdminConnectionStringVariable, valueFrom: arn("dle-log-store-connection-string") },
            { name: v.storeConnectionString, valueFrom: arn("dle-canary-store-reader") },
        ]);
        // The canary's own container: the reader's connection string only.
        expect(container("canary").secrets).toEqual([{ name: v.storeConnectionString, valueFrom: arn("dle-canary-store-reader") }]);
    });

    it("keeps the reader's connection string in Secrets Manager: its own user and password, the master's host and TLS", () => {
        const reader = one("aws:secretsmanager/secretVersion:SecretVersion", "dle-canary-store-reader").inputs.secretString;
        const master = unwrapSecrets(one("aws:secretsmanager/secretVersion:SecretVersion", "dle-log-store-connection-string").inputs.secretString) as string;
        expect(isSecretValue(reader)).toBe(true);
        const uri = unwrapSecrets(reader) as string;
        expect(uri).toBe(master.replace(`dle:${generatedSecretMarker}dle-log-store-master-password@`, `${canaryReaderName}:${generatedSecretMarker}dle-canary-store-reader-password@`));
        expect(uri).not.toBe(master);
    });

    it("reads the search index signed with its task role, S3 with its task role, and publishes to its CloudWatch namespace", () => {
        expect(env(container("canary"))).toEqual(expect.objectContaining({
            [v.waitSeconds]: "90",
            [v.searchUrl]: "https://vpc-dle-log-search.us-east-1.es.amazonaws.com:443",
            [v.searchAuth]: "aws-sigv4",
            [v.searchRegion]: "us-east-1",
            [v.archiveBucket]: "applogs-mock",
            [v.archiveRegion]: "us-east-1",
            [v.cloudwatchNamespace]: canaryCloudwatchNamespace,
            // The stack's name: its figures' Stack dimension, apart from other stacks' in the account.
            [v.cloudwatchStack]: "test",
        }));
        expect(env(container("canary"))[v.archiveEndpoint]).toBeUndefined();
        expect(one("aws:ecs/taskDefinition:TaskDefinition", "dle-canary").inputs.taskRoleArn).toBe("arn:aws:iam:us-east-1:111111111111:dle-canary-task");
    });

    it("lets its task role list and get the archive's log objects and put its own metrics, nothing else", () => {
        const policy = JSON.parse(unwrapSecrets(one("aws:iam/rolePolicy:RolePolicy", "dle-canary-task").inputs.policy) as string);
        expect(policy.Statement).toEqual([
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: "arn:aws:s3:::applogs-mock", Condition: { StringLike: { "s3:prefix": ["logs/*"] } } },
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::applogs-mock/logs/*" },
            { Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": canaryCloudwatchNamespace } } },
        ]);
    });

    it("is built from the canary's aws stage, which puts the RDS CA bundle where the store's connection string names it", () => {
        const image = one("docker:index/image:Image", "dle-canary").inputs.build as { context: string; target: string; args: Record<string, string> };
        expect(path.resolve(image.context)).toBe(canaryDir);
        expect(image.target).toBe("aws");
        expect(image.args).toEqual({ NODE_IMAGE: defaults.nodeImage, RDS_CA_BUNDLE_SHA256: defaults.rdsCaBundleSha256 });
        const dockerfile = fs.readFileSync(path.join(canaryDir, "Dockerfile"), "utf8");
        expect(dockerfile.slice(dockerfile.indexOf("FROM local AS aws"))).toContain(` ${fluentdContainer.rdsCaBundle}`);
        expect(container("canary").image).toBe(mockRepoDigest("dle-canary", `${mockAccount}.dkr.ecr.${mockRegion}.amazonaws.com/dle-canary`));
    });

    it("exports its CloudWatch namespace, its Stack dimension and its wait, for npm run verify", () => {
        expect(program.canaryNamespace).toBe(canaryCloudwatchNamespace);
        expect(program.canaryStack).toBe("test");
        expect(program.canaryWaitSeconds).toBe(90);
    });
});

describe("fargateService's health checks", () => {
    const args = (containers: FargateServiceArgs["containers"]): FargateServiceArgs => ({
        platform: {} as AwsPlatform, cpu: 256, memoryMb: 512, securityGroupId: "sg-1", desiredCount: 1, repositoryArns: [], containers,
    });

    it("refuses a container without one unless it is a set-up step that another container waits for", () => {
        expect(() => fargateService("svc", args([{ name: "setup", image: "x:1" }, { name: "app", image: "x:1", healthcheck: ["true"] }]), undefined as never))
            .toThrow("The Fargate service `svc` runs setup without a `healthcheck`: only a set-up step (another container's `dependsOnComplete`) may have none.");
    });
});
