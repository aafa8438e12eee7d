/**
 * Finding a real fluentd for the tests that run one: with `$DLE_FLUENTD_IMAGE`, the fluentd of that image (the
 * project's, built from fluentd/Dockerfile), run by tests/support/fluentd-from-image; else `$FLUENTD`, else the one
 * tests/support/install-fluentd.sh installed from the lock (.fluentd/bin/fluentd), else `fluentd` on PATH. Without
 * one, those tests skip with a one-line reason (or fail, where tools are required: tests/support/tools.ts).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { findOpenssl } from "./forward-certs";
import { describeWhen, findOnPath } from "./tools";

/** Runs fluentd from an image's files on this host, with the PIDs and signals of fluentd's own process. */
export const fluentdFromImage = path.join(__dirname, "fluentd-from-image");

/** A fluentd to run, or why there is none. */
export type FoundFluentd = { fluentd: string; reason?: undefined } | { fluentd?: undefined; reason: string };

let found: FoundFluentd | undefined;

/**
 * With `$DLE_FLUENTD_IMAGE`, the launcher `fluentd-from-image --prepare` prints (it exports the image first, once
 * per image ID, so this may take a while); its one-line refusal (no docker, no image, not root, an image built from
 * another Gemfile.lock) is the reason.
 */
function fromImage(): FoundFluentd {
    const prepared = spawnSync(fluentdFromImage, ["--prepare"], { encoding: "utf8", timeout: 15 * 60_000 });
    const launcher = prepared.stdout?.trim();
    if (prepared.status === 0 && launcher) return { fluentd: launcher };
    const said = prepared.stderr?.trim().split("\n").pop();
    return { reason: said || `${path.basename(fluentdFromImage)} --prepare failed (${prepared.error?.message ?? `exit ${prepared.status}`})` };
}

/** What tests/support/install-fluentd.sh leaves: fluentd, and the Ruby with the locked gems (and test-unit). */
export const installedFluentdBin = path.resolve(__dirname, "../../.fluentd/bin");

const installed = (name: string) => {
    const file = path.join(installedFluentdBin, name);
    return fs.existsSync(file) ? file : undefined;
};

const installHint = "run `bash tests/support/install-fluentd.sh` (Debian, as root) to install it from fluentd/Gemfile.lock";

function onHost(): FoundFluentd {
    const fluentd = process.env.FLUENTD || installed("fluentd") || findOnPath("fluentd");
    return fluentd ? { fluentd } : { reason: `no fluentd in $FLUENTD, .fluentd/bin or on PATH: ${installHint}` };
}

/** The Ruby that runs the plugins' own tests (test-unit from the lock's test group), or why there is none. */
export function locateFluentdRuby(): { ruby: string; reason?: undefined } | { ruby?: undefined; reason: string } {
    const ruby = process.env.DLE_RUBY || installed("ruby");
    return ruby ? { ruby } : { reason: `no Ruby with the locked gems in $DLE_RUBY or .fluentd/bin: ${installHint}` };
}

/** The tests' fluentd, looked for once per test file. */
export function locateFluentd(): FoundFluentd {
    found ??= process.env.DLE_FLUENTD_IMAGE ? fromImage() : onHost();
    return found;
}

export function findFluentd(): string | undefined {
    return locateFluentd().fluentd;
}

/** Why there is no fluentd for the tests (when `findFluentd()` finds none). */
export function noFluentdReason(): string {
    return locateFluentd().reason ?? "";
}

/** `describe` when fluentd is available; otherwise a skipped block whose title gives the reason. */
export function describeWithFluentd(title: string, body: (fluentd: string) => void): void {
    describeWhen(findFluentd(), title, noFluentdReason(), body);
}

/**
 * `describe` when fluentd and openssl are available (tests that start the project's configs need real TLS
 * certificates for the forward protocol); otherwise a skipped block whose title gives the reason.
 */
export function describeWithFluentdAndOpenssl(title: string, body: (fluentd: string, openssl: string) => void): void {
    const fluentd = findFluentd();
    const openssl = findOpenssl();
    const reason = fluentd === undefined ? noFluentdReason() : "no openssl on PATH or in $OPENSSL";
    const tools = fluentd !== undefined && openssl !== undefined ? { fluentd, openssl } : undefined;
    // A skipped block still runs its body to list its tests, with no tools: hence the optional chaining.
    describeWhen(tools, title, reason, (found) => body(found?.fluentd as string, found?.openssl as string));
}
