/**
 * Finding a real fluentd for the tests that run one: `$FLUENTD`, else `fluentd` on PATH.
 * Without one, those tests skip with a one-line reason instead of failing.
 */
import { describeWhen, findOnPath } from "./tools";

export function findFluentd(): string | undefined {
    return process.env.FLUENTD || findOnPath("fluentd");
}

/** `describe` when fluentd is available; otherwise a skipped block whose title gives the reason. */
export function describeWithFluentd(title: string, body: (fluentd: string) => void): void {
    describeWhen(findFluentd(), title, "no fluentd on PATH or in $FLUENTD", body);
}
