/**
 * Images on the aws stack: built from a folder of this repository and pushed to a private ECR repository
 * whose tags are immutable, so the tag is a hash of everything that goes into the image.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import { projectRelative } from "./build-context";

/** Fargate's default CPU architecture; the task definitions ask for it explicitly. */
export const imagePlatform = "linux/amd64";

/** A hash of every file under `dir` (names and contents, in a stable order) and of the build arguments. */
export function contentTag(dir: string, buildArgs: Record<string, string>, include: (file: string) => boolean = () => true): string {
    const hash = crypto.createHash("sha256");
    const walk = (current: string): string[] => fs.readdirSync(current, { withFileTypes: true })
        .flatMap((entry) => entry.isDirectory() ? walk(path.join(current, entry.name)) : [path.join(current, entry.name)]);
    for (const file of walk(dir).map((f) => path.relative(dir, f)).filter(include).sort()) {
        hash.update(`${file}\0`).update(fs.readFileSync(path.join(dir, file))).update("\0");
    }
    hash.update(JSON.stringify(Object.entries(buildArgs).sort()));
    return hash.digest("hex").slice(0, 16);
}

export interface EcrImageArgs {
    /** The build context (absolute; handed to the provider relative to the project). */
    context: string;
    buildArgs: Record<string, string>;
    /** The Dockerfile stage to build (default: the last). */
    target?: string;
    /** Which files of the context count for the tag (default: all). */
    include?: (file: string) => boolean;
}

export interface EcrImage {
    repository: aws.ecr.Repository;
    /** `<repository>@sha256:…`: tasks run exactly the pushed image. */
    ref: pulumi.Output<string>;
}

/** An ECR repository (scan on push, immutable tags) and the image built from `args.context` pushed to it. */
export function ecrImage(name: string, args: EcrImageArgs, parent: pulumi.Resource): EcrImage {
    const repository = new aws.ecr.Repository(name, {
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: "IMMUTABLE",
        // `pulumi destroy` removes the pushed images with the repository.
        forceDelete: true,
    }, { parent });
    const credentials = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent });
    const image = new docker.Image(name, {
        // Another stage of the same Dockerfile is another image: the target counts for the tag too.
        imageName: pulumi.interpolate`${repository.repositoryUrl}:${contentTag(args.context, { ...args.buildArgs, ...(args.target ? { "--target": args.target } : {}) }, args.include)}`,
        build: {
            context: projectRelative(args.context),
            dockerfile: projectRelative(path.join(args.context, "Dockerfile")),
            args: args.buildArgs,
            target: args.target,
            platform: imagePlatform,
        },
        registry: {
            server: repository.repositoryUrl,
            username: credentials.userName,
            password: pulumi.secret(credentials.password),
        },
    }, { parent });
    return { repository, ref: image.repoDigest };
}
