/**
 * The API constraints (components/constraints.ts) themselves: each accepts what AWS or Docker documents and refuses
 * the values that the mocks would take and the real API would not.
 */
import { cloudMapHealthCheckCustomConfig, ecsEnvironmentValue, s3BucketKey, s3BucketPrefix, securityGroupDescription } from "../../components/constraints";

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
