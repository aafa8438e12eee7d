/**
 * fargateService's checks of its EFS volumes, before it makes anything: they are mounted as the task role, so a
 * service with volumes needs one, and a container may mount only a volume the service has; and the paths a container
 * writes beside its read-only root filesystem.
 */
import * as pulumi from "@pulumi/pulumi";
import { AwsPlatform } from "../../components/platform/aws";
import { FargateServiceArgs, fargateService, scratchVolumeName } from "../../components/platform/aws-service";

const volume = { name: "buffers", fileSystemId: "fs-1", accessPointId: "fsap-1", mountTargets: [], accessPolicies: [] };
const args = (overrides: Partial<FargateServiceArgs>): FargateServiceArgs => ({
    platform: {} as AwsPlatform, cpu: 256, memoryMb: 512, securityGroupId: "sg-1", desiredCount: 1, repositoryArns: [],
    containers: [{ name: "app", image: "app:1", healthcheck: ["true"], mountPoints: [{ sourceVolume: "buffers", containerPath: "/data" }] }],
    ...overrides,
});
// Never reached: both checks come first.
const parent = undefined as unknown as pulumi.Resource;

describe("fargateService's EFS volumes", () => {
    it("need a task role, which mounts them", () => {
        expect(() => fargateService("svc", args({ efsVolumes: [volume] }), parent))
            .toThrow("The Fargate service `svc` mounts EFS volumes as its task role: `efsVolumes` need a `taskRole`.");
    });

    it("must include every volume a container mounts", () => {
        expect(() => fargateService("svc", args({}), parent))
            .toThrow("The Fargate service `svc` mounts buffers, which no entry of `efsVolumes` names.");
    });
});

describe("fargateService's writable paths (FSBP ECS.5)", () => {
    const volumes = [volume];
    it("refuse a relative path, and one that is already a mount point", () => {
        const containers = [{ name: "app", image: "app:1", healthcheck: ["true"], mountPoints: [{ sourceVolume: "buffers", containerPath: "/data" }], writablePaths: ["tmp", "/data"] }];
        expect(() => fargateService("svc", args({ efsVolumes: volumes, taskRole: {} as FargateServiceArgs["taskRole"], containers }), parent))
            .toThrow("The Fargate service `svc`'s container app lists tmp, /data in `writablePaths`: each must be absolute and not already a mount point.");
    });

    it("name each bind mount after its container and path, as ECS takes volume names", () => {
        expect(scratchVolumeName("log-router", "/fluentd/etc/tls")).toBe("log-router-fluentd-etc-tls");
        expect(scratchVolumeName("cloudwatch-agent", "/opt/aws/amazon-cloudwatch-agent/var")).toMatch(/^[A-Za-z0-9_-]{1,255}$/);
    });
});
