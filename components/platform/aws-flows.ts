/**
 * The aws stack's security groups and every network flow they allow: the whole firewall in one table.
 * Each flow between two groups becomes an ingress rule on the receiver (from the sender's group only) and
 * an egress rule on the sender; nothing else is allowed in. The data services' groups allow no egress at all.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AwsSettings } from "../config";
import { fluentdContainer } from "../fluentd-env";

/**
 * Who has a security group: the load balancer, the two kinds of task, the two data services, the dashboards importer,
 * the forwarders' buffer file system (its EFS mount targets; only with dle:forwarderBufferStorage efs), the canary's
 * task (only with dle:canary true), and the sql sink's RDS instance (only with `sql` in dle:sinks).
 */
export type FlowGroup = "alb" | "webapp" | "forwarder" | "store" | "search" | "dashboards" | "buffers" | "canary" | "sql";
export const flowGroups: readonly FlowGroup[] = ["alb", "webapp", "forwarder", "store", "search", "dashboards", "buffers", "canary", "sql"];

export interface Flow {
    /** A group, or "internet" for the public. */
    from: FlowGroup | "internet";
    /** A group, or "aws-apis" for AWS's public HTTPS endpoints (through the NAT gateways or the S3 endpoint). */
    to: FlowGroup | "aws-apis";
    protocol: "tcp" | "udp";
    port: number;
    /** The rules' description: EC2 takes no apostrophe there (components/constraints.ts, securityGroupDescription). */
    why: string;
    /** Only on a stack with HTTPS (dle:albCertificateArn): otherwise nothing listens there. */
    onlyWithHttps?: true;
}

const forward = fluentdContainer.forwardPort;
export const webappHttpPort = 80;
/** The load balancer's HTTPS listener, with dle:albCertificateArn. */
export const webappHttpsPort = 443;
export const storePort = 27017;
export const searchHttpsPort = 443;
/** The sql sink's RDS port: not PostgreSQL's default 5432 (FSBP RDS.23). */
export const sqlPort = 5433;
/** NFS, which EFS mount targets answer on (TLS included: the mount helper wraps NFS in TLS on the same port). */
export const nfsPort = 2049;

export const flows: readonly Flow[] = [
    // With HTTPS, port 80 only redirects to 443.
    { from: "internet", to: "alb", protocol: "tcp", port: webappHttpPort, why: "the page, for everyone (with HTTPS a redirect to it)" },
    { from: "internet", to: "alb", protocol: "tcp", port: webappHttpsPort, why: "the page over HTTPS, for everyone", onlyWithHttps: true },
    { from: "alb", to: "webapp", protocol: "tcp", port: webappHttpPort, why: "requests and health checks to nginx" },
    // TCP only: the forward protocol runs over TLS, and so do the agent's heartbeats (heartbeat_type transport in agent.conf).
    { from: "webapp", to: "forwarder", protocol: "tcp", port: forward, why: "the agent forward protocol over TLS, with acks and heartbeats" },
    { from: "forwarder", to: "store", protocol: "tcp", port: storePort, why: "DocumentDB, TLS" },
    { from: "forwarder", to: "search", protocol: "tcp", port: searchHttpsPort, why: "OpenSearch, HTTPS" },
    { from: "forwarder", to: "sql", protocol: "tcp", port: sqlPort, why: "RDS for PostgreSQL, TLS" },
    { from: "dashboards", to: "search", protocol: "tcp", port: searchHttpsPort, why: "the import of the saved objects into OpenSearch Dashboards, HTTPS" },
    { from: "forwarder", to: "buffers", protocol: "tcp", port: nfsPort, why: "the file buffers of the forwarders on EFS, NFS over TLS" },
    { from: "webapp", to: "aws-apis", protocol: "tcp", port: 443, why: "image pulls from ECR, the logs of fluentd and nginx to CloudWatch" },
    { from: "forwarder", to: "aws-apis", protocol: "tcp", port: 443, why: "S3 uploads, ECR, CloudWatch Logs, the Secrets Manager secret" },
    { from: "canary", to: "forwarder", protocol: "tcp", port: forward, why: "the log router (the agent) of the canary task: its events, as from the webapp tasks" },
    { from: "canary", to: "store", protocol: "tcp", port: storePort, why: "the canary reads its events back from DocumentDB, TLS" },
    { from: "canary", to: "search", protocol: "tcp", port: searchHttpsPort, why: "the canary reads its events back from OpenSearch, HTTPS" },
    { from: "canary", to: "aws-apis", protocol: "tcp", port: 443, why: "S3 reads, CloudWatch metrics and logs, ECR, the Secrets Manager secrets" },
];

