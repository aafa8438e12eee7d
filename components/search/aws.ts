import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { SearchEndpoint } from "../endpoints";
import { On } from "../platform";
import { AwsPlatform } from "../platform/aws";
import { searchHttpsPort } from "../platform/aws-flows";
import { stackLogGroupName, stackScoped } from "../stack-names";
import { SearchArgs } from "./args";
import type { SecurityRole } from "../dashboards/security-setup";

/** What the forwarders do with the domain: bulk-index (POST), create indices and templates (PUT), read versions (GET, HEAD). */
export const forwarderSearchActions = ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut"];
/** What the verification suite does: count and search (GET, and POST for query bodies), check an index (HEAD). */
const verifierSearchActions = ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"];
/** What the canary does: search the log indices (POST for the query body), and nothing else. */
export const canarySearchActions = ["es:ESHttpGet", "es:ESHttpPost"];
/** Where the domain serves its OpenSearch Dashboards. */
export const dashboardsPath = "/_dashboards";
/** What the dashboards importer does there, and only there: import saved objects (POST) and read them (GET). */
export const importerSearchActions = ["es:ESHttpGet", "es:ESHttpPost"];
/** Where the security plugin's REST API is: the importer, the domain's master user, sets up roles, mappings and audit. */
export const securityApiPath = "/_plugins/_security";
/** What the importer does there: create or replace roles and mappings (PUT), turn audit logging on (PATCH), read (GET). */
export const importerSecurityActions = ["es:ESHttpGet", "es:ESHttpPut", "es:ESHttpPatch"];

/** dle's roles in the domain's fine-grained access control (components/search/opensearch-roles.json), for the log indices `<indexPrefix>-*`. */
export function openSearchRoles(indexPrefix: string): Record<string, SecurityRole> {
    const file = path.join(__dirname, "opensearch-roles.json");
    return JSON.parse(fs.readFileSync(file, "utf8").replaceAll("${indexPrefix}", indexPrefix)) as Record<string, SecurityRole>;
}

/**
 * An Amazon OpenSearch Service domain in the private subnets, one node per AZ (zone awareness), encrypted at
 * rest and between nodes, HTTPS only with TLS 1.2 or later. Access is by IAM only: the domain's access policy
 * names the forwarders' task role, the dashboards importer's role (Dashboards' path only), the canary's task role (the
 * log indices only), and, when configured, the verification suite's principal. Its application (error) logs go to a
 * CloudWatch log group of the stack (FSBP Opensearch.4), its audit logs to another (Opensearch.5). Fine-grained access
 * control is on (Opensearch.7) with IAM only: no internal user database, the dashboards importer's role as the master
 * user; the importer maps the forwarders', the canary's and the verifier's principals to dle's roles
 * (components/dashboards/security-setup.ts). Its prerequisites, encryption at rest and node-to-node, are on.
 */
