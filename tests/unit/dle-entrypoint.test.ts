/**
 * fluentd/dle-entrypoint.sh, the image's entrypoint: on AWS it turns the PEM contents ECS hands over as variables
 * into the files the configs read. Run here with `sh`, in front of `env` instead of the image's entrypoint.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileContentEnv } from "../../components/fluentd-env";
import { fluentdDir } from "../support/fluentd-config";
import { entrypointForTests } from "../support/forward-certs";

describe("fluentd/dle-entrypoint.sh", () => {
    let dir: string;
    let entrypoint: string;

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-entrypoint-"));
        entrypoint = entrypointForTests(fluentdDir, dir);
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Runs the entrypoint in front of `env`, with only `vars` set; returns the environment the next program got. */
    const run = (vars: Record<string, string>) => execFileSync("sh", [entrypoint, "env"], { env: { PATH: process.env.PATH, ...vars }, encoding: "utf8", stdio: "pipe" });

    it("writes exactly the variables components/fluentd-env.ts names: the PEMs and the credentials", () => {
        const script = fs.readFileSync(path.join(fluentdDir, "dle-entrypoint.sh"), "utf8");
        const written = [...script.matchAll(/^write_file (\w+) (\w+)$/gm)].map(([, content, file]) => [file, content]);
        expect(Object.fromEntries(written)).toEqual(fileContentEnv);
    });

    it("writes each PEM and credential to the file its path variable names, readable by its owner only, and hides it from fluentd", () => {
        const vars: Record<string, string> = {};
        for (const [pathVariable, contentVariable] of Object.entries(fileContentEnv)) {
            vars[pathVariable] = path.join(dir, "tls", pathVariable.toLowerCase());
            vars[contentVariable] = `-----BEGIN TEST-----\n${contentVariable}\n-----END TEST-----`;
        }
        const env = run(vars);
        for (const [pathVariable, contentVariable] of Object.entries(fileContentEnv)) {
            const file = vars[pathVariable];
            expect(fs.readFileSync(file, "utf8")).toBe(`${vars[contentVariable]}\n`);
            expect(fs.statSync(file).mode & 0o777).toBe(0o600);
            expect(env).toContain(`${pathVariable}=${file}\n`);
            expect(env).not.toContain(`${contentVariable}=`);
        }
    });

    it("writes nothing where no PEM is given (the local stack uploads the files)", () => {
        const file = path.join(dir, "untouched", "ca.crt");
        run({ FORWARD_TLS_CA_PATH: file });
        expect(fs.existsSync(file)).toBe(false);
    });

    it("stops, naming the variable, when a PEM is given without the file to write it to", () => {
        expect(() => run({ FORWARD_TLS_KEY_PEM: "key" })).toThrow(/FORWARD_TLS_KEY_PEM is set but FORWARD_TLS_KEY_PATH, the file to write it to, is not/);
    });
});
