import * as pulumi from "@pulumi/pulumi";
import { fluentdContainer, fluentdHealthcheck, dockerEnvs, forwarderEnv } from "../fluentd-env";
import { LocalContainer, localContainer, localVolume } from "../platform/local-container";
import { ForwarderPairArgs, ForwarderPairOutputs } from "./index";
import { LocalPlatform } from "../platform/local";
import { On } from "../platform";

/** Two forwarder containers (the seed's -pri and -sec), each with its own buffer volume. */
export function createLocalForwarderPair(name: string, parent: pulumi.Resource, args: On<ForwarderPairArgs, LocalPlatform>): ForwarderPairOutputs {
    const forwarder = (role: "primary" | "secondary", suffix: string, after?: LocalContainer): LocalContainer => {
        const containerName = `${name}-${suffix}`;
        return localContainer(containerName, {
            platform: args.platform,
            image: args.platform.fluentdImage,
            alias: `forwarder-${role}`,
            envs: dockerEnvs(forwarderEnv(args.config, role, args)),
            healthcheck: fluentdHealthcheck,
            volumes: [{ volume: localVolume(`${containerName}-buffer`, parent), containerPath: fluentdContainer.bufferDir }],
            after: after ? [after.container] : undefined,
        }, parent);
    };
    const primary = forwarder("primary", "pri");
    // The secondary starts once the primary is healthy: at start each forwarder's S3 output creates the
    // bucket if it is missing, and two creating it at once make one fail with BucketAlreadyExists.
    const secondary = forwarder("secondary", "sec", primary);
    const port = pulumi.output(fluentdContainer.forwardPort);
    return {
        endpoints: {
            primary: { host: primary.host, port },
            secondary: { host: secondary.host, port },
        },
        primaryName: primary.container.name,
        secondaryName: secondary.container.name,
    };
}
