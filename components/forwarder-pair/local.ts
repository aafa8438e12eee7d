import * as pulumi from "@pulumi/pulumi";
import { dockerFluentd, fluentdContainer, fluentdHealthcheck, fluentdWritablePaths, forwarderEnv } from "../fluentd-env";
import { LocalContainer, secretUploads, fluentdTlsUploads, localContainer, localVolume } from "../platform/local-container";
import { ForwarderPairArgs, ForwarderPairOutputs } from "./args";
import { LocalPlatform } from "../platform/local";
import { On } from "../platform";

/**
 * Two forwarder containers (the seed's -pri and -sec), each with its own buffer volume, and its own TLS
 * certificate for its network alias (the name the agent reaches it by), uploaded into the container with its key
 * and the CA. The agent's client certificate is issued here too: the pair says whom it admits.
 */
export function createLocalForwarderPair(name: string, parent: pulumi.Resource, args: On<ForwarderPairArgs, LocalPlatform>): ForwarderPairOutputs {
    const { security } = args;
    const forwarder = (role: "primary" | "secondary", suffix: string, after?: LocalContainer): LocalContainer => {
        const containerName = `${name}-${suffix}`;
        const alias = `forwarder-${role}`;
        const certificate = security.issueCertificate(containerName, "server", [alias], parent);
        const { envs, secretFiles } = dockerFluentd(forwarderEnv(args.config, role, args, { selfHostname: alias, sharedKey: security.sharedKey }));
        return localContainer(containerName, {
            platform: args.platform,
            image: args.platform.fluentdImage,
            alias,
            envs,
            // The TLS files, and the shared key and the sinks' credentials as files.
            uploads: [...fluentdTlsUploads(security.caCertPem, certificate), ...secretUploads(secretFiles)],
            healthcheck: fluentdHealthcheck,
            volumes: [{ volume: localVolume(`${containerName}-buffer`, parent), containerPath: fluentdContainer.bufferDir }],
            // The uploads' directories and fluentd's temporary files.
            writablePaths: fluentdWritablePaths,
            after: after ? [after.container] : undefined,
            // The archive's credentials endpoint's network: where its AWS SDK gets the archive's keys.
            moreNetworks: args.archive.access.kind === "keys" ? [args.archive.access.credentialsEndpoint.network] : undefined,
        }, parent);
    };
    const primary = forwarder("primary", "pri");
    // The secondary starts once the primary is healthy: at start each forwarder's S3 output creates the
    // bucket if it is missing, and two creating it at once make one fail with BucketAlreadyExists.
    const secondary = forwarder("secondary", "sec", primary);
    const port = pulumi.output(fluentdContainer.forwardPort);
    const agentCertificate = security.issueCertificate(`${name}-agent`, "client", [fluentdContainer.agentSelfHostname], parent);
    return {
        endpoints: {
            primary: { host: primary.host, port },
            secondary: { host: secondary.host, port },
            security: { caCertPem: security.caCertPem, clientCertPem: agentCertificate.certPem, clientKeyPem: agentCertificate.privateKeyPem, sharedKey: security.sharedKey },
        },
        primaryName: primary.container.name,
        secondaryName: secondary.container.name,
    };
}
