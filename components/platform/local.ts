/**
 * What the whole local target needs once: the Docker network every part joins, and the fluentd image
 * that the agent and both forwarders run.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { StackConfig } from "../config";
import { localImagePlatform, projectRelative } from "./build-context";
import { fluentdImageBuild } from "./fluentd-image";

/** The fluentd/ folder: the image's build context and the home of the shared configs. */
export const fluentdDir = path.join(__dirname, "..", "..", "fluentd");

export interface LocalPlatformArgs {
    config: StackConfig;
}

/** Shared by every part of the local stack. */
export class LocalPlatform extends pulumi.ComponentResource {
    readonly kind = "local" as const;
    /** The user-defined bridge network: containers on it resolve each other by name and alias. */
    public readonly network: docker.Network;
    /** The network's name, for containers' `networksAdvanced`. */
    public readonly networkName: pulumi.Output<string>;
    /** The project's fluentd image (official image plus pinned plugins and the shared configs). */
    public readonly fluentdImage: pulumi.Output<string>;

    constructor(name: string, args: LocalPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:platform:LocalPlatform", name, {}, opts);

        this.network = new docker.Network(`${name}-network`, {
            name: name,
            driver: "bridge",
        }, { parent: this });
        this.networkName = this.network.name;

        const build = fluentdImageBuild(args.config);
        const image = new docker.Image(`${name}-fluentd`, {
            imageName: `${name}-fluentd:local`,
            build: {
                context: projectRelative(fluentdDir),
                dockerfile: projectRelative(path.join(fluentdDir, "Dockerfile")),
                args: build.args,
                // The `local` stage: without the aws stage's download from AWS.
                target: build.target,
                platform: localImagePlatform(),
            },
            // The image stays on this Docker host: there is no registry to push to locally.
            skipPush: true,
        }, { parent: this });
        // For a local image this is its ID (sha256:…): containers are replaced whenever the image changes.
        this.fluentdImage = image.repoDigest;

        this.registerOutputs({
            network: this.network,
            networkName: this.networkName,
            fluentdImage: this.fluentdImage,
        });
    }
}