export function createAwsSearch(name: string, parent: pulumi.Resource, args: On<SearchArgs, AwsPlatform>): SearchEndpoint {
    const { config, platform } = args;
    const settings = config.aws.openSearch;
    const opts = { parent };

    // FSBP Opensearch.4 and .5: the domain's application (error) and audit logs, kept as long as the stack's other logs.
    const applicationLogs = new aws.cloudwatch.LogGroup(`${name}-application`, {
        name: stackLogGroupName(`${name}-application`),
        retentionInDays: platform.logRetentionDays,
    }, opts);
    const auditLogs = new aws.cloudwatch.LogGroup(`${name}-audit`, {
        name: stackLogGroupName(`${name}-audit`),
        retentionInDays: platform.logRetentionDays,
    }, opts);
    // OpenSearch Service writes to the group as the service principal es.amazonaws.com, which a CloudWatch Logs resource
    // policy must allow: only these two actions, only on this group's streams, only for this account's domains
    // (Amazon OpenSearch Service Developer Guide, monitoring OpenSearch logs with CloudWatch Logs; the provider's
    // LogResourcePolicy example). A log group's ARN (as the provider gives it) has no ":*"; its streams are under it.
    // The domain's own ARN cannot be the condition: the domain needs the policy before it exists.
    const logPolicy = new aws.cloudwatch.LogResourcePolicy(`${name}-logs`, {
        policyName: stackScoped(`${name}-logs`),
        policyDocument: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [{
                Sid: "OpenSearchLogs",
                Effect: "Allow",
                Principal: { Service: "es.amazonaws.com" },
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: [pulumi.interpolate`${applicationLogs.arn}:*`, pulumi.interpolate`${auditLogs.arn}:*`],
                Condition: { StringEquals: { "aws:SourceAccount": applicationLogs.arn.apply((arn) => arn.split(":")[4]) } },
            }],
        }),
    }, opts);

    const domain = new aws.opensearch.Domain(name, {
        engineVersion: settings.engineVersion,
        clusterConfig: {
            instanceType: settings.instanceType,
            instanceCount: settings.instances,
            zoneAwarenessEnabled: true,
            zoneAwarenessConfig: { availabilityZoneCount: 2 },
        },
        ebsOptions: { ebsEnabled: true, volumeType: "gp3", volumeSize: settings.volumeGb },
        vpcOptions: {
            subnetIds: platform.privateSubnetIds,
            securityGroupIds: [platform.securityGroups.search],
        },
        encryptAtRest: { enabled: true },
        nodeToNodeEncryption: { enabled: true },
        domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: "Policy-Min-TLS-1-2-2019-07" },
        // Fine-grained access control with IAM only (OpenSearch API reference, AdvancedSecurityOptionsInput and
        // MasterUserOptions: MasterUserARN only with the internal user database off). A new domain starts with it, so no
        // anonymous migration period.
        advancedSecurityOptions: {
            enabled: true,
            anonymousAuthEnabled: false,
            internalUserDatabaseEnabled: false,
            masterUserOptions: { masterUserArn: platform.dashboardsImporterRole.arn },
        },
        logPublishingOptions: [
            { logType: "ES_APPLICATION_LOGS", cloudwatchLogGroupArn: applicationLogs.arn, enabled: true },
            { logType: "AUDIT_LOGS", cloudwatchLogGroupArn: auditLogs.arn, enabled: true },
        ],
    }, { ...opts, dependsOn: [logPolicy] });

    const grant = (sid: string, principal: pulumi.Input<string>, actions: string[], under = "") => ({
        Sid: sid,
        Effect: "Allow",
        Principal: { AWS: principal },
        Action: actions,
        Resource: pulumi.interpolate`${domain.arn}${under}/*`,
    });
    const verifier = config.aws.verifierPrincipalArn;
    const policy = new aws.opensearch.DomainPolicy(name, {
        domainName: domain.domainName,
        accessPolicies: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                grant("Forwarders", platform.forwarderTaskRole.arn, forwarderSearchActions),
                grant("DashboardsImporter", platform.dashboardsImporterRole.arn, importerSearchActions, dashboardsPath),
                grant("AccessControlSetup", platform.dashboardsImporterRole.arn, importerSecurityActions, securityApiPath),
                ...(verifier === undefined ? [] : [grant("Verifier", verifier, verifierSearchActions)]),
                // The log indices' search only: the domain's other paths (its settings, other indices) stay closed to it.
                ...(platform.canaryTaskRole === undefined ? [] : [grant("Canary", platform.canaryTaskRole.arn, canarySearchActions, `/${config.search.indexPrefix}-*`)]),
            ],
        }),
    }, opts);

    return {
        host: domain.endpoint,
        port: pulumi.output(searchHttpsPort),
        scheme: pulumi.output("https" as const),
        // Known once the access policy is applied: whatever is granted access by this ARN waits for it.
        auth: { kind: "aws-sigv4", region: platform.region, domainArn: pulumi.all([domain.arn, policy.id]).apply(([arn]) => arn) },
        publishedUrl: pulumi.interpolate`https://${domain.endpoint}`,
        indexPrefix: config.search.indexPrefix,
        retentionDays: config.search.retentionDays,
    };
}
