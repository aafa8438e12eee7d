import * as pulumi from "@pulumi/pulumi";
import { ArchiveEndpoint } from "../endpoints";
import { ArchiveArgs } from "./args";
import { createAwsArchive } from "./aws";
import { createLocalArchive } from "./local";

export * from "./args";

/**
 * The archive: gzip objects of JSON lines in an S3 bucket, one per forwarder per time slice.
 * An S3-compatible server (SeaweedFS) with generated keys locally; the forwarders create the bucket on
 * their first upload. On AWS a private, encrypted S3 bucket with a lifecycle rule, written with the
 * forwarders' task role.
 */
export class Archive extends pulumi.ComponentResource {
    /** How the forwarders and users reach the archive; the keys (locally) are secret. */
    public readonly endpoint: ArchiveEndpoint;

    constructor(name: string, args: ArchiveArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:archive:Archive", name, {}, opts);
        const { platform } = args;
        this.endpoint = platform.kind === "local"
            ? createLocalArchive(name, this, { ...args, platform })
            : createAwsArchive(name, this, { ...args, platform });
        this.registerOutputs({ endpoint: this.endpoint });
    }
}
