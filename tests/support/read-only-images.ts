/**
 * The images tests/docker/read-only-roots.test.ts runs with read-only roots, made here since no registry can be pulled
 * from: fluentd laid out as fluentd/Dockerfile lays out the project's image, and Debian's nginx laid out as the official
 * nginx image runs it.
 */
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { importDirectory } from "./docker-engine";
import { installedFluentdBin } from "./fluentd";
import { fluentdDir } from "./fluentd-config";

/** A test image, and the read-only bind mounts (docker run arguments) it needs from this machine. */
export interface TestImage {
    image: string;
    binds: string[];
}

const fluentdRoot = path.resolve(installedFluentdBin, "..");

/** Why the installed fluentd cannot be made an image, or undefined when it can. */
export function noFluentdImageReason(): string | undefined {
    const script = path.join(installedFluentdBin, "fluentd");
    if (!fs.existsSync(path.join(fluentdRoot, "ruby-root", "usr", "bin", "ruby")) || !fs.existsSync(script)) {
        return "no Ruby root and bundle in .fluentd (run `bash tests/support/install-fluentd.sh`)";
    }
    return /exec \S+\/in-root /.test(fs.readFileSync(script, "utf8")) ? undefined : `${script} does not run fluentd through its in-root wrapper`;
}

const hashOf = (...parts: string[]) => crypto.createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 12);

/** Every file under `dir`, each as its path and content: an image made from them is made anew when one changes. */
function filesOf(dir: string): string[] {
    return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()
        .filter((file) => fs.statSync(path.join(dir, file)).isFile())
        .map((file) => `${file}\0${fs.readFileSync(path.join(dir, file), "utf8")}`);
}

/** Builds `name` from `dockerfile` in a context holding `files` (path in the context → content or a file to copy). */
function build(docker: string, name: string, dockerfile: string, files: Record<string, { copy: string } | { content: string; mode?: number }>): void {
    if (spawnSync(docker, ["image", "inspect", name], { stdio: "ignore" }).status === 0) return;
    const context = fs.mkdtempSync(path.join(os.tmpdir(), "dle-image-"));
    try {
        fs.writeFileSync(path.join(context, "Dockerfile"), dockerfile);
        for (const [file, source] of Object.entries(files)) {
            const target = path.join(context, file);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            if ("copy" in source) fs.cpSync(source.copy, target, { recursive: true, dereference: true });
            else fs.writeFileSync(target, source.content, { mode: source.mode ?? 0o644 });
        }
        execFileSync(docker, ["build", "-q", "-t", name, context], { stdio: ["ignore", "ignore", "pipe"], timeout: 600_000 });
    } finally {
        fs.rmSync(context, { recursive: true, force: true });
    }
}

/**
 * fluentd from .fluentd (the trixie Ruby root, imported as the base, and the bundle of fluentd/Gemfile.lock, mounted
 * read-only where it was installed), with the project's configs, plugins and dle-entrypoint.sh where fluentd/Dockerfile
 * puts them, its fluent user (999:999), its directories and their owners, and an entrypoint.sh that does what the
 * official image's does: `fluentd -c /fluentd/etc/$FLUENTD_CONF -p /fluentd/plugins`.
 */
