/**
 * How every container of the local stack is run: on the stack's network under a stable name and alias,
 * with a health check, restarted unless stopped, and publishing ports on 127.0.0.1 only.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { HostPort } from "../endpoints";
import { fluentdContainer } from "../fluentd-env";
import { LocalPlatform } from "./local";

/** Host interface every published port binds to: nothing of dle is reachable from other machines. */
export const publishedHost = "127.0.0.1";

/**
 * How an application container logs: Docker's fluentd log driver (moby's daemon/logger/fluentd), which dockerd itself
 * runs from the host, to the agent's published address. tests/docker/log-driver.test.ts runs a container with exactly
 * these options into the real agent.
 */
export function fluentdLogDriver(agent: HostPort, tag: string): Pick<LocalContainerArgs, "logDriver" | "logOpts"> {
    return {
        logDriver: "fluentd",
        logOpts: {
            "fluentd-address": pulumi.interpolate`${agent.host}:${agent.port}`,
            // The container starts even while the agent is down; dockerd queues its lines (in memory) until it answers.
            "fluentd-async": "true",
            // dockerd keeps each line until the agent acknowledges it, and sends it again after a reconnect: lines in
            // flight when the agent dies are not lost (without it, what dockerd had written to the socket is gone).
            "fluentd-request-ack": "true",
            "fluentd-sub-second-precision": "true",
            // The agent prefixes every tag with docker. (fluentd/targets/local/agent-input.conf): docker.webapp, docker.api.
            tag,
        },
    };
}

export interface LocalContainerArgs {
    platform: LocalPlatform;
    image: pulumi.Input<string>;
    /** The name other parts reach this container by on the network. */
    alias: string;
    /** The health check command (exec form, without the leading "CMD"). */
    healthcheck: string[];
    /** Seconds the container may take to become healthy before failures count. */
    startPeriodSeconds?: number;
    envs?: pulumi.Input<pulumi.Input<string>[]>;
    command?: string[];
    /** Container port → host port on 127.0.0.1. */
    publish?: { internal: number; external: number }[];
    /** Named volumes: what the container keeps across its replacement (data, buffers). */
    volumes?: { volume: docker.Volume; containerPath: string }[];
    /**
     * Every other path the container writes (temporary files, sockets, pid files, caches, and the directories its
     * uploads go to), each an anonymous volume of the container's own, made afresh with each container and removed
     * with it: the root filesystem is read-only (the local counterpart of FSBP ECS.5). Where the aws stack's container
     * writes the same paths, both take them from one list (its `writablePaths`).
     */
    writablePaths?: readonly string[];
    /**
     * Files put into the container before it starts, each under one of its `writablePaths` (see
     * {@link localContainer}: they reach it through a files container's volumes).
     */
    uploads?: docker.types.input.ContainerUpload[];
    /** Secret files for an image that reads them as its own user (see {@link SecretFiles}). */
    secretFiles?: SecretFiles;
    /** The user the container starts as, when not the image's (`uid:gid`). */
    user?: string;
    logDriver?: string;
    logOpts?: Record<string, pulumi.Input<string>>;
    /** Memory limit in MiB. */
    memoryMb?: number;
    /** Containers that must be up (healthy) before this one is created. */
    after?: pulumi.Resource[];
    /**
     * In place of the stack's network: another one, at a fixed address (the container credentials endpoint, at the
     * address the AWS SDKs accept for it).
     */
    network?: { name: pulumi.Input<string>; ipv4Address: string };
    /** Networks joined besides the stack's (the forwarders join the credentials endpoint's). */
    moreNetworks?: pulumi.Input<string>[];
}

/**
 * Secret files for an image whose process reads them as the image's own user (the official mongo and SeaweedFS
 * images drop to it from root before they read them; Elasticsearch runs as it from the start). Uploaded readable by
 * their owner only; but the Docker provider may give an upload any owner (the upstream provider writes no owner into
 * the archive it uploads), so the container starts as root and {@link secretFilesEntrypoint} hands each file to
 * `owner`, mode 0400, at every start, before the image's own entrypoint.
 */
export interface SecretFiles {
    /** Who reads the files, as chown takes it (`user`, `uid:gid`). */
    owner: string;
    /**
     * The image's own entrypoint, run next (the container's `command` is its arguments, as the image's CMD was),
     * after a change of user (setpriv, or {@link asUser} where the image has no util-linux) for an image that does
     * not drop from root itself.
     */
    imageEntrypoint: string[];
    files: { file: string; content: pulumi.Input<string> }[];
}

