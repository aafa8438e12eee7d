/**
 * The API constraints (components/constraints.ts) themselves: each accepts what AWS or Docker documents and refuses
 * the values that the mocks would take and the real API would not.
 */
import { defaults } from "../../components/config";
import {
    cloudMapHealthCheckCustomConfig, cloudWatchAlarmDimensions, dnsLabel, dockerDuration, ecsEnvironmentValue, ecsHealthCheck, fargateEphemeralStorage, fargateMemoryInWords, fargateStopTimeout,
    fargateTaskSize, imageTag, ipv4FromNumber, pinnedImage, ipv4Number, openSearchVpcSubnets, s3BucketKey, s3BucketName, s3BucketPrefix, securityGroupDescription,
    vpcCidrBlock,
} from "../../components/constraints";

describe("securityGroupDescription", () => {
    it("accepts EC2's characters, up to 255 of them", () => {
        expect(["", "DocumentDB, TLS", "a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*", "x".repeat(255)].filter((d) => !securityGroupDescription.test(d))).toEqual([]);
    });

    it("refuses an apostrophe, other punctuation EC2 does not list, and 256 characters", () => {
        expect(["the agent's forward protocol", "a \"quoted\" word", "50% off", "é", "x".repeat(256)].filter((d) => securityGroupDescription.test(d))).toEqual([]);
    });
});

describe("cloudMapHealthCheckCustomConfig", () => {
    it("accepts no custom health check, or failureThreshold 1", () => {
        expect([undefined, { failureThreshold: 1 }].filter((c) => !cloudMapHealthCheckCustomConfig.test(c))).toEqual([]);
    });

    it("refuses an empty block, which the provider never sends, and another threshold", () => {
        expect([{}, { failureThreshold: 2 }].filter((c) => cloudMapHealthCheckCustomConfig.test(c))).toEqual([]);
    });
});

describe("ecsEnvironmentValue", () => {
    it("refuses an empty value, which ECS drops, and accepts any other", () => {
        expect([ecsEnvironmentValue.test(""), ecsEnvironmentValue.test("logs/"), ecsEnvironmentValue.test(" ")]).toEqual([false, true, true]);
    });
});

describe("s3BucketPrefix", () => {
    it("accepts up to 37 characters and refuses 38", () => {
        expect([s3BucketPrefix.test(`${"a".repeat(36)}-`), s3BucketPrefix.test(`${"a".repeat(37)}-`)]).toEqual([true, false]);
    });

    it("refuses the start of a name S3 refuses", () => {
        expect(["Applogs-", "xn--logs-", "a..b-", "-applogs"].filter((p) => s3BucketPrefix.test(p))).toEqual([]);
    });
});

describe("s3BucketName", () => {
    it("accepts S3's names", () => {
        expect(["applogs", "a.b-c", "abc", "a".repeat(63)].filter((n) => !s3BucketName.test(n))).toEqual([]);
    });

    it("refuses capitals, underscores, a leading or trailing dash, \"..\", an IP address, reserved prefixes and suffixes, and lengths S3 refuses", () => {
        const refused = ["App", "a_b", "-ab", "ab-", "a..b", "192.168.1.1", "xn--ab", "sthree-ab", "amzn-s3-demo-ab", "ab-s3alias", "ab--ol-s3", "ab.mrap", "ab--x-s3", "ab--table-s3", "ab", "a".repeat(64)];
        expect(refused.filter((n) => s3BucketName.test(n))).toEqual([]);
    });
});

describe("fargateTaskSize", () => {
    it("accepts the sizes Fargate offers, the 8 and 16 vCPU ones included", () => {
        const sizes = [[256, 512], [256, 2048], [512, 1024], [1024, 8192], [2048, 16384], [4096, 30720], [8192, 16384], [8192, 61440], [16384, 122880]];
        expect(sizes.filter(([cpu, memoryMb]) => !fargateTaskSize.test({ cpu, memoryMb }))).toEqual([]);
    });

    it("refuses memory between steps or outside the range, and CPU units Fargate does not have", () => {
        const sizes = [[256, 1536], [512, 1536], [512, 5120], [8192, 18432], [16384, 36864], [300, 1024]];
        expect(sizes.filter(([cpu, memoryMb]) => fargateTaskSize.test({ cpu, memoryMb }))).toEqual([]);
    });

    it("says in words what memory a size allows", () => {
        expect([fargateMemoryInWords(256), fargateMemoryInWords(512), fargateMemoryInWords(16384)]).toEqual(["512, 1024 or 2048", "1024 to 4096 in steps of 1024", "32768 to 122880 in steps of 8192"]);
    });
});

describe("ECS container limits", () => {
    it("takes the health checks ECS takes, and refuses those outside its ranges", () => {
        expect([{ interval: 10, timeout: 5, retries: 5, startPeriod: 150 }, {}].filter((c) => !ecsHealthCheck.test(c))).toEqual([]);
        expect([{ interval: 4 }, { timeout: 1 }, { retries: 11 }, { startPeriod: 301 }].filter((c) => ecsHealthCheck.test(c))).toEqual([]);
    });

    it("takes a stop timeout up to 120 s on Fargate, and 21 to 200 GiB of ephemeral storage", () => {
        expect([fargateStopTimeout.test(120), fargateStopTimeout.test(121)]).toEqual([true, false]);
        expect([20, 21, 200, 201].map((gib) => fargateEphemeralStorage.test(gib))).toEqual([false, true, true, false]);
    });
});

