import * as pulumi from "@pulumi/pulumi";
import { AgentEndpoint } from "../endpoints";
import { agentEnv, dockerFluentd, fluentdContainer, fluentdHealthcheck, fluentdWritablePaths } from "../fluentd-env";
import { secretUploads, fluentdTlsUploads, localContainer, localVolume, publishedHost } from "../platform/local-container";
import { LogAgentArgs } from "./args";
import { LocalPlatform } from "../platform/local";
import { On } from "../platform";

/**
 * The agent container. Docker's log driver connects from the host's network namespace, not from the
 * stack's network, so the agent publishes its forward port on 127.0.0.1. That input stays plain forward, without
 * TLS or a shared key: Docker's fluentd log driver supports neither, and only local processes reach 127.0.0.1.
 * Applications that log straight to the agent (the api) use a second forward port that is not published: only the
 * stack's containers reach it.
 * Towards the forwarders the agent uses mutual TLS: it verifies their certificates against the stack's CA and
 * presents its own client certificate (all three files uploaded here).
 */
export function createLocalLogAgent(name: string, parent: pulumi.Resource, args: On<LogAgentArgs, LocalPlatform>): { endpoint: AgentEndpoint; containerName: pulumi.Output<string> } {
    const { security } = args.forwarders;
    const { envs, secretFiles } = dockerFluentd(agentEnv(args.config, args.forwarders));
    const agent = localContainer(name, {
        platform: args.platform,
        image: args.platform.fluentdImage,
        alias: "log-agent",
        envs,
        healthcheck: fluentdHealthcheck,
        publish: [{ internal: fluentdContainer.forwardPort, external: args.config.ports.agent }],
        uploads: [
            ...fluentdTlsUploads(security.caCertPem, { certPem: security.clientCertPem, privateKeyPem: security.clientKeyPem }),
            // The shared key, as a file.
            ...secretUploads(secretFiles),
        ],
        volumes: [{ volume: localVolume(`${name}-buffer`, parent), containerPath: fluentdContainer.bufferDir }],
        // The uploads' directories and fluentd's temporary files.
        writablePaths: fluentdWritablePaths,
    }, parent);
    return {
        endpoint: {
            host: agent.host.apply(() => publishedHost),
            port: pulumi.output(args.config.ports.agent),
            // Not published: applications on the stack's network reach it by the agent's alias.
            appInput: { host: agent.host, port: pulumi.output(fluentdContainer.appPort) },
        },
        containerName: agent.container.name,
    };
}
