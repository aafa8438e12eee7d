/**
 * No credential is written into the project's files: the fluentd configs (and everything else fluentd/Dockerfile
 * copies into the image: the build context is fluentd/), the program and the stack config files. Credentials are
 * generated at deploy and reach fluentd as files; the mock tests of both stacks check that they travel as secrets.
 * This test catches the other way in: a literal typed into a file.
 */
import * as fs from "fs";
import * as path from "path";
import { fluentdDir } from "../support/fluentd-config";

const root = path.join(__dirname, "..", "..");

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.join(entry.parentPath, entry.name));
}

/** fluentd parameters that hold a secret, in any plugin dle uses (fluentd core, mongo, elasticsearch, opensearch, s3). */
const secretParameter = /^(shared_key|password|connection_string|aws_key_id|aws_sec_key|private_key_passphrase|tls_client_private_key_passphrase|access_key_id|secret_access_key|session_token)$/;
/** Parameters that name whom a secret belongs to. */
const nameParameter = /^(user|username)$/;

/** A value read at start from the file a variable names, and nothing else: `"#{File.read(ENV.fetch('NAME_FILE')).strip}"`. */
const fromFile = /^"#\{File\.read\(ENV\.fetch\('[A-Z][A-Z0-9_]*_FILE'\)\)\.strip\}"$/;
/** A value read from the environment at start: `"#{ENV.fetch('NAME')}"`. */
const fromEnvironment = /^"#\{ENV\.fetch\('[A-Z][A-Z0-9_]*'\)\}"$/;

/** Shapes of real credentials: a PEM private key, an AWS access key ID, a URL with a password in it. */
const credentialShapes: [string, RegExp][] = [
    ["a PEM private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
    ["an AWS access key ID", /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
    ["a URL with a password", /[a-z+]+:\/\/[^\s:/@"'`]+:[^\s@/"'`$]+@/],
];

describe("no literal credentials", () => {
    const configs = filesUnder(fluentdDir).filter((file) => file.endsWith(".conf"));

    it("finds the fluentd configs", () => {
        expect(configs.map((file) => path.relative(fluentdDir, file)).sort()).toEqual(expect.arrayContaining(["agent.conf", "forwarder.conf"]));
    });

    it("reads every secret parameter of the fluentd configs from a file, and user names from the environment or a file", () => {
        const literal = configs.flatMap((file) => fs.readFileSync(file, "utf8").split("\n").flatMap((line, i) => {
            const [name, ...rest] = line.replace(/#(?!\{).*$/, "").trim().split(/\s+/);
            const value = rest.join(" ");
            const allowed = secretParameter.test(name) ? fromFile.test(value) : nameParameter.test(name) ? fromFile.test(value) || fromEnvironment.test(value) : true;
            return allowed ? [] : [`${path.relative(root, file)}:${i + 1}: ${line.trim()}`];
        }));
        expect(literal).toEqual([]);
    });

    it("holds no credential-shaped text in the image's build context, the program or the stack config", () => {
        const files = [
            ...filesUnder(fluentdDir),
            ...filesUnder(path.join(root, "components")),
            path.join(root, "index.ts"),
            ...fs.readdirSync(root).filter((name) => /^Pulumi\..*ya?ml$/.test(name)).map((name) => path.join(root, name)),
        ];
        const found = files.flatMap((file) => {
            const text = fs.readFileSync(file, "utf8");
            return credentialShapes.filter(([, shape]) => shape.test(text)).map(([what]) => `${path.relative(root, file)}: ${what}`);
        });
        expect(found).toEqual([]);
    });

    it("keeps the stack config files free of plain values for secret-looking keys (…Password, …Secret, …Key, …Token)", () => {
        const stackFiles = fs.readdirSync(root).filter((name) => /^Pulumi\..*ya?ml$/.test(name));
        const plain = stackFiles.flatMap((name) => fs.readFileSync(path.join(root, name), "utf8").split("\n")
            // `pulumi config set --secret` writes the key alone on its line and `secure: <ciphertext>` under it.
            .filter((line) => /^\s+\S*(password|secret|key|token):\s*\S/i.test(line) && !/^\s*secure:/.test(line))
            .map((line) => `${name}: ${line.trim()}`));
        expect(plain).toEqual([]);
    });
});