export function fluentdTestImage(docker: string): TestImage {
    const script = fs.readFileSync(path.join(installedFluentdBin, "fluentd"), "utf8");
    const rootImage = `dle-test-ruby-root:${hashOf(fs.readFileSync(path.join(fluentdRoot, "ruby-root", ".packages"), "utf8"), String(fs.statSync(path.join(fluentdRoot, "ruby-root", "usr")).mtimeMs))}`;
    importDirectory(docker, rootImage, path.join(fluentdRoot, "ruby-root"));
    // The same command without the wrapper that lends the host the root's /usr and /etc: here they are the image's.
    const fluentdCommand = script.replace(/exec \S+\/in-root /, "exec ");
    const entrypoint = '#!/bin/sh\n[ "$1" = fluentd ] && shift\nexec fluentd -c "/fluentd/etc/${FLUENTD_CONF}" -p /fluentd/plugins "$@"\n';
    const dleEntrypoint = path.join(fluentdDir, "dle-entrypoint.sh");
    const image = `dle-test-fluentd:${hashOf(rootImage, fluentdCommand, entrypoint, ...filesOf(fluentdDir))}`;
    build(docker, image, [
        `FROM ${rootImage}`,
        "RUN echo 'fluent:x:999:999::/home/fluent:/bin/sh' >> /etc/passwd && echo 'fluent:x:999:' >> /etc/group",
        "COPY etc/ /fluentd/etc/",
        "COPY plugins/ /fluentd/plugins/",
        "COPY dle-entrypoint.sh entrypoint.sh /bin/",
        "COPY fluentd /usr/local/bin/fluentd",
        // As fluentd/Dockerfile makes them.
        "RUN mkdir -p /fluentd/etc/tls /fluentd/etc/secrets /fluentd/tmp /fluentd/buffer /home/fluent"
        + " && chown -R 999:999 /fluentd /home/fluent && chmod 700 /fluentd/etc/tls /fluentd/etc/secrets /fluentd/tmp",
        "ENV TMPDIR=/fluentd/tmp DLE_FLUENTD_USER=fluent LANG=C.UTF-8",
        "VOLUME /fluentd/tmp",
        "VOLUME /fluentd/buffer",
        'ENTRYPOINT ["/bin/dle-entrypoint.sh"]',
        'CMD ["fluentd"]',
    ].join("\n"), {
        "etc": { copy: fluentdDir },
        "plugins": { copy: path.join(fluentdDir, "plugins") },
        "dle-entrypoint.sh": { content: fs.readFileSync(dleEntrypoint, "utf8"), mode: 0o755 },
        "entrypoint.sh": { content: entrypoint, mode: 0o755 },
        "fluentd": { content: fluentdCommand, mode: 0o755 },
    });
    const gemfile = /BUNDLE_GEMFILE=(\S+)/.exec(script)?.[1];
    const bundle = /BUNDLE_PATH=(\S+)/.exec(script)?.[1];
    if (!gemfile || !bundle) throw new Error(`${installedFluentdBin}/fluentd names no BUNDLE_GEMFILE or BUNDLE_PATH`);
    const installed = path.dirname(bundle);
    return { image, binds: [`${installed}:${installed}:ro`, `${path.dirname(gemfile)}:${path.dirname(gemfile)}:ro`] };
}

/** Debian's nginx (nginx-light) and the libraries it links, as `ldd` lists them, with the users its workers run as. */
export function nginxTestImage(docker: string, nginx: string): TestImage {
    const binary = fs.realpathSync(nginx);
    const libraries = execFileSync("ldd", [binary], { encoding: "utf8" }).split("\n")
        .map((line) => /(\/\S+) \(0x/.exec(line)?.[1]).filter((lib): lib is string => lib !== undefined);
    // The official image's command, with its prefix.
    const command = 'CMD ["/usr/sbin/nginx", "-p", "/etc/nginx/", "-c", "/etc/nginx/nginx.conf", "-g", "daemon off;"]';
    const image = `dle-test-nginx:${hashOf(binary, ...libraries, String(fs.statSync(binary).mtimeMs), command)}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-nginx-image-"));
    try {
        for (const file of [binary, ...libraries]) {
            fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
            fs.copyFileSync(file, path.join(dir, file));
            fs.chmodSync(path.join(dir, file), 0o755);
        }
        fs.mkdirSync(path.join(dir, "etc"));
        fs.writeFileSync(path.join(dir, "etc", "passwd"), "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/bin/false\n");
        fs.writeFileSync(path.join(dir, "etc", "group"), "root:x:0:\nnogroup:x:65534:\nnobody:x:65534:\n");
        // As in Debian and Alpine (the official image's base): /var/run is /run, where nginx's pid file goes.
        fs.mkdirSync(path.join(dir, "run"));
        fs.mkdirSync(path.join(dir, "var"));
        fs.symlinkSync("../run", path.join(dir, "var", "run"));
        importDirectory(docker, image, dir, [command]);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return { image, binds: [] };
}
