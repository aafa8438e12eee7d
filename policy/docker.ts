/**
 * What Docker and pulumi-docker need of the local stack's inputs beyond what a preview checks: ports published on
 * 127.0.0.1 only, read-only root filesystems with uploads only into volumes, inputs written in the form the engine
 * reads back, and builds that are the same in every clone.
 */
import * as path from "path";
import { ResourceValidationPolicy } from "@pulumi/policy";
import * as c from "../components/constraints";
import { failing, resourcePolicy, types } from "./support";

/** The one host address dle publishes on: nothing of it is reachable from other machines. */
export const loopback = "127.0.0.1";

export const portsOnLoopback = resourcePolicy(
    "docker-ports-on-loopback",
    "Every port a container publishes is bound to 127.0.0.1, never to every interface.",
    [types.dockerContainer],
    (props) => ((props.ports ?? []) as { internal: number; external?: number; ip?: string }[])
        .map((port) => port.ip === loopback ? undefined : `port ${port.internal} is published on ${port.ip ?? "every interface (no ip)"}: expected ${loopback}`),
);

type Volume = { containerPath?: string; readOnly?: boolean };

/** A container created only to hold files in its volumes for another (components/platform/local-container.ts). */
const neverRuns = (props: Record<string, unknown>) => props.start === false && props.mustRun === false;

export const readOnlyRoot = resourcePolicy(
    "docker-read-only-root",
    "Every container that runs has a read-only root filesystem (the local counterpart of FSBP ECS.5): it writes only to its volumes.",
    [types.dockerContainer],
    (props) => [neverRuns(props) || props.readOnly === true ? undefined : `readOnly ${JSON.stringify(props.readOnly)}: expected true, the paths the container writes as volumes`],
);

export const uploadsInVolumes = resourcePolicy(
    "docker-uploads-in-volumes",
    "Files are uploaded only into a container that never runs, each into one of its writable volumes, which the container that reads them mounts: the Docker provider copies every upload to / (kreuzwerker/terraform-provider-docker), which Docker refuses for a read-only container (moby daemon/archive.go, ErrRootFSReadOnly).",
    [types.dockerContainer],
    (props) => {
        const uploads = (props.uploads ?? []) as { file: string }[];
        if (uploads.length === 0) return [];
        if (!neverRuns(props)) return [`${uploads.length} upload(s) into a container that runs: expected them in a files container (start and mustRun false) whose volumes it mounts`];
        const writable = ((props.volumes ?? []) as Volume[]).filter((v) => v.readOnly !== true && v.containerPath).map((v) => v.containerPath!.replace(/\/+$/, ""));
        return uploads
            .filter((u) => !writable.some((dir) => u.file.startsWith(`${dir}/`)))
            .map((u) => `upload ${u.file} is in no writable volume: expected it under one of ${writable.join(", ") || "(no volume)"}`);
    },
);

export const dockerReadBack = resourcePolicy(
    "docker-read-back-forms",
    "Health check durations are written as Docker reports them (Go's form), and a memory limit comes with an equal swap limit (Docker sets twice the memory otherwise): else every preview shows a change.",
    [types.dockerContainer],
    (props) => {
        const check = props.healthcheck ?? {};
        return [
            ...["interval", "timeout", "startPeriod", "startInterval"].filter((field) => check[field] !== undefined)
                .map((field) => failing(c.dockerDuration, String(check[field]), `healthcheck.${field}`)),
            props.memory !== undefined && props.memorySwap !== props.memory
                ? `memory ${props.memory} with memorySwap ${props.memorySwap}: expected memorySwap equal to memory, as Docker reads it back` : undefined,
        ];
    },
);

export const dockerBuilds = resourcePolicy(
    "docker-builds-relative-with-platform",
    "An image is built from a context and a Dockerfile relative to the project (pulumi-docker compares them literally: an absolute path differs in every clone) for an explicit platform.",
    [types.dockerImage],
    (props) => {
        const build = props.build ?? {};
        const inProject = (p: unknown) => typeof p === "string" && !path.isAbsolute(p) && !/^[A-Za-z]:[\\/]/.test(p) && !p.split(/[\\/]/).includes("..");
        return [
            inProject(build.context) ? undefined : `build.context ${JSON.stringify(build.context)}: expected a path relative to the project`,
            build.dockerfile === undefined || inProject(build.dockerfile) ? undefined : `build.dockerfile ${JSON.stringify(build.dockerfile)}: expected a path relative to the project`,
            build.platform ? undefined : "build.platform: expected an explicit platform, like \"linux/amd64\"",
        ];
    },
);

export const dockerPolicies: ResourceValidationPolicy[] = [portsOnLoopback, readOnlyRoot, uploadsInVolumes, dockerReadBack, dockerBuilds];
