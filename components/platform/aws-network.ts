/**
 * The aws stack's network: a VPC with a public and a private subnet in each of two AZs, or an existing VPC's
 * subnets. Only the load balancer lives in the public subnets; every task and data service is private.
 *
 * Private egress goes through one NAT gateway per AZ (ECR, CloudWatch Logs, Secrets Manager and the ECS
 * credential and metadata endpoints all need HTTPS to AWS APIs). NAT rather than interface VPC endpoints:
 * five endpoints in two AZs cost about as much as two NAT gateways, need their own security group and
 * ingress rule, and a forgotten one fails a deploy in ways a mock test cannot catch. A gateway endpoint for
 * S3 (free) keeps archive uploads and image layer pulls off the NAT gateways.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AwsNetwork } from "../config";
import { ipv4FromNumber, ipv4Number } from "../constraints";

export interface AwsNetworkOutputs {
    vpcId: pulumi.Output<string>;
    /** For the internet-facing load balancer only. */
    publicSubnetIds: pulumi.Output<string[]>;
    /**
     * For every task and data service. One ID per subnet rather than one Output of them all: their number is known
     * when the program runs, so a part can make a resource in each (the forwarders' EFS mount targets).
     */
    privateSubnetIds: pulumi.Output<string>[];
}

/** The two AZs the stack spreads over: enough for DocumentDB and OpenSearch to survive losing one. */
const zoneCount = 2;

/** `region` names the S3 gateway endpoint's service. */
export function createAwsNetwork(name: string, network: AwsNetwork, region: pulumi.Output<string>, parent: pulumi.Resource): AwsNetworkOutputs {
    if (network.kind === "existing") {
        return {
            vpcId: pulumi.output(network.vpcId),
            publicSubnetIds: pulumi.output(network.publicSubnetIds),
            privateSubnetIds: network.privateSubnetIds.map((id) => pulumi.output(id)),
        };
    }
    const opts = { parent };
    // Availability Zones only: where the account has opted into Local Zones, the API lists them too (and sorts
    // "us-east-1-bos-1a" before "us-east-1a"), and a Local Zone has no NAT gateway, DocumentDB or OpenSearch.
    const zones = aws.getAvailabilityZonesOutput({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, opts).names;
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
        cidrBlock: network.cidr,
        // Cloud Map's private DNS names and the VPC endpoints need both.
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { Name: `${name}-vpc` },
    }, opts);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id }, opts);
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
    }, opts);

    // Four equal blocks of the VPC's range: public a, public b, private a, private b.
    const [base, bits] = network.cidr.split("/");
    const blockBits = Number(bits) + 2;
    const block = (i: number) => `${ipv4FromNumber(ipv4Number(base) + i * 2 ** (32 - blockBits))}/${blockBits}`;

    const publicSubnets: aws.ec2.Subnet[] = [];
    const privateSubnets: aws.ec2.Subnet[] = [];
    const privateRouteTables: aws.ec2.RouteTable[] = [];
    for (let i = 0; i < zoneCount; i++) {
        const az = zones.apply((names) => names[i]);
        const suffix = String.fromCharCode(97 + i);
        const publicSubnet = new aws.ec2.Subnet(`${name}-public-${suffix}`, {
            vpcId: vpc.id, cidrBlock: block(i), availabilityZone: az,
            // The load balancer gets its addresses from AWS; nothing here needs an automatic public IP.
            mapPublicIpOnLaunch: false,
            tags: { Name: `${name}-public-${suffix}` },
        }, opts);
        new aws.ec2.RouteTableAssociation(`${name}-public-${suffix}`, { subnetId: publicSubnet.id, routeTableId: publicRoutes.id }, opts);
        const eip = new aws.ec2.Eip(`${name}-nat-${suffix}`, { domain: "vpc" }, opts);
        // One NAT gateway per AZ: losing an AZ must not cut the other AZ's tasks off from ECR and CloudWatch.
        const nat = new aws.ec2.NatGateway(`${name}-nat-${suffix}`, { allocationId: eip.id, subnetId: publicSubnet.id }, { parent, dependsOn: [igw] });

        const privateSubnet = new aws.ec2.Subnet(`${name}-private-${suffix}`, {
            vpcId: vpc.id, cidrBlock: block(zoneCount + i), availabilityZone: az,
            mapPublicIpOnLaunch: false,
            tags: { Name: `${name}-private-${suffix}` },
        }, opts);
        const privateRoutes = new aws.ec2.RouteTable(`${name}-private-${suffix}`, {
            vpcId: vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
        }, opts);
        new aws.ec2.RouteTableAssociation(`${name}-private-${suffix}`, { subnetId: privateSubnet.id, routeTableId: privateRoutes.id }, opts);
        publicSubnets.push(publicSubnet);
        privateSubnets.push(privateSubnet);
        privateRouteTables.push(privateRoutes);
    }
    new aws.ec2.VpcEndpoint(`${name}-s3`, {
        vpcId: vpc.id,
        serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: privateRouteTables.map((t) => t.id),
    }, opts);

    return {
        vpcId: vpc.id,
        publicSubnetIds: pulumi.all(publicSubnets.map((s) => s.id)),
        privateSubnetIds: privateSubnets.map((s) => s.id),
    };
}
