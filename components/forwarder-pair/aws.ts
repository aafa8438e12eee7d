import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { cloudMapCustomHealthCheckFailureThreshold } from "../constraints";
import { FargateContainer } from "../fargate-container";
import { CloudWatchLogsEndpoint } from "../endpoints";
import { ecsEnvironment, fluentdContainer, fluentdHealthcheck, fluentdWritablePaths, forwarderEnv, pemFileEnv } from "../fluentd-env";
import { On } from "../platform";
import { stackLabel } from "../stack-names";
import { AwsPlatform } from "../platform/aws";
import { FargateEfsVolume, ecsSecret, fargateService } from "../platform/aws-service";
import { metricsCollector } from "../monitoring/aws-collector";
import { forwarderSearchActions } from "../search/aws";
import { ForwarderRole, createForwarderBuffers } from "./aws-buffers";
import { ForwarderPairArgs, ForwarderPairOutputs } from "./args";

/** The container's name in each forwarder task. */
export const forwarderContainerName = "forwarder";

/** Seconds between SIGTERM and SIGKILL: time to flush the file buffers to the sinks (flush_at_shutdown). */
const stopTimeoutSeconds = 120;

/**
 * With buffers on EFS, one task at a time on a role's buffer directory: ECS stops the old task before it starts the
 * new one (desiredCount 1, so at most 100 % = one task running or pending, at least 0 % = none), whether it deploys
 * or replaces an unhealthy task. With ECS's defaults (100/200) the new task would start beside the old one, and two
 * fluentd processes would restore and append to the same chunk files. ECS counts a stopping task as gone, though
 * (aws/containers-roadmap#959), so the new task may start while the old one still flushes, for up to its stop timeout:
 * fluentd/dle-entrypoint.sh holds it until the old fluentd has let go of the directory's lock. The deployment circuit
 * breaker's rollback (fargateService) deploys under the same bounds.
 */
const oneWriterDeployment = { minimumHealthyPercent: 0, maximumPercent: 100 };

/**
 * Two Fargate services of one task each (the seed's -pri and -sec), named in a Cloud Map private DNS namespace
 * (`primary.<namespace>`, `secondary.<namespace>`), running fluentd/forwarder.conf as the forwarders' task role.
 * Their file buffers live on EFS, each role in its own directory, so that a replacement task delivers what the old one
 * acknowledged (components/forwarder-pair/aws-buffers.ts), or on the task's ephemeral storage, which dies with it
 * (dle:forwarderBufferStorage, dle:forwarderEphemeralStorageGb).
 *
 * Each has a TLS certificate for its Cloud Map name. Fargate cannot upload files into a container, so ECS hands
 * the CA and the certificate (public, plain variables) and its key (a Secrets Manager secret, like the shared key)
 * to the container as environment variables, and the image's entrypoint (fluentd/dle-entrypoint.sh) writes them to the
 * files forwarder.conf names before fluentd starts.
 */
