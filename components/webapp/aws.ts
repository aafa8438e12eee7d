import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { On } from "../platform";
import { AwsPlatform } from "../platform/aws";
import { albTlsPolicy } from "../constraints";
import { webappHttpPort, webappHttpsPort } from "../platform/aws-flows";
import { ecrImage } from "../platform/aws-image";
import { ecsTasksAssumeRolePolicy } from "../platform/aws-iam";
import { fargateService } from "../platform/aws-service";
import { metricsCollector } from "../monitoring/aws-collector";
import { WebappArgs, WebappOutputs, apiUpstreamConf, nginxWritablePaths, webappFiles } from "./args";

/** The nginx container's name in each webapp task. */
export const webappContainerName = "webapp";
// What each task runs: nginx and the fluentd log router (the agent), in 0.5 vCPU and 1 GiB.
const taskCpu = 512;
const taskMemoryMb = 1024;

/**
 * An ACM certificate for `domain.name`, validated by DNS in the user's Route 53 zone (the record ACM asks for, written
 * there by the stack), and an alias A record that points the name at the load balancer. Returns the certificate's ARN
 * once ACM has issued it (CertificateValidation waits for that), so the HTTPS listener is created with an issued one.
 */
function domainCertificate(name: string, domain: { name: string; hostedZoneId: string }, alb: aws.lb.LoadBalancer, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
    const certificate = new aws.acm.Certificate(`${name}-certificate`, {
        domainName: domain.name,
        validationMethod: "DNS",
    }, opts);
    // One name, so one validation record: ACM asks for a CNAME under the name.
    const option = certificate.domainValidationOptions.apply((options) => {
        const found = options.find((o) => o.domainName === domain.name);
        if (found === undefined) throw new Error(`ACM gave no validation record for ${domain.name}`);
        return found;
    });
    const validationRecord = new aws.route53.Record(`${name}-certificate-validation`, {
        zoneId: domain.hostedZoneId,
        name: option.resourceRecordName,
        type: option.resourceRecordType,
        records: [option.resourceRecordValue],
        ttl: 300,
        // The record is the certificate's, and ACM reuses it for a certificate requested again for the same name.
        allowOverwrite: true,
    }, opts);
    const validation = new aws.acm.CertificateValidation(`${name}-certificate`, {
        certificateArn: certificate.arn,
        validationRecordFqdns: [validationRecord.fqdn],
    }, opts);
    new aws.route53.Record(`${name}-alias`, {
        zoneId: domain.hostedZoneId,
        name: domain.name,
        type: "A",
        // An alias, which Route 53 answers with the load balancer's current addresses (no TTL of its own).
        aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true }],
    }, opts);
    return validation.certificateArn;
}

/**
 * nginx on Fargate behind an internet-facing Application Load Balancer, the only public thing of the stack.
 * Its stdout and stderr go through the awsfirelens log driver to the agent's log-router sidecar in the same task;
 * the api runs in the same task, and nginx proxies /api/ to it on localhost.
 */