/**
 * The entrypoint that gives the secret files to their owner, then runs the image's entrypoint:
 * `sh -c <script> dle-secret-files <owner> <file>... -- <image entrypoint> <command>...`.
 */
export function secretFilesEntrypoint(secretFiles: Pick<SecretFiles, "owner" | "imageEntrypoint" | "files">): string[] {
    const script = 'set -eu; owner=$1; shift; while [ "$1" != -- ]; do chown "$owner" "$1"; chmod 0400 "$1"; shift; done; shift; exec "$@"';
    return ["/bin/sh", "-c", script, "dle-secret-files", secretFiles.owner, ...secretFiles.files.map((f) => f.file), "--", ...secretFiles.imageEntrypoint];
}

/**
 * The change of user in front of an image's entrypoint (then its arguments), for images without util-linux's setpriv
 * (busybox's setpriv has no --reuid): `su`, which busybox-based images (prom/prometheus), Alpine and Ubuntu all have.
 * Run by root, it asks for no password; it takes the user's uid, group and supplementary groups, and sets HOME as
 * Docker would for the image's USER. `-s /bin/sh` because such users have no login shell; `--` ends su's options, so
 * that the image's arguments (`--config.file=...`) go to the shell, which runs them with exec.
 */
export function asUser(user: string): string[] {
    return ["su", "-s", "/bin/sh", "-c", 'exec "$0" "$@"', "--", user];
}

export interface LocalContainer {
    container: docker.Container;
    /** The alias, as an Output of the container: whoever uses it is created after the container is up. */
    host: pulumi.Output<string>;
}

/** Whole seconds as Go's time.Duration prints them (60 -> "1m0s", 3600 -> "1h0m0s"): the form Docker reports. */
export function goDuration(seconds: number): string {
    if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`\`seconds\` must be a whole number of seconds, got ${seconds}`);
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

/** The writable path `file` lies under, if any. */
function writablePathOf(file: string, writablePaths: readonly string[]): string | undefined {
    return writablePaths.find((dir) => file.startsWith(`${dir.replace(/\/+$/, "")}/`));
}

/**
 * Each uploaded file that lies under none of the container's writable paths (the only places it can reach a read-only
 * container), and each volume or writable path that is relative or mounted twice.
 */
export function localMountProblems(name: string, args: Pick<LocalContainerArgs, "volumes" | "writablePaths" | "uploads" | "secretFiles">): string[] {
    const mounted = [...(args.volumes ?? []).map((v) => v.containerPath), ...(args.writablePaths ?? [])];
    const inVolume = (file: string) => writablePathOf(file, args.writablePaths ?? []) !== undefined;
    const files = [...(args.uploads ?? []).map((u) => u.file), ...(args.secretFiles?.files ?? []).map((f) => f.file)];
    return [
        ...mounted.filter((p, i) => !p.startsWith("/") || mounted.indexOf(p) !== i)
            .map((p) => `The container \`${name}\` mounts ${p} twice or by a relative path: each volume and writable path must be absolute and mounted once.`),
        ...files.filter((file): file is string => typeof file === "string" && !inVolume(file))
            .map((file) => `The container \`${name}\` uploads ${file}, which is in no volume: its root filesystem is read-only, where Docker refuses an upload. Add its directory to \`writablePaths\`.`),
    ];
}

/**
 * Runs a container with a read-only root filesystem. Its `writablePaths` are anonymous volumes; where it has uploads,
 * those are a files container's: the Docker provider copies every upload to `/` of the container, as an archive of
 * the file's whole path (kreuzwerker/terraform-provider-docker, resource_docker_container_funcs.go), and Docker refuses
 * any copy to `/` of a read-only container, whatever volume the file would land in ("container rootfs is marked
 * read-only", moby daemon/archive.go). So a container `<name>-files` of the same image, never started and not
 * read-only, holds the writable paths with the uploads in them, and the container mounts its volumes (`volumes_from`,
 * writable: the entrypoints hand the secret files to their reader). It is replaced with its files, and then so is the
 * container, which names it by ID.
 */