export function createAwsForwarderPair(name: string, parent: pulumi.Resource, args: On<ForwarderPairArgs, AwsPlatform>): ForwarderPairOutputs {
    const { config, platform, store, search, archive, sql, security } = args;
    const opts = { parent };
    const secretArn = store.connectionStringSecretArn;
    const searchAuth = search.auth;
    const archiveAccess = archive.access;
    if (secretArn === undefined || searchAuth.kind !== "aws-sigv4" || archiveAccess.kind !== "aws-default-credentials") {
        throw new Error(`The aws forwarder pair \`${name}\` needs the aws store, search and archive endpoints (a secret connection string, SigV4, the task role).`);
    }
    if (sql !== undefined && sql.passwordSecretArn === undefined) {
        throw new Error(`The aws forwarder pair \`${name}\` needs the aws sql endpoint (its password in Secrets Manager).`);
    }
    const sinksPolicy = grantSinks(name, platform.forwarderTaskRole, searchAuth.domainArn, archiveAccess.bucketArn, archive.keyPrefix, args.cloudwatch, parent);

    // One secret read by the agent (in every webapp task) and both forwarders.
    const sharedKeySecretArn = ecsSecret(`${name}-shared-key`, "dle: the forward protocol's shared key (agent and forwarders)", security.sharedKey, parent);

    const bufferVolumes = config.aws.forwarderBufferStorage === "efs"
        ? createForwarderBuffers(name, platform, config.aws.forwarderBufferBackup, parent)
        : undefined;
    /** Where a role's task keeps its buffers: in its EFS directory, or on its ephemeral storage. */
    const bufferStorage = (volume: FargateEfsVolume | undefined) => volume === undefined
        ? {
            service: { ephemeralStorageGb: config.aws.forwarderEphemeralStorageGb },
            // The buffers on the task's storage: the image's VOLUME, so Fargate copies in its ownership (fluent's).
            container: { startPeriodSeconds: 30, writablePaths: [...fluentdWritablePaths, fluentdContainer.bufferDir] },
        }
        : {
            // Fargate's free 20 GiB hold the image; the buffers are on EFS.
            service: { efsVolumes: [volume], deployment: oneWriterDeployment },
            container: {
                mountPoints: [{ sourceVolume: volume.name, containerPath: fluentdContainer.bufferDir }],
                writablePaths: [...fluentdWritablePaths],
                // A replacement may wait up to the old task's stop timeout for its lock before fluentd starts.
                startPeriodSeconds: stopTimeoutSeconds + 30,
            },
        };

    const namespace = new aws.servicediscovery.PrivateDnsNamespace(name, {
        // A private zone per stack: two stacks in one VPC (dle:awsVpcId) cannot both have the same zone.
        name: `${name}.${stackLabel()}.internal`,
        vpc: platform.vpcId,
        description: "dle: the forwarders' private DNS names, for the log agents",
    }, opts);

    // Each forwarder's metrics collector, which scrapes it in its task and publishes to CloudWatch. Both write through the
    // one task role, so each service waits for every policy of that role, its sibling's collector's included.
    const collectors: Record<ForwarderRole, FargateContainer> = {
        primary: metricsCollector(`${name}-pri`, { config, platform, role: "primary", taskRole: platform.forwarderTaskRole }, parent),
        secondary: metricsCollector(`${name}-sec`, { config, platform, role: "secondary", taskRole: platform.forwarderTaskRole }, parent),
    };
    const taskRolePolicies = [sinksPolicy, ...Object.values(collectors).flatMap((c) => c.requires ?? [])];

    const forwarder = (role: ForwarderRole, suffix: string) => {
        const serviceName = `${name}-${suffix}`;
        const discovery = new aws.servicediscovery.Service(serviceName, {
            name: role,
            dnsConfig: {
                namespaceId: namespace.id,
                // A short TTL: a replaced task's new address is found within seconds (the agent re-resolves every minute).
                dnsRecords: [{ type: "A", ttl: 10 }],
                routingPolicy: "MULTIVALUE",
            },
            // ECS reports the container health check's result, so an unhealthy task leaves DNS. The threshold is the value
            // AWS stores (and the only one it takes): an empty block is never sent, never read back, and forces a
            // replacement on every preview (hashicorp/terraform-provider-aws#44285).
            healthCheckCustomConfig: { failureThreshold: cloudMapCustomHealthCheckFailureThreshold },
        }, opts);
        // The name the agent connects to, which the certificate must carry.
        const dnsName = pulumi.interpolate`${discovery.name}.${namespace.name}`;
        const certificate = security.issueCertificate(serviceName, "server", [dnsName], parent);
        const keySecretArn = ecsSecret(`${serviceName}-tls-key`, `dle: the ${role} forwarder's TLS private key`, certificate.privateKeyPem, parent);
        const env = {
            ...forwarderEnv(config, role, args, { selfHostname: dnsName, sharedKey: security.sharedKey }),
            ...pemFileEnv({ FORWARD_TLS_CA_PATH: security.caCertPem, FORWARD_TLS_CERT_PATH: certificate.certPem, FORWARD_TLS_KEY_PATH: certificate.privateKeyPem }),
        };
        const storage = bufferStorage(bufferVolumes?.[role]);
        const { service } = fargateService(serviceName, {
            platform,
            cpu: config.aws.forwarderCpu,
            memoryMb: config.aws.forwarderMemoryMb,
            ...storage.service,
            desiredCount: 1,
            securityGroupId: platform.securityGroups.forwarder,
            repositoryArns: [platform.fluentdRepositoryArn],
            taskRole: platform.forwarderTaskRole,
            taskRolePolicies,
            serviceRegistryArn: discovery.arn,
            containers: [{
                name: forwarderContainerName,
                image: platform.fluentdImage,
                // The connection string (with the password), the sql sink's password, the shared key and the TLS key: ECS reads them from
                // Secrets Manager at task start, so they never appear in the task definition.
                environment: ecsEnvironment(env, {
                    STORE_CONNECTION_STRING: secretArn,
                    FORWARD_SHARED_KEY: sharedKeySecretArn,
                    FORWARD_TLS_KEY_PEM: keySecretArn,
                    ...(sql?.passwordSecretArn === undefined ? {} : { SQL_PASSWORD: sql.passwordSecretArn }),
                }),
                // TCP only: the agent's heartbeats go over TLS too (heartbeat_type transport in agent.conf).
                portMappings: [{ containerPort: fluentdContainer.forwardPort, protocol: "tcp" }],
                healthcheck: fluentdHealthcheck,
                ...storage.container,
                stopTimeoutSeconds,
            }, collectors[role]],
        }, parent);
        return {
            // An Output of the service too: the agent is created once the forwarder is up.
            host: pulumi.all([discovery.name, namespace.name, service.name]).apply(([record, zone]) => `${record}.${zone}`),
            serviceName: service.name,
        };
    };
    const primary = forwarder("primary", "pri");
    const secondary = forwarder("secondary", "sec");
    const port = pulumi.output(fluentdContainer.forwardPort);
    // The agent's client certificate, which the forwarders require; its key is read by the agent in every webapp task.
    const agentCertificate = security.issueCertificate(`${name}-agent`, "client", [fluentdContainer.agentSelfHostname], parent);
    const agentKeySecretArn = ecsSecret(`${name}-agent-tls-key`, "dle: the log agent's TLS private key", agentCertificate.privateKeyPem, parent);
    return {
        endpoints: {
            primary: { host: primary.host, port },
            secondary: { host: secondary.host, port },
            security: {
                caCertPem: security.caCertPem,
                clientCertPem: agentCertificate.certPem,
                clientKeyPem: agentCertificate.privateKeyPem,
                sharedKey: security.sharedKey,
                secretArns: { sharedKey: sharedKeySecretArn, clientKey: agentKeySecretArn },
            },
        },
        primaryName: primary.serviceName,
        secondaryName: secondary.serviceName,
    };
}

