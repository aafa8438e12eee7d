/**
 * Finding a real fluentd for the tests that run one: `$FLUENTD`, else `fluentd` on PATH.
 * Without one, those tests skip with a one-line reason instead of failing.
 */
import { findOpenssl } from "./forward-certs";
import { describeWhen, findOnPath } from "./tools";

export function findFluentd(): string | undefined {
    return process.env.FLUENTD || findOnPath("fluentd");
}

/** `describe` when fluentd is available; otherwise a skipped block whose title gives the reason. */
export function describeWithFluentd(title: string, body: (fluentd: string) => void): void {
    describeWhen(findFluentd(), title, "no fluentd on PATH or in $FLUENTD", body);
}

/**
 * `describe` when fluentd and openssl are available (tests that start the project's configs need real TLS
 * certificates for the forward protocol); otherwise a skipped block whose title gives the reason.
 */
export function describeWithFluentdAndOpenssl(title: string, body: (fluentd: string, openssl: string) => void): void {
    const fluentd = findFluentd();
    const openssl = findOpenssl();
    const reason = fluentd === undefined ? "no fluentd on PATH or in $FLUENTD" : "no openssl on PATH or in $OPENSSL";
    const tools = fluentd !== undefined && openssl !== undefined ? { fluentd, openssl } : undefined;
    // A skipped block still runs its body to list its tests, with no tools: hence the optional chaining.
    describeWhen(tools, title, reason, (found) => body(found?.fluentd as string, found?.openssl as string));
}
