/**
 * The credential files of a fluentd container, for tests that run its config outside the container: each file its
 * *_FILE variables name (components/fluentd-env.ts, secretFileEnv) is written into a test directory, with the content
 * the mocked stack uploads, or a test's own value (a loopback sink's password), and the variable points there.
 */
import * as fs from "fs";
import * as path from "path";
import { secretFileEnv } from "../../components/fluentd-env";
import { RecordedResource, containerEnv, containerFiles } from "./mocks";

type ValueVariable = (typeof secretFileEnv)[keyof typeof secretFileEnv];

/**
 * Writes the container's credential files into `dir` (mode 0600) and returns the *_FILE variables pointing to them.
 * `values` replaces a credential by its value variable (e.g. `SEARCH_PASSWORD`); one the container does not get is
 * a mistake in the test.
 */
export function writeSecretFiles(resources: RecordedResource[], container: string, dir: string, values: Partial<Record<ValueVariable, string>> = {}): Record<string, string> {
    const env = containerEnv(resources, container);
    const uploaded = containerFiles(resources, container);
    const given = Object.entries(secretFileEnv).filter(([pathVariable]) => env[pathVariable] !== undefined);
    const unknown = Object.keys(values).filter((value) => !given.some(([, v]) => v === value));
    if (unknown.length > 0) throw new Error(`${container} gets no ${unknown.join(", ")}`);
    fs.mkdirSync(dir, { recursive: true });
    return Object.fromEntries(given.map(([pathVariable, valueVariable]) => {
        const content = values[valueVariable] ?? uploaded[env[pathVariable]];
        if (content === undefined) throw new Error(`${container} names ${env[pathVariable]} in ${pathVariable} but gets no such file`);
        const file = path.join(dir, `${container}-${path.posix.basename(env[pathVariable])}`);
        fs.writeFileSync(file, content, { mode: 0o600 });
        return [pathVariable, file];
    }));
}