describe("vpcCidrBlock", () => {
    it("accepts an aligned block from /16 to /28", () => {
        expect(["10.40.0.0/16", "10.40.0.0/24", "192.168.7.16/28"].filter((c) => !vpcCidrBlock.test(c))).toEqual([]);
    });

    it("refuses host bits, sizes EC2 refuses, and what is not a block", () => {
        expect(["10.40.0.1/16", "10.40.1.0/16", "10.0.0.0/8", "10.0.0.0/29", "10.0.0.0", "10.0.0.256/24", "10.0.0.0/16/1"].filter((c) => vpcCidrBlock.test(c))).toEqual([]);
    });

    it("converts addresses to numbers and back", () => {
        expect(ipv4FromNumber(ipv4Number("10.40.192.0"))).toBe("10.40.192.0");
    });
});

describe("openSearchVpcSubnets", () => {
    it("wants one distinct subnet per zone", () => {
        expect(openSearchVpcSubnets.test({ subnetIds: ["subnet-a", "subnet-b"], availabilityZoneCount: 2 })).toBe(true);
        expect(openSearchVpcSubnets.test({ subnetIds: ["subnet-a", "subnet-b", "subnet-c"], availabilityZoneCount: 2 })).toBe(false);
        expect(openSearchVpcSubnets.test({ subnetIds: ["subnet-a", "subnet-a"], availabilityZoneCount: 2 })).toBe(false);
    });
});

describe("s3BucketKey", () => {
    it("allows a bucket key with SSE-KMS and DSSE-KMS, and no bucket key with anything", () => {
        const allowed = [{ sseAlgorithm: "aws:kms", bucketKeyEnabled: true }, { sseAlgorithm: "aws:kms:dsse", bucketKeyEnabled: true }, { sseAlgorithm: "AES256" }, { sseAlgorithm: "AES256", bucketKeyEnabled: false }];
        expect(allowed.filter((rule) => !s3BucketKey.test(rule))).toEqual([]);
    });

    it("refuses a bucket key with SSE-S3", () => {
        expect(s3BucketKey.test({ sseAlgorithm: "AES256", bucketKeyEnabled: true })).toBe(false);
    });
});

describe("pinnedImage", () => {
    it("accepts every default image, a digest, and a reference by digest", () => {
        const images = [...Object.entries(defaults).filter(([key]) => key.endsWith("Image")).map(([, image]) => image),
            `sha256:${"a".repeat(64)}`, `123.dkr.ecr.us-east-1.amazonaws.com/dle-fluentd@sha256:${"b".repeat(64)}`, "registry:5000/team/app:1.2"];
        expect(images.filter((image) => !pinnedImage.test(image))).toEqual([]);
    });

    it("refuses no tag, floating tags, a malformed tag and capitals in the repository", () => {
        expect(["nginx", "nginx:latest", "fluent/fluentd:stable", "nginx:mainline", "mongo:7.0 .14", "Nginx:1.30.4", "nginx:"].filter((image) => pinnedImage.test(image))).toEqual([]);
    });

    it("finds the tag after the last colon that follows the last slash", () => {
        expect([imageTag("registry:5000/app:1.2"), imageTag("registry:5000/app"), imageTag("kibana:8.19.20")]).toEqual(["1.2", undefined, "8.19.20"]);
    });
});

describe("dockerDuration", () => {
    it("accepts whole seconds as Go prints them", () => {
        expect(["0s", "5s", "59s", "1m0s", "1m30s", "59m59s", "1h0m0s", "2h5m3s"].filter((d) => !dockerDuration.test(d))).toEqual([]);
    });

    it("refuses the forms Docker reads back otherwise", () => {
        expect(["60s", "90s", "05s", "1m", "60m0s", "1h", "1h5s", "0m5s", "1m60s"].filter((d) => dockerDuration.test(d))).toEqual([]);
    });
});

describe("dnsLabel", () => {
    it("keeps a DNS label, lowercases, turns other characters into hyphens and keeps 63", () => {
        expect([dnsLabel("aws-eu-2"), dnsLabel("Prod_EU.v2"), dnsLabel("s".repeat(80)).length]).toEqual(["aws-eu-2", "prod-eu-v2", 63]);
    });
});

describe("cloudWatchAlarmDimensions", () => {
    it("takes the canary's dimensions, and refuses what CloudWatch refuses", () => {
        expect(cloudWatchAlarmDimensions.test({ Stack: "prod-eu", Sink: "archive" })).toBe(true);
        expect(cloudWatchAlarmDimensions.test({ Stack: "x".repeat(255) })).toBe(true);
        expect(cloudWatchAlarmDimensions.test({ Stack: "x".repeat(256) })).toBe(false);
        expect(cloudWatchAlarmDimensions.test({ Stack: "" })).toBe(false);
        expect(cloudWatchAlarmDimensions.test({ Stack: "  " })).toBe(false);
        expect(cloudWatchAlarmDimensions.test({ Stack: "pröd" })).toBe(false);
        expect(cloudWatchAlarmDimensions.test({ ":Stack": "prod" })).toBe(false);
        expect(cloudWatchAlarmDimensions.test(Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`d${i}`, "v"])))).toBe(false);
    });
});