export function localContainer(name: string, args: LocalContainerArgs, parent: pulumi.Resource): LocalContainer {
    const problems = localMountProblems(name, args);
    if (problems.length > 0) throw new Error(problems.join("\n"));
    const uploads = uploadsOf(args);
    const writablePaths = args.writablePaths ?? [];
    const uploadDirs = writablePaths.filter((dir) => (uploads ?? []).some((u) => writablePathOf(u.file as string, [dir]) !== undefined));
    const files = uploads === undefined ? undefined : new docker.Container(`${name}-files`, {
        name: `${name}-files`,
        image: args.image,
        volumes: uploadDirs.map((containerPath) => ({ containerPath })),
        uploads,
        // It only holds the files: created, never run, and left so.
        start: false,
        mustRun: false,
        // No process, no log: nothing for a log driver to connect to either.
        logDriver: "none",
    }, { parent });
    const container = new docker.Container(name, {
        name: name,
        image: args.image,
        networksAdvanced: [
            args.network
                ? { name: args.network.name, aliases: [args.alias], ipv4Address: args.network.ipv4Address }
                : { name: args.platform.networkName, aliases: [args.alias] },
            ...(args.moreNetworks ?? []).map((network) => ({ name: network })),
        ],
        envs: args.envs,
        command: args.command,
        ports: (args.publish ?? []).map((p) => ({ internal: p.internal, external: p.external, ip: publishedHost })),
        // Nothing but its volumes is writable (FSBP ECS.5 on the aws stack; the same here).
        readOnly: true,
        volumes: [
            ...(args.volumes ?? []).map((v) => ({ volumeName: v.volume.name, containerPath: v.containerPath })),
            // With neither a volume name nor a host path: an anonymous volume, which Docker fills from the image's
            // directory at creation, and which the provider removes with the container.
            ...writablePaths.filter((dir) => !uploadDirs.includes(dir)).map((containerPath) => ({ containerPath })),
            ...(files ? [{ fromContainer: files.id }] : []),
        ],
        entrypoints: args.secretFiles ? secretFilesEntrypoint(args.secretFiles) : undefined,
        user: args.user,
        // Durations in the form Docker reports them back (Go's: "1m0s", not "60s"), or every `pulumi up` shows a change.
        healthcheck: {
            tests: ["CMD", ...args.healthcheck],
            interval: goDuration(10),
            timeout: goDuration(5),
            retries: 5,
            startPeriod: goDuration(args.startPeriodSeconds ?? 10),
        },
        restart: "unless-stopped",
        logDriver: args.logDriver,
        logOpts: args.logOpts,
        memory: args.memoryMb,
        // No swap beyond the limit. Unset, Docker sets the swap limit to twice the memory and reports that back:
        // a change on every `pulumi up`.
        memorySwap: args.memoryMb,
        // `pulumi up` returns only once the container reports healthy, so outputs are usable at once.
        wait: true,
        waitTimeout: 180,
    }, {
        parent,
        dependsOn: args.after,
        // Docker cannot change a container's health check: the provider would update it in place, and the container
        // would keep the old one.
        replaceOnChanges: ["healthcheck"],
    });
    return { container, host: container.id.apply(() => args.alias) };
}

/** The plain uploads and the secret files (secret inputs, readable by their owner only). */
function uploadsOf(args: LocalContainerArgs): docker.types.input.ContainerUpload[] | undefined {
    const uploads = [
        ...(args.uploads ?? []),
        ...secretUploads(args.secretFiles?.files ?? []),
    ];
    return uploads.length > 0 ? uploads : undefined;
}

/** A named volume owned by a component. */
export function localVolume(name: string, parent: pulumi.Resource): docker.Volume {
    return new docker.Volume(name, { name }, { parent });
}

/**
 * The forward protocol's TLS files for a fluentd container, where fluentd-env.ts's FORWARD_TLS_* variables name
 * them: the stack's CA certificate, and the container's own certificate and key. The key is a secret input
 * (encrypted in the state), mode 0400; whatever owner the upload gets, the image's entrypoint (fluentd/dle-entrypoint.sh)
 * hands it to fluentd's user before fluentd starts.
 */
export function fluentdTlsUploads(caCertPem: pulumi.Input<string>, own: { certPem: pulumi.Input<string>; privateKeyPem: pulumi.Input<string> }): docker.types.input.ContainerUpload[] {
    return [
        { file: fluentdContainer.tlsCaCert, content: caCertPem },
        { file: fluentdContainer.tlsCert, content: own.certPem },
        { file: fluentdContainer.tlsKey, content: own.privateKeyPem, permissions: "0400" },
    ];
}

/**
 * Credential files: secret inputs, mode 0400. A fluentd container's (fluentd-env.ts's dockerFluentd) are handed to
 * fluentd's user by the image's entrypoint, as the TLS key is; other images' by {@link secretFilesEntrypoint}.
 */
export function secretUploads(files: { file: string; content: pulumi.Input<string> }[]): docker.types.input.ContainerUpload[] {
    return files.map((f) => ({ file: f.file, content: pulumi.secret(f.content), permissions: "0400" }));
}
