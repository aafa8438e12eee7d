import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { On } from "../platform";
import { stackLogGroupName } from "../stack-names";
import { AwsPlatform } from "../platform/aws";
import { dashboardsPath, importerSearchActions, importerSecurityActions, openSearchRoles, securityApiPath } from "../search/aws";
import { SecuritySetup } from "./security-setup";
import { DashboardsArgs, DashboardsOutputs } from "./args";
import { lambdaHandler, lambdaSources } from "./lambda-code";
import { digestOf, savedObjectsFor, toNdjson } from "./saved-objects";

/** A function in a VPC manages its network interfaces itself; AWS requires Resource "*" for these. */
export const vpcFunctionActions = [
    "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
];

/**
 * The domain's own OpenSearch Dashboards, private like the domain. The saved objects are imported from inside the
 * VPC by a Lambda function in the private subnets (its security group may reach only the domain's HTTPS port),
 * which the stack invokes whenever the objects or the function's code change.
 */
export function createAwsDashboards(name: string, parent: pulumi.Resource, args: On<DashboardsArgs, AwsPlatform>): DashboardsOutputs {
    const { config, platform, search } = args;
    if (search.auth.kind !== "aws-sigv4") throw new Error("unreachable: checked by Dashboards");
    const opts = { parent };
    const url = pulumi.interpolate`https://${search.host}${dashboardsPath}`;

    const logGroup = new aws.cloudwatch.LogGroup(`${name}-importer`, {
        name: stackLogGroupName(`${name}-importer`),
        retentionInDays: platform.logRetentionDays,
    }, opts);
    const role = platform.dashboardsImporterRole;
    const policy = new aws.iam.RolePolicy(`${name}-importer`, {
        role: role.id,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: vpcFunctionActions, Resource: "*" },
                { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${logGroup.arn}:log-stream:*` },
                { Effect: "Allow", Action: importerSearchActions, Resource: pulumi.interpolate`${search.auth.domainArn}${dashboardsPath}/*` },
                { Effect: "Allow", Action: importerSecurityActions, Resource: pulumi.interpolate`${search.auth.domainArn}${securityApiPath}/*` },
            ],
        }),
    }, opts);

    const sources = lambdaSources();
    const codeDigest = digestOf(JSON.stringify(sources));
    const importer = new aws.lambda.Function(`${name}-importer`, {
        description: "dle: imports the saved objects into the domain's OpenSearch Dashboards",
        runtime: "nodejs24.x",
        handler: lambdaHandler,
        code: new pulumi.asset.AssetArchive(Object.fromEntries(Object.entries(sources)
            .map(([file, source]) => [file, new pulumi.asset.StringAsset(source)]))),
        sourceCodeHash: codeDigest,
        role: role.arn,
        timeout: 120,
        memorySize: 256,
        vpcConfig: { subnetIds: platform.privateSubnetIds, securityGroupIds: [platform.securityGroups.dashboards] },
        environment: { variables: { DASHBOARDS_URL: url, DOMAIN_URL: pulumi.interpolate`https://${search.host}` } },
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
    }, { parent, dependsOn: [policy] });

    const objects = toNdjson(savedObjectsFor(config.search.indexPrefix));
    // Who may do what in the domain: the forwarders write the log indices; the canary and the verification suite read
    // them (and the suite the saved objects). IAM roles are backend roles to the domain, IAM users (and an account's
    // root) are users: the verifier may be either.
    const verifier = config.aws.verifierPrincipalArn;
    const verifierIsRole = verifier !== undefined && /:role\//.test(verifier);
    const security = pulumi.all([platform.forwarderTaskRole.arn, platform.canaryTaskRole?.arn]).apply(([forwarders, canary]): SecuritySetup => {
        const verifierAs = { backendRoles: verifier !== undefined && verifierIsRole ? [verifier] : [], users: verifier !== undefined && !verifierIsRole ? [verifier] : [] };
        const mappings: SecuritySetup["mappings"] = {
            dle_forwarder: { backendRoles: [forwarders], users: [] },
            dle_reader: { backendRoles: [...(canary === undefined ? [] : [canary]), ...verifierAs.backendRoles], users: verifierAs.users },
        };
        if (verifier !== undefined) mappings.opensearch_dashboards_user = verifierAs;
        return { roles: openSearchRoles(config.search.indexPrefix), mappings };
    });
    const input = pulumi.jsonStringify({ objects, security });
    new aws.lambda.Invocation(`${name}-import`, {
        functionName: importer.name,
        input,
        // Invoked again whenever the objects, the access control or the importer's code change.
        triggers: { input: input.apply(digestOf), code: codeDigest },
    }, opts);
    return { product: "opensearch-dashboards", url };
}
