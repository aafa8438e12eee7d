import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";
import { ArchiveEndpoint } from "../endpoints";
import { LocalPlatform } from "../platform/local";
import { createLocalArchive } from "./local";

export interface ArchiveArgs {
    config: StackConfig;
    platform: LocalPlatform;
}

/**
 * The archive: gzip objects of JSON lines in an S3 bucket, one per forwarder per time slice.
 * An S3-compatible server (MinIO) with generated keys locally; the forwarders create the bucket on
 * their first upload.
 */
export class Archive extends pulumi.ComponentResource {
    /** How the forwarders and users reach the archive; the keys are secret. */
    public readonly endpoint: ArchiveEndpoint;

    constructor(name: string, args: ArchiveArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:archive:Archive", name, {}, opts);
        this.endpoint = createLocalArchive(name, this, args);
        this.registerOutputs({ endpoint: this.endpoint });
    }
}
