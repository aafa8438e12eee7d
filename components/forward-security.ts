/**
 * The forward protocol's security between the log agent and the forwarders: a certificate authority generated
 * per stack, which issues each forwarder a server certificate for the name the agent reaches it by and the agent
 * a client certificate (mutual TLS: a forwarder accepts only clients with a certificate from this CA), and the
 * shared key both sides prove they know (fluentd's `<security>` handshake). Created once per stack (in the
 * pipeline) and used by both targets; nothing in it is specific to Docker or AWS.
 *
 * Rotation: `pulumi up` replaces a certificate once it is within its early-renewal window of expiry (the
 * provider reports it ready for renewal), or when its names change; the containers that hold it are replaced
 * with it. Replacing the CA (its key or certificate) reissues every certificate and hands the new CA to the
 * agent and the forwarders in the same update.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";

export interface ForwardSecurityArgs {
    /** Hours the CA certificate is valid. Default 87600 (ten years). */
    caValidityHours?: number;
    /** Hours a forwarder's or the agent's certificate is valid. Default 8760 (a year). */
    leafValidityHours?: number;
    /**
     * Hours before expiry from which `pulumi up` replaces a certificate (the CA's and the others alike).
     * Default 720 (30 days): a stack updated at least monthly never runs on an expired certificate.
     */
    earlyRenewalHours?: number;
}

/** What a certificate is for: a forwarder's (server) or the agent's (client). */
export type CertificateUse = "server" | "client";

/** A certificate and its private key. */
export interface IssuedCertificate {
    /** PEM; public. */
    certPem: pulumi.Output<string>;
    /** PEM; secret. */
    privateKeyPem: pulumi.Output<string>;
    /** The names the certificate is valid for. */
    dnsNames: pulumi.Output<string[]>;
}

// ECDSA P-256: what Ruby's OpenSSL (fluentd), Node and openssl all accept, and fast to generate and to handshake.
const keyAlgorithm = { algorithm: "ECDSA", ecdsaCurve: "P256" } as const;

/** The CA and the shared key of the agent-to-forwarder link. */
export class ForwardSecurity extends pulumi.ComponentResource {
    /** The CA certificate (PEM) each end verifies the other's certificate against. Public. */
    public readonly caCertPem: pulumi.Output<string>;
    /** The key both sides of the forward protocol must know (fluentd `<security> shared_key`). Secret. */
    public readonly sharedKey: pulumi.Output<string>;
    private readonly caPrivateKeyPem: pulumi.Output<string>;
    private readonly leafValidityHours: number;
    private readonly earlyRenewalHours: number;

    constructor(name: string, args: ForwardSecurityArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("dle:forward-security:ForwardSecurity", name, {}, opts);
        const caValidityHours = args.caValidityHours ?? 87600;
        this.leafValidityHours = args.leafValidityHours ?? 8760;
        this.earlyRenewalHours = args.earlyRenewalHours ?? 720;
        for (const [key, value] of Object.entries({ caValidityHours, leafValidityHours: this.leafValidityHours, earlyRenewalHours: this.earlyRenewalHours })) {
            if (!Number.isInteger(value) || value < 1) throw new Error(`\`${key}\` must be a positive whole number of hours, got ${value}.`);
        }
        if (this.earlyRenewalHours >= Math.min(caValidityHours, this.leafValidityHours)) {
            throw new Error("`earlyRenewalHours` must be shorter than `caValidityHours` and `leafValidityHours`, or every update would replace the certificates.");
        }

        const caKey = new tls.PrivateKey(`${name}-ca`, keyAlgorithm, { parent: this });
        // The provider marks the key secret in real runs (additionalSecretOutputs); say so here too, so that
        // nothing depends on it (Pulumi's mocks, for one, do not apply it).
        this.caPrivateKeyPem = pulumi.secret(caKey.privateKeyPem);
        const ca = new tls.SelfSignedCert(`${name}-ca`, {
            privateKeyPem: this.caPrivateKeyPem,
            isCaCertificate: true,
            // Signs the forwarders' and the agent's certificates and nothing else: no server or client use of its own.
            allowedUses: ["cert_signing", "crl_signing"],
            subject: { commonName: `${name} forward CA`, organization: "dle" },
            validityPeriodHours: caValidityHours,
            earlyRenewalHours: this.earlyRenewalHours,
            setSubjectKeyId: true,
        }, { parent: this });
        this.caCertPem = ca.certPem;

        // Letters and digits only: the key sits inside a quoted fluentd parameter.
        const sharedKey = new random.RandomPassword(`${name}-shared-key`, { length: 48, special: false }, { parent: this });
        this.sharedKey = pulumi.secret(sharedKey.result);

        this.registerOutputs({ caCertPem: this.caCertPem, sharedKey: this.sharedKey });
    }

    /**
     * Issues a certificate with a key of its own: for a forwarder (`server`), for the names the agent connects to,
     * which the agent checks; for the agent (`client`), for its name. Its resources are children of `parent`, named
     * after `name`.
     */
    issueCertificate(name: string, use: CertificateUse, dnsNames: pulumi.Input<pulumi.Input<string>[]>, parent: pulumi.Resource): IssuedCertificate {
        const opts = { parent };
        const names = pulumi.output(dnsNames);
        const key = new tls.PrivateKey(`${name}-tls`, keyAlgorithm, opts);
        const privateKeyPem = pulumi.secret(key.privateKeyPem);
        const request = new tls.CertRequest(`${name}-tls`, {
            privateKeyPem,
            dnsNames: names,
            subject: { commonName: names.apply((n) => n[0]), organization: "dle" },
        }, opts);
        const cert = new tls.LocallySignedCert(`${name}-tls`, {
            certRequestPem: request.certRequestPem,
            caCertPem: this.caCertPem,
            caPrivateKeyPem: this.caPrivateKeyPem,
            allowedUses: ["digital_signature", use === "server" ? "server_auth" : "client_auth"],
            validityPeriodHours: this.leafValidityHours,
            earlyRenewalHours: this.earlyRenewalHours,
            setSubjectKeyId: true,
        }, opts);
        return { certPem: cert.certPem, privateKeyPem, dnsNames: names };
    }
}
