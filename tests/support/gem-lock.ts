/**
 * The fluentd image's pinned gems (fluentd/Gemfile.lock), and how a running fluentd's versions compare with them:
 * `fluentd --version` and the lines fluentd logs at start for every fluentd and plugin gem it can load
 * (`gem 'fluent-plugin-s3' version '1.8.5'`).
 */
import * as fs from "fs";

/** name -> version, from a Gemfile.lock's GEM specs (top-level entries only, not their dependency lines). */
export function lockedVersions(lockText: string): Map<string, string> {
    const versions = new Map<string, string>();
    let inSpecs = false;
    for (const line of lockText.split("\n")) {
        if (/^\S/.test(line)) inSpecs = false;
        if (line === "  specs:") {
            inSpecs = true;
            continue;
        }
        const spec = inSpecs ? /^ {4}([A-Za-z0-9_.-]+) \(([^)\s]+)\)$/.exec(line) : null;
        if (spec) versions.set(spec[1], spec[2]);
    }
    return versions;
}

export function readLockedVersions(lockFile: string): Map<string, string> {
    return lockedVersions(fs.readFileSync(lockFile, "utf8"));
}

/** The gems (fluentd and its plugins) a fluentd logged at start, name -> versions (more than one if it could load several). */
export function loggedGemVersions(log: string): Map<string, string[]> {
    const logged = new Map<string, string[]>();
    for (const [, name, version] of log.matchAll(/\[info\]: gem '([^']+)' version '([^']+)'/g)) {
        logged.set(name, [...(logged.get(name) ?? []), version]);
    }
    return logged;
}

/** Where the running fluentd differs from the lock; empty when it runs exactly the pinned fluentd and plugins. */
export function differencesFromLock(locked: Map<string, string>, versionOutput: string, startLog: string): string[] {
    const differences: string[] = [];
    const running = /^fluentd (\S+)/m.exec(versionOutput)?.[1];
    if (running !== locked.get("fluentd")) {
        differences.push(`fluentd --version: ${running ?? `unreadable (${JSON.stringify(versionOutput.trim())})`}, locked ${locked.get("fluentd") ?? "nothing"}`);
    }
    const logged = loggedGemVersions(startLog);
    for (const [name, versions] of logged) {
        const pinned = locked.get(name);
        if (pinned === undefined) differences.push(`${name} ${versions.join(", ")} can load, but the lock has no ${name}`);
        else if (versions.length !== 1 || versions[0] !== pinned) differences.push(`${name} ${versions.join(", ")} can load, locked ${pinned}`);
    }
    for (const [name, pinned] of locked) {
        if (/^fluent(d|-plugin-.+|-mixin-.+)$/.test(name) && !logged.has(name)) differences.push(`${name} ${pinned} is locked, but fluentd did not log it at start`);
    }
    return differences;
}
