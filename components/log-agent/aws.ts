import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AgentEndpoint } from "../endpoints";
import { agentEnv, ecsEnvironment, fluentdContainer, fluentdHealthcheck, fluentdUserEnv, fluentdWritablePaths, pemFileEnv } from "../fluentd-env";
import { On } from "../platform";
import { stackLogGroupName } from "../stack-names";
import { AwsPlatform } from "../platform/aws";
import { LogAgentArgs } from "./args";

/** The log router's container name in each webapp task. */
export const logRouterContainerName = "log-router";

/**
 * The agent as a FireLens log router: the project's fluentd image in each webapp task, where FireLens generates
 * fluent.conf (a unix-socket and a forward source for the awsfirelens log driver) and @includes fluentd/agent.conf,
 * the same file as locally. The agent's own logs go to a log group of its own.
 *
 * FireLens's sources (the unix socket and the forward port 24224 inside the task) stay as FireLens makes them, without
 * TLS: the webapp's security group lets nothing in on 24224, so only the task's own containers reach them. Towards
 * the forwarders the agent uses mutual TLS (the forwarders' certificates verified against the stack's CA; its own
 * client certificate presented) and the shared key. ECS hands the CA and the certificate over as variables, which
 * the image's entrypoint writes to files (Fargate cannot upload files), and reads the key and the shared key from
 * Secrets Manager.
 */
export function createAwsLogAgent(name: string, parent: pulumi.Resource, args: On<LogAgentArgs, AwsPlatform>): { endpoint: AgentEndpoint; containerName: pulumi.Output<string> } {
    const { config, platform } = args;
    const { security } = args.forwarders;
    const secretArns = security.secretArns;
    if (secretArns === undefined) {
        throw new Error(`The aws log agent \`${name}\` needs the shared key and its TLS key as Secrets Manager secrets (\`forwarders.security.secretArns\`).`);
    }
    const logGroup = new aws.cloudwatch.LogGroup(name, {
        name: stackLogGroupName(name),
        retentionInDays: platform.logRetentionDays,
    }, { parent });
    return {
        endpoint: {
            // Inside the webapp's task: FireLens's forward source listens there (the log driver uses its socket).
            host: logGroup.name.apply(() => "127.0.0.1"),
            port: pulumi.output(fluentdContainer.forwardPort),
            // The task's other containers (the api) send their records to the same FireLens forward source, which adds
            // no tag prefix: they tag them app.<application> themselves.
            appInput: { host: pulumi.output("127.0.0.1"), port: pulumi.output(fluentdContainer.forwardPort) },
            appTagPrefix: fluentdContainer.appTagPrefix,
            sidecar: {
                name: logRouterContainerName,
                image: platform.fluentdImage,
                environment: ecsEnvironment(
                    {
                        ...agentEnv(config, args.forwarders),
                        ...pemFileEnv({ FORWARD_TLS_CA_PATH: security.caCertPem, FORWARD_TLS_CERT_PATH: security.clientCertPem, FORWARD_TLS_KEY_PATH: security.clientKeyPem }),
                        // fluentd stays root: FireLens creates its socket in /var/run, which fluent cannot write.
                        [fluentdUserEnv]: "root",
                    },
                    { FORWARD_SHARED_KEY: secretArns.sharedKey, FORWARD_TLS_KEY_PEM: secretArns.clientKey },
                ),
                firelensConfiguration: {
                    type: "fluentd",
                    // Fargate reads a FireLens config only from a file in the image ("s3" is EC2-only).
                    options: { "config-file-type": "file", "config-file-value": fluentdContainer.agentConfPath },
                },
                healthcheck: fluentdHealthcheck,
                startPeriodSeconds: 30,
                // FireLens creates its socket in /var/run, which the image's unprivileged user cannot write (the image
                // starts as root too; said here because FireLens requires it).
                user: "0",
                logGroup,
                // Time to hand the file buffer to a forwarder (flush_at_shutdown) before the task's storage goes.
                stopTimeoutSeconds: 120,
                // Its buffers on the task's storage, and FireLens's socket directory.
                writablePaths: [...fluentdWritablePaths, fluentdContainer.bufferDir, "/var/run"],
            },
        },
        containerName: pulumi.output(logRouterContainerName),
    };
}