export function createAwsWebapp(name: string, parent: pulumi.Resource, args: On<WebappArgs, AwsPlatform>): WebappOutputs {
    const { config, platform, agent, api } = args;
    const opts = { parent };
    if (agent.sidecar === undefined) {
        throw new Error(`The aws webapp \`${name}\` needs the agent's FireLens log-router container.`);
    }
    if (api.sidecar === undefined || api.repositoryArn === undefined) {
        throw new Error(`The aws webapp \`${name}\` needs the api's container and its image repository.`);
    }
    // ./Dockerfile bakes targets/aws/api-upstream.conf into the image: it must name where the api is in the task.
    const upstreamChecked = apiUpstreamConf("aws", api);
    const webappDir = path.dirname(webappFiles.nginxConf);
    const image = ecrImage(`${name}-nginx`, {
        context: webappDir,
        buildArgs: { NGINX_IMAGE: config.images.nginx },
        // The component's code is in the same folder but not in the image (.dockerignore).
        include: (file) => !file.endsWith(".ts"),
    }, parent);

    const alb = new aws.lb.LoadBalancer(name, {
        loadBalancerType: "application",
        internal: false,
        subnets: platform.publicSubnetIds,
        securityGroups: [platform.securityGroups.alb],
        dropInvalidHeaderFields: true,
    }, opts);
    const targets = new aws.lb.TargetGroup(name, {
        vpcId: platform.vpcId,
        targetType: "ip",
        protocol: "HTTP",
        port: webappHttpPort,
        healthCheck: { path: "/", matcher: "200", interval: 10, healthyThreshold: 2 },
        deregistrationDelay: 15,
    }, opts);
    // FSBP ELB.1: with a certificate, HTTPS on 443 and port 80 only redirects to it; without one, plain HTTP on 80.
    const domain = config.aws.albDomain;
    const certificateArn = domain === undefined ? config.aws.albCertificateArn : domainCertificate(name, domain, alb, opts);
    const listener = certificateArn === undefined
        ? new aws.lb.Listener(name, {
            loadBalancerArn: alb.arn,
            protocol: "HTTP",
            port: webappHttpPort,
            defaultActions: [{ type: "forward", targetGroupArn: targets.arn }],
        }, opts)
        : new aws.lb.Listener(`${name}-https`, {
            loadBalancerArn: alb.arn,
            protocol: "HTTPS",
            port: webappHttpsPort,
            sslPolicy: albTlsPolicy,
            certificateArn,
            defaultActions: [{ type: "forward", targetGroupArn: targets.arn }],
        }, opts);
    if (certificateArn !== undefined) {
        new aws.lb.Listener(name, {
            loadBalancerArn: alb.arn,
            protocol: "HTTP",
            port: webappHttpPort,
            // 301: browsers and crawlers remember it; host, path and query are kept (the defaults #{host}, #{path}, #{query}).
            defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: String(webappHttpsPort), statusCode: "HTTP_301" } }],
        }, opts);
    }

    // The role of the task's own AWS calls: only the metrics collector makes any (to its log group).
    const taskRole = new aws.iam.Role(`${name}-task`, {
        assumeRolePolicy: ecsTasksAssumeRolePolicy,
        description: "dle webapp tasks: the metrics collector writes its log group",
    }, opts);
    const { service } = fargateService(name, {
        platform,
        cpu: taskCpu,
        memoryMb: taskMemoryMb,
        desiredCount: config.aws.webappTasks,
        securityGroupId: platform.securityGroups.webapp,
        repositoryArns: [image.repository.arn, platform.fluentdRepositoryArn, api.repositoryArn],
        taskRole,
        // ECS refuses a target group no load balancer uses yet: wait for the listener that attaches it.
        loadBalancer: { targetGroupArn: pulumi.all([targets.arn, listener.arn]).apply(([arn]) => arn), containerName: webappContainerName, containerPort: webappHttpPort },
        containers: [
            agent.sidecar,
            api.sidecar,
            {
                name: webappContainerName,
                // Only once the baked-in api-upstream.conf is known to name the api.
                image: pulumi.all([image.ref, upstreamChecked]).apply(([ref]) => ref),
                portMappings: [{ containerPort: webappHttpPort, protocol: "tcp" }],
                healthcheck: ["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${webappHttpPort}/`],
                logConfiguration: {
                    logDriver: "awsfirelens",
                    // Never used: agent.conf, included before the block these options generate, matches every
                    // *-firelens-* tag first. Fargate platform 1.4 refuses awsfirelens with no options at all.
                    options: { "@type": "null" },
                },
                // Lines logged before the agent is up would have nowhere to go.
                dependsOnHealthy: [agent.sidecar.name],
                writablePaths: [...nginxWritablePaths],
            },
            // Scrapes the agent's metrics in this task and publishes them to CloudWatch.
            metricsCollector(name, { config, platform, role: "agent", taskRole }, parent),
        ],
    }, parent);

    return {
        // With dle:albDomainName, the name the stack points at the load balancer. Otherwise the load balancer's own name:
        // a certificate of the user's is for the user's name, which must point at it (docs/aws.md#https).
        url: domain !== undefined ? pulumi.output(`https://${domain.name}`)
            : certificateArn === undefined ? pulumi.interpolate`http://${alb.dnsName}` : pulumi.interpolate`https://${alb.dnsName}`,
        transport: certificateArn === undefined
            ? "plain HTTP on port 80: neither dle:albCertificateArn nor dle:albDomainName is set, and a certificate is for a domain name the stack does not have; set one for HTTPS (docs/aws.md#https)"
            : `HTTPS on port 443 (${albTlsPolicy}, certificate ${domain === undefined ? "dle:albCertificateArn" : `requested by the stack for ${domain.name}, validated in Route 53`}); port 80 redirects to it`,
        containerName: service.name,
        port: webappHttpPort,
        loadBalancerArnSuffix: alb.arnSuffix,
    };
}
