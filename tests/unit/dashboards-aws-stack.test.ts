/**
 * The aws stack's dashboards under Pulumi's mock runtime: the importer function in the VPC, what it may reach
 * and do, its invocation on every change of the saved objects or its code, and the outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { defaults } from "../../components/config";
import { vpcFunctionActions } from "../../components/dashboards/aws";
import { lambdaHandler, lambdaSources } from "../../components/dashboards/lambda-code";
import { openSearchRoles } from "../../components/search/aws";
import { digestOf, savedObjectsFor, toNdjson } from "../../components/dashboards/saved-objects";
import { RecordedResource, installMocks, plainSecretPaths, programLoadTimeoutMs, registered, runProgram, valueOf } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "aws" });
let program: Record<string, unknown>;
beforeAll(async () => {
    program = await runProgram();
}, programLoadTimeoutMs);

const { ofType, one: oneResource } = registered(resources);
const one = (type: string, name: string) => oneResource(type, name).inputs;
const importer = () => one("aws:lambda/function:Function", "dle-dashboards-importer");
const dashboardsUrl = "https://vpc-dle-log-search.us-east-1.es.amazonaws.com/_dashboards";
const domainArn = "arn:aws:es:us-east-1:111111111111:domain/dle-log-search";

describe("the importer function", () => {
    it("runs the transpiled importer on the current Node.js runtime", () => {
        expect(importer()).toEqual(expect.objectContaining({
            runtime: "nodejs24.x",
            handler: lambdaHandler,
            // Its code is lambdaSources() (mock runs drop archive contents; the hash names them).
            sourceCodeHash: digestOf(JSON.stringify(lambdaSources())),
        }));
    });

    it("runs in the private subnets, in a security group that may reach only the domain's HTTPS port", () => {
        expect(importer().vpcConfig).toEqual({ subnetIds: ["dle-private-a-id", "dle-private-b-id"], securityGroupIds: ["dle-dashboards-id"] });
        const rules = (type: string) => ofType(type).filter((r) => r.inputs.securityGroupId === "dle-dashboards-id" || r.inputs.referencedSecurityGroupId === "dle-dashboards-id")
            .map((r) => `${r.inputs.securityGroupId} ${r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4} ${r.inputs.ipProtocol}/${r.inputs.fromPort}`);
        expect(rules("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")).toEqual(["dle-dashboards-id dle-search-id tcp/443"]);
        expect(rules("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")).toEqual(["dle-search-id dle-dashboards-id tcp/443"]);
    });

    it("imports into the domain's OpenSearch Dashboards, and logs to its own group with the stack's retention", () => {
        expect(importer().environment).toEqual({ variables: { DASHBOARDS_URL: dashboardsUrl, DOMAIN_URL: "https://vpc-dle-log-search.us-east-1.es.amazonaws.com" } });
        expect(one("aws:cloudwatch/logGroup:LogGroup", "dle-dashboards-importer")).toEqual({ name: "/dle/test/dle-dashboards-importer", retentionInDays: 30 });
        expect(importer().loggingConfig).toEqual({ logFormat: "Text", logGroup: "/dle/test/dle-dashboards-importer" });
    });

    it("runs as a role Lambda assumes, which may manage its network interfaces, write its logs, and use Dashboards' and the security plugin's APIs only", () => {
        const role = one("aws:iam/role:Role", "dle-dashboards-importer");
        expect(JSON.parse(role.assumeRolePolicy as string).Statement).toEqual([
            { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
        expect(importer().role).toBe("arn:aws:iam:us-east-1:111111111111:dle-dashboards-importer");
        const policy = JSON.parse(one("aws:iam/rolePolicy:RolePolicy", "dle-dashboards-importer").policy as string);
        expect(policy.Statement).toEqual([
            { Effect: "Allow", Action: vpcFunctionActions, Resource: "*" },
            { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "arn:aws:logs:us-east-1:111111111111:log-group:/dle/test/dle-dashboards-importer:log-stream:*" },
            { Effect: "Allow", Action: ["es:ESHttpGet", "es:ESHttpPost"], Resource: `${domainArn}/_dashboards/*` },
            { Effect: "Allow", Action: ["es:ESHttpGet", "es:ESHttpPut", "es:ESHttpPatch"], Resource: `${domainArn}/_plugins/_security/*` },
        ]);
    });
});

describe("the import", () => {
    it("invokes the importer with the repo's saved objects, the data view over the stack's indices", () => {
        const invocation = one("aws:lambda/invocation:Invocation", "dle-dashboards-import");
        const objects = toNdjson(savedObjectsFor(defaults.searchIndexPrefix));
        expect(invocation.functionName).toBe("dle-dashboards-importer");
        expect(JSON.parse(invocation.input as string).objects).toEqual(objects);
        expect(plainSecretPaths(invocation)).toEqual([]);
    });

    it("has it map the forwarders' role to dle_forwarder and the canary's to dle_reader, with dle's roles for the stack's indices", () => {
        const invocation = one("aws:lambda/invocation:Invocation", "dle-dashboards-import");
        expect(JSON.parse(invocation.input as string).security).toEqual({
            roles: openSearchRoles(defaults.searchIndexPrefix),
            mappings: {
                dle_forwarder: { backendRoles: ["arn:aws:iam:us-east-1:111111111111:dle-forwarder-task"], users: [] },
                dle_reader: { backendRoles: ["arn:aws:iam:us-east-1:111111111111:dle-canary-task"], users: [] },
            },
        });
    });

    it("invokes it again exactly when its input (the objects, the access control) or the importer's code change", () => {
        const invocation = one("aws:lambda/invocation:Invocation", "dle-dashboards-import");
        expect(invocation.triggers).toEqual({ input: digestOf(invocation.input as string), code: digestOf(JSON.stringify(lambdaSources())) });
    });
});

describe("the dashboards outputs (aws)", () => {
    it("give the private Dashboards URL and the product; no login, since access is by IAM", async () => {
        const value = (name: string) => valueOf(program[name] as pulumi.Input<unknown>);
        expect(await value("dashboardsUrl")).toBe(dashboardsUrl);
        expect(await value("dashboardsProduct")).toBe("opensearch-dashboards");
        expect([program.dashboardsUsername, program.dashboardsPassword]).toEqual([undefined, undefined]);
        expect(ofType("docker:index/container:Container")).toEqual([]);
    });
});
