/**
 * What AWS and Docker accept, where Pulumi's mocks accept anything: each constraint that a value of this program
 * must meet before it reaches an AWS or Docker API, as a pure function, with what it expects in words and where the
 * constraint is documented. The stack config's schema (components/config.ts) and the policy pack (policy/) both import
 * these, so that each rule has one copy.
 */

/** One constraint on a value: a test, what it expects (in words, for an error message) and where it is documented. */
export interface Constraint<T> {
    /** What a value must be, completing "expected …". */
    readonly expected: string;
    /** Where AWS, Docker or the provider documents it. */
    readonly source: string;
    test(value: T): boolean;
}

/**
 * The description of an EC2 security group in a VPC, and of each of its rules: at most 255 characters of
 * `a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*` (no apostrophe). The provider does not check it at plan time, so a preview passes
 * and the update fails.
 */
export const securityGroupDescription: Constraint<string> = {
    expected: "at most 255 characters of a-z, A-Z, 0-9, space and ._-:/()#,@[]+=&;{}!$*",
    source: "EC2 API reference, CreateSecurityGroup GroupDescription and IpRange.Description; hashicorp/terraform-provider-aws#18874",
    test: (text) => /^[A-Za-z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/.test(text),
};

/**
 * A Cloud Map service's custom health check threshold: AWS always stores 1. Without it the provider sends no
 * `HealthCheckCustomConfig`, reads back `failure_threshold = 1`, and every later preview shows a forced replacement,
 * which then fails on the service's own name.
 */
export const cloudMapCustomHealthCheckFailureThreshold = 1;

export const cloudMapHealthCheckCustomConfig: Constraint<{ failureThreshold?: number } | undefined> = {
    expected: `no custom health check, or one with failureThreshold ${cloudMapCustomHealthCheckFailureThreshold}`,
    source: "AWS Cloud Map API reference, HealthCheckCustomConfig; hashicorp/terraform-provider-aws#44285",
    test: (config) => config === undefined || config.failureThreshold === cloudMapCustomHealthCheckFailureThreshold,
};

/**
 * An ECS container's environment value: ECS drops a variable whose value is empty, so the container never sees it
 * and the task definition shows a difference on every preview.
 */
export const ecsEnvironmentValue: Constraint<string> = {
    expected: "a value that is not empty (ECS drops a variable whose value is empty)",
    source: "pulumi/pulumi-aws#4576",
    test: (value) => value !== "",
};

/** The most characters `bucketPrefix` may have: S3's 63, less the 26 of the unique suffix the provider appends. */
export const s3BucketPrefixMaxLength = 37;

/** An S3 bucket's `bucketPrefix`. */
export const s3BucketPrefix: Constraint<string> = {
    expected: `at most ${s3BucketPrefixMaxLength} characters (S3's 63, less the provider's unique suffix)`,
    source: "Pulumi AWS provider, aws.s3.Bucket bucketPrefix; Amazon S3 User Guide, bucket naming rules",
    test: (prefix) => prefix.length <= s3BucketPrefixMaxLength,
};

/** The algorithms of SSE-KMS, the only server-side encryption an S3 Bucket Key applies to. */
const sseKmsAlgorithms = ["aws:kms", "aws:kms:dsse"];

/** A bucket's default encryption rule: a bucket key only with SSE-KMS (with SSE-S3 it does nothing). */
export const s3BucketKey: Constraint<{ sseAlgorithm?: string; bucketKeyEnabled?: boolean }> = {
    expected: `bucketKeyEnabled only with SSE-KMS (${sseKmsAlgorithms.join(" or ")})`,
    source: "Amazon S3 API reference, ServerSideEncryptionRule.BucketKeyEnabled; Amazon S3 User Guide, S3 Bucket Keys",
    test: (rule) => rule.bucketKeyEnabled !== true || sseKmsAlgorithms.includes(rule.sseAlgorithm ?? ""),
};
