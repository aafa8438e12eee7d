/**
 * The aws stack's security groups and every network flow they allow: the whole firewall in one table.
 * Each flow between two groups becomes an ingress rule on the receiver (from the sender's group only) and
 * an egress rule on the sender; nothing else is allowed in. The data services' groups allow no egress at all.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { fluentdContainer } from "../fluentd-env";

/** Who has a security group: the load balancer, the two kinds of task, the two data services, and the dashboards importer. */
export type FlowGroup = "alb" | "webapp" | "forwarder" | "store" | "search" | "dashboards";
export const flowGroups: readonly FlowGroup[] = ["alb", "webapp", "forwarder", "store", "search", "dashboards"];

export interface Flow {
    /** A group, or "internet" for the public. */
    from: FlowGroup | "internet";
    /** A group, or "aws-apis" for AWS's public HTTPS endpoints (through the NAT gateways or the S3 endpoint). */
    to: FlowGroup | "aws-apis";
    protocol: "tcp" | "udp";
    port: number;
    why: string;
}

const forward = fluentdContainer.forwardPort;
export const webappHttpPort = 80;
export const storePort = 27017;
export const searchHttpsPort = 443;

export const flows: readonly Flow[] = [
    { from: "internet", to: "alb", protocol: "tcp", port: webappHttpPort, why: "the page, for everyone" },
    { from: "alb", to: "webapp", protocol: "tcp", port: webappHttpPort, why: "requests and health checks to nginx" },
    // TCP only: the forward protocol runs over TLS, and so do the agent's heartbeats (heartbeat_type transport in agent.conf).
    { from: "webapp", to: "forwarder", protocol: "tcp", port: forward, why: "the agent's forward protocol over TLS, with acks and heartbeats" },
    { from: "forwarder", to: "store", protocol: "tcp", port: storePort, why: "DocumentDB, TLS" },
    { from: "forwarder", to: "search", protocol: "tcp", port: searchHttpsPort, why: "OpenSearch, HTTPS" },
    { from: "dashboards", to: "search", protocol: "tcp", port: searchHttpsPort, why: "the saved objects' import into OpenSearch Dashboards, HTTPS" },
    { from: "webapp", to: "aws-apis", protocol: "tcp", port: 443, why: "image pulls from ECR, fluentd's and nginx's logs to CloudWatch" },
    { from: "forwarder", to: "aws-apis", protocol: "tcp", port: 443, why: "S3 uploads, ECR, CloudWatch Logs, the Secrets Manager secret" },
];

export type SecurityGroupIds = Record<FlowGroup, pulumi.Output<string>>;

/**
 * Creates the groups and the rules. `verifierSecurityGroupId` (e.g. a bastion's) may additionally reach the
 * store and the search sink, for the verification suite; without it nothing but the forwarders can.
 */
export function createSecurityGroups(name: string, vpcId: pulumi.Input<string>, verifierSecurityGroupId: string | undefined, parent: pulumi.Resource): SecurityGroupIds {
    const opts = { parent };
    const groups = Object.fromEntries(flowGroups.map((group) => [group, new aws.ec2.SecurityGroup(`${name}-${group}`, {
        vpcId,
        description: `dle ${group}: only the flows in components/platform/aws-flows.ts`,
        // No inline rules: the provider then also removes AWS's default allow-all egress rule.
        tags: { Name: `${name}-${group}` },
    }, opts)])) as Record<FlowGroup, aws.ec2.SecurityGroup>;

    const everywhere = "0.0.0.0/0";
    for (const flow of flows) {
        const id = `${name}-${flow.from}-to-${flow.to}-${flow.protocol}-${flow.port}`;
        const rule = { ipProtocol: flow.protocol, fromPort: flow.port, toPort: flow.port, description: flow.why };
        if (flow.to !== "aws-apis") {
            new aws.vpc.SecurityGroupIngressRule(`${id}-in`, {
                ...rule,
                securityGroupId: groups[flow.to].id,
                ...(flow.from === "internet" ? { cidrIpv4: everywhere } : { referencedSecurityGroupId: groups[flow.from].id }),
            }, opts);
        }
        if (flow.from !== "internet") {
            new aws.vpc.SecurityGroupEgressRule(`${id}-out`, {
                ...rule,
                securityGroupId: groups[flow.from].id,
                ...(flow.to === "aws-apis" ? { cidrIpv4: everywhere } : { referencedSecurityGroupId: groups[flow.to].id }),
            }, opts);
        }
    }
    if (verifierSecurityGroupId !== undefined) {
        for (const [to, port] of [["store", storePort], ["search", searchHttpsPort]] as const) {
            new aws.vpc.SecurityGroupIngressRule(`${name}-verifier-to-${to}-in`, {
                ipProtocol: "tcp", fromPort: port, toPort: port,
                securityGroupId: groups[to].id,
                referencedSecurityGroupId: verifierSecurityGroupId,
                description: "the verification suite (dle:verifierSecurityGroupId)",
            }, opts);
        }
    }
    return Object.fromEntries(flowGroups.map((group) => [group, groups[group].id])) as SecurityGroupIds;
}
