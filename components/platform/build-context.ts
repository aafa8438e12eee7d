/**
 * Where the Docker provider finds what it builds. pulumi-docker takes a build context and a Dockerfile relative to the
 * directory Pulumi runs the program in, the project's (pulumi/pulumi-docker v4.0.1's release notes), and compares its
 * inputs literally: an absolute path, different in every clone, would rebuild every image on every preview.
 */
import * as path from "path";

/** The project's root, where Pulumi.yaml is: the directory `pulumi up` runs the program in. */
export const projectDir = path.join(__dirname, "..", "..");

/** A path of the project as pulumi-docker takes it: relative to the project, with `/` on every system. */
export function projectRelative(absolute: string): string {
    return path.relative(projectDir, absolute).split(path.sep).join("/");
}

/** Node.js's names of the CPU architectures the local stack's images exist for, and Docker's names of them. */
const dockerArchitectures: Record<string, string> = { x64: "amd64", arm64: "arm64" };

/**
 * The platform the local stack builds its images for: the machine's own (the official fluentd, nginx and Node.js images
 * exist for linux/amd64 and linux/arm64). Given explicitly so that the build does not depend on the Docker engine's
 * default, which the provider does not read back.
 */
export function localImagePlatform(arch: string = process.arch): string {
    const docker = dockerArchitectures[arch];
    if (docker === undefined) {
        throw new Error(`The local stack builds images for linux/amd64 or linux/arm64; this machine's CPU architecture is ${arch}.`);
    }
    return `linux/${docker}`;
}