/** Every group's ID; the buffers', the canary's and the sql sink's only where the stack has them. */
export type SecurityGroupIds = Record<Exclude<FlowGroup, "buffers" | "canary" | "sql">, pulumi.Output<string>>
    & { buffers?: pulumi.Output<string>; canary?: pulumi.Output<string>; sql?: pulumi.Output<string> };

/** What decides which groups a stack has, besides the always-present ones. */
export interface SecurityGroupSettings extends Pick<AwsSettings, "verifierSecurityGroupId" | "forwarderBufferStorage" | "albCertificateArn"> {
    /** Whether the stack runs the canary (dle:canary). */
    canary: boolean;
    /** Whether the stack has the sql sink (`sql` in dle:sinks). */
    sql: boolean;
}

/**
 * Creates the groups and the rules. `verifierSecurityGroupId` (e.g. a bastion's) may additionally reach the
 * store, the search sink and the sql sink, for the verification suite; without it nothing but the forwarders (and the canary) can.
 * The buffers' group, and its flows, only with `forwarderBufferStorage` efs: with ephemeral storage there is no file
 * system; the canary's only with the canary; the load balancer's 443 only with `albCertificateArn`.
 */
export function createSecurityGroups(name: string, vpcId: pulumi.Input<string>, settings: SecurityGroupSettings, parent: pulumi.Resource): SecurityGroupIds {
    const opts = { parent };
    const present = flowGroups.filter((group) => (group !== "buffers" || settings.forwarderBufferStorage === "efs") && (group !== "canary" || settings.canary)
        && (group !== "sql" || settings.sql));
    const groups: Partial<Record<FlowGroup, aws.ec2.SecurityGroup>> = Object.fromEntries(present.map((group) => [group, new aws.ec2.SecurityGroup(`${name}-${group}`, {
        vpcId,
        description: `dle ${group}: only the flows in components/platform/aws-flows.ts`,
        // No inline rules: the provider then also removes AWS's default allow-all egress rule.
        tags: { Name: `${name}-${group}` },
    }, opts)]));
    const idOf = (group: FlowGroup) => groups[group]!.id;

    const everywhere = "0.0.0.0/0";
    for (const flow of flows) {
        const ends = [flow.from, flow.to].filter((end): end is FlowGroup => end !== "internet" && end !== "aws-apis");
        // A flow of a group this stack does not have (the buffers', with ephemeral storage; the canary's or the sql sink's, without it).
        if (!ends.every((end) => groups[end])) continue;
        if (flow.onlyWithHttps && settings.albCertificateArn === undefined) continue;
        const id = `${name}-${flow.from}-to-${flow.to}-${flow.protocol}-${flow.port}`;
        const rule = { ipProtocol: flow.protocol, fromPort: flow.port, toPort: flow.port, description: flow.why };
        if (flow.to !== "aws-apis") {
            new aws.vpc.SecurityGroupIngressRule(`${id}-in`, {
                ...rule,
                securityGroupId: idOf(flow.to),
                ...(flow.from === "internet" ? { cidrIpv4: everywhere } : { referencedSecurityGroupId: idOf(flow.from) }),
            }, opts);
        }
        if (flow.from !== "internet") {
            new aws.vpc.SecurityGroupEgressRule(`${id}-out`, {
                ...rule,
                securityGroupId: idOf(flow.from),
                ...(flow.to === "aws-apis" ? { cidrIpv4: everywhere } : { referencedSecurityGroupId: idOf(flow.to) }),
            }, opts);
        }
    }
    if (settings.verifierSecurityGroupId !== undefined) {
        for (const [to, port] of [["store", storePort], ["search", searchHttpsPort], ["sql", sqlPort]] as const) {
            if (!groups[to]) continue;
            new aws.vpc.SecurityGroupIngressRule(`${name}-verifier-to-${to}-in`, {
                ipProtocol: "tcp", fromPort: port, toPort: port,
                securityGroupId: idOf(to),
                referencedSecurityGroupId: settings.verifierSecurityGroupId,
                description: "the verification suite (dle:verifierSecurityGroupId)",
            }, opts);
        }
    }
    return Object.fromEntries(present.map((group) => [group, idOf(group)])) as SecurityGroupIds;
}