/**
 * The CloudWatch Logs calls of the cloudwatch sink's output (fluent-plugin-cloudwatch-logs): on the stack's groups and
 * their streams (`<group ARN>:*`) only; and DescribeLogGroups, with which the output checks that a group exists,
 * which IAM cannot narrow to some groups (it takes the account's `log-group:*`), and which lists names, never events.
 */
export function cloudwatchStatements(cloudwatch: CloudWatchLogsEndpoint): Record<string, unknown>[] {
    const groupArns = cloudwatch.groups.map((g) => pulumi.interpolate`${g.arn}:*`);
    return [
        { Sid: "CloudWatchLogsWrite", Effect: "Allow", Action: ["logs:PutLogEvents", "logs:CreateLogStream", "logs:DescribeLogStreams"], Resource: groupArns },
        {
            Sid: "CloudWatchLogsGroupCheck", Effect: "Allow", Action: ["logs:DescribeLogGroups"],
            Resource: cloudwatch.groups[0].arn.apply((arn) => arn.replace(/:log-group:.*$/, ":log-group:*")),
        },
    ];
}

/** The task role's identity policies: the archive's key prefix, the search domain and the cloudwatch sink's groups, nothing else. */
function grantSinks(name: string, role: aws.iam.Role, domainArn: pulumi.Output<string>, bucketArn: pulumi.Output<string>, keyPrefix: string,
    cloudwatch: CloudWatchLogsEndpoint | undefined, parent: pulumi.Resource): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(`${name}-sinks`, {
        role: role.id,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                // fluent-plugin-s3 uploads objects and, with check_object, asks whether the next numbered key exists.
                { Sid: "ArchiveObjects", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: pulumi.interpolate`${bucketArn}/${keyPrefix}*` },
                // Without ListBucket S3 answers that existence check with 403 instead of 404, and the upload fails.
                // HeadObject carries no prefix condition key, so the permission is on the bucket as a whole.
                { Sid: "ArchiveExistenceChecks", Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketArn },
                // Bulk indexing and index creation; the domain's access policy names this role too.
                { Sid: "SearchIndexing", Effect: "Allow", Action: forwarderSearchActions, Resource: [domainArn, pulumi.interpolate`${domainArn}/*`] },
                ...(cloudwatch === undefined ? [] : cloudwatchStatements(cloudwatch)),
            ],
        }),
    }, { parent });
}
