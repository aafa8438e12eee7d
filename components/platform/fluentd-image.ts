/**
 * How the one fluentd image is built for each stack, from fluentd/Dockerfile's stages: the local stack's build
 * ends at the `local` stage and contacts nothing of AWS; the aws stack's `aws` stage adds the Amazon RDS CA bundle
 * (DocumentDB's TLS), which its build downloads and checks against the pinned checksum.
 */
import { StackConfig, Target } from "../config";

export interface FluentdImageBuild {
    /** The Dockerfile stage the build ends at: named like the stack's target. */
    target: Target;
    args: Record<string, string>;
}

export function fluentdImageBuild(config: StackConfig): FluentdImageBuild {
    const base = { FLUENTD_IMAGE: config.images.fluentd };
    return config.target === "aws"
        ? { target: "aws", args: { ...base, RDS_CA_BUNDLE_SHA256: config.aws.rdsCaBundleSha256 } }
        : { target: "local", args: base };
}
