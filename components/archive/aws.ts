import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { archiveBucketPrefix } from "../config";
import { ArchiveEndpoint } from "../endpoints";
import { On } from "../platform";
import { AwsPlatform } from "../platform/aws";
import { ArchiveArgs } from "./args";

/**
 * A private S3 bucket named `<archiveBucket>-<suffix>` (bucket names are global, so dle:archiveBucket is a
 * prefix on AWS): all public access blocked, TLS-only, SSE-S3 encryption, versioning when configured, and a
 * lifecycle rule that moves objects to STANDARD_IA and later deletes them. The forwarders reach it with
 * their task role; the forwarder pair grants the role access to this bucket only.
 */
export function createAwsArchive(name: string, parent: pulumi.Resource, args: On<ArchiveArgs, AwsPlatform>): ArchiveEndpoint {
    const { config, platform } = args;
    const settings = config.aws.archive;
    const opts = { parent };
    const bucket = new aws.s3.Bucket(name, {
        bucketPrefix: archiveBucketPrefix(config.archive.bucket),
        // `npm run destroy:aws` removes the archived logs with the bucket; copy them out first to keep them.
        forceDestroy: true,
    }, opts);
    const publicAccess = new aws.s3.BucketPublicAccessBlock(name, {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
    }, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(name, {
        bucket: bucket.id,
        // SSE-S3: encrypted at rest without a KMS key to manage or grant the task role. No bucket key: that is for
        // SSE-KMS only (components/constraints.ts, s3BucketKey).
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    }, opts);
    if (settings.versioning) {
        new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
    }
    new aws.s3.BucketLifecycleConfiguration(name, {
        bucket: bucket.id,
        rules: [{
            id: "archive-tiering-and-expiry",
            status: "Enabled",
            filter: { prefix: config.archive.keyPrefix },
            transitions: [{ days: settings.transitionDays, storageClass: "STANDARD_IA" }],
            expiration: { days: settings.expirationDays },
            noncurrentVersionExpiration: settings.versioning ? { noncurrentDays: settings.expirationDays } : undefined,
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        }],
    }, opts);
    new aws.s3.BucketPolicy(name, {
        bucket: bucket.id,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [{
                // Refuse plain-HTTP requests from anyone; the forwarders' SDK always uses HTTPS.
                Sid: "TlsOnly",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            }],
        }),
    }, { parent, dependsOn: [publicAccess] });

    return {
        region: platform.region,
        bucket: bucket.bucket,
        keyPrefix: config.archive.keyPrefix,
        access: { kind: "aws-default-credentials", bucketArn: bucket.arn },
    };
}
