/**
 * Real TLS certificates for tests that run fluentd with the project's configs: the stacks generate theirs with
 * @pulumi/tls (components/forward-security.ts), which Pulumi's mocks only imitate, so the tests make theirs with
 * openssl, in the same shape: an ECDSA P-256 CA (CA:TRUE, keyCertSign) and the certificates it signs, each for
 * one DNS name (subjectAltName): serverAuth for a forwarder, clientAuth for the agent.
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { findOnPath } from "./tools";

export function findOpenssl(): string | undefined {
    return process.env.OPENSSL || findOnPath("openssl");
}

export interface KeyPair {
    /** PEM file of the certificate. */
    cert: string;
    /** PEM file of its private key (mode 0600). */
    key: string;
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** A self-signed CA in `dir`, as `<name>.crt` and `<name>.key`. */
export function makeCa(openssl: string, dir: string, name: string): KeyPair {
    const pair = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
    execFileSync(openssl, [
        "req", "-x509", ...ecKey, "-keyout", pair.key, "-out", pair.cert, "-days", "2", "-subj", `/O=dle tests/CN=${name}`,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ], { stdio: "pipe" });
    fs.chmodSync(pair.key, 0o600);
    return pair;
}

/** A forwarder's (`server`) or the agent's (`client`) certificate for `dnsName`, signed by `ca`, in `dir` as `<name>.crt` and `<name>.key`. */
export function makeCert(openssl: string, dir: string, ca: KeyPair, name: string, dnsName: string, use: "server" | "client"): KeyPair {
    const pair = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
    const request = path.join(dir, `${name}.csr`);
    const extensions = path.join(dir, `${name}.ext`);
    execFileSync(openssl, ["req", "-new", ...ecKey, "-keyout", pair.key, "-out", request, "-subj", `/O=dle tests/CN=${dnsName}`], { stdio: "pipe" });
    fs.writeFileSync(extensions, [
        `subjectAltName=DNS:${dnsName}`, "basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature", `extendedKeyUsage=${use === "server" ? "serverAuth" : "clientAuth"}`,
    ].join("\n"));
    execFileSync(openssl, [
        "x509", "-req", "-in", request, "-CA", ca.cert, "-CAkey", ca.key, "-set_serial", `0x${crypto.randomBytes(8).toString("hex")}`,
        "-days", "2", "-extfile", extensions, "-out", pair.cert,
    ], { stdio: "pipe" });
    fs.chmodSync(pair.key, 0o600);
    return pair;
}

export interface ForwardCerts {
    /** The CA both ends trust (FORWARD_TLS_CA_PATH). */
    ca: KeyPair;
    /** A forwarder's certificate for `hostname` from that CA (its FORWARD_TLS_CERT_PATH, FORWARD_TLS_KEY_PATH). */
    server: KeyPair;
    /** The agent's client certificate from that CA (its FORWARD_TLS_CERT_PATH, FORWARD_TLS_KEY_PATH). */
    client: KeyPair;
    /** The name the server certificate is for. */
    hostname: string;
}

/** A CA, a server certificate for `hostname` (default "localhost", which the loopback agent connects to) and a client certificate. */
export function makeForwardCerts(openssl: string, dir: string, hostname = "localhost"): ForwardCerts {
    fs.mkdirSync(dir, { recursive: true });
    const ca = makeCa(openssl, dir, "forward-ca");
    return { ca, server: makeCert(openssl, dir, ca, "forwarder", hostname, "server"), client: makeCert(openssl, dir, ca, "agent", "log-agent", "client"), hostname };
}

/**
 * A copy of fluentd/dle-entrypoint.sh in `dir` that runs its arguments instead of the image's entrypoint
 * (/bin/entrypoint.sh, which exists only in the image): the tests run the real script, then fluentd.
 */
export function entrypointForTests(fluentdDir: string, dir: string): string {
    const original = fs.readFileSync(path.join(fluentdDir, "dle-entrypoint.sh"), "utf8");
    const next = 'set -- /bin/entrypoint.sh "$@"';
    if (original.split(next).length !== 2 || original.split("/bin/entrypoint.sh").length !== 2) {
        throw new Error(`dle-entrypoint.sh no longer runs the image's entrypoint once, with \`${next}\``);
    }
    const copy = path.join(dir, "dle-entrypoint.sh");
    fs.writeFileSync(copy, original.replace(next, "# (the test runs its own command next)"), { mode: 0o755 });
    return copy;
}
