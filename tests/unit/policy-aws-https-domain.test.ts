/**
 * The aws stack with a domain name and its Route 53 zone (dle:albDomainName, dle:albHostedZoneId) instead of a
 * certificate: an ACM certificate for the name, validated by DNS with the record ACM asks for written in the zone, the
 * HTTPS listener created with the certificate once it is issued, port 80 redirecting to it, and the name pointed at the
 * load balancer; the policy pack finds nothing: ELB.1 passes, and so every FSBP control it checks.
 */
import * as pulumi from "@pulumi/pulumi";
import { asLines, policyViolations, withChange } from "../support/policy-harness";
import { RecordedResource, installMocks, programLoadTimeoutMs, registered, runProgram, valueOf } from "../support/mocks";

const domainName = "logs.example.com";
const hostedZoneId = "Z0123456789ABCDEFGHIJ";
const resources: RecordedResource[] = installMocks({ target: "aws", albDomainName: domainName, albHostedZoneId: hostedZoneId });
let program: Record<string, unknown>;

beforeAll(async () => {
    program = await runProgram();
}, programLoadTimeoutMs);

const { ofType, one } = registered(resources);

it("requests a certificate for the name, validated by DNS", () => {
    expect(ofType("aws:acm/certificate:Certificate").map((c) => c.inputs)).toEqual([{ domainName, validationMethod: "DNS" }]);
});

it("writes the validation record ACM asks for in the zone, and waits for the certificate to be issued", () => {
    const record = one("aws:route53/record:Record", "dle-webapp-certificate-validation");
    expect(record.inputs).toMatchObject({ zoneId: hostedZoneId, name: `_3f2a1b.${domainName}.`, type: "CNAME", records: ["_9c8d7e.mock.acm-validations.aws."], ttl: 300 });
    const validation = one("aws:acm/certificateValidation:CertificateValidation", "dle-webapp-certificate");
    expect(validation.inputs).toMatchObject({ validationRecordFqdns: [`_3f2a1b.${domainName}`] });
});

it("serves HTTPS on 443 with the validated certificate and the recommended TLS policy, and redirects 80 to it", () => {
    const listeners = ofType("aws:lb/listener:Listener").map((l) => l.inputs).sort((a, b) => Number(b.port) - Number(a.port));
    expect(listeners).toEqual([
        expect.objectContaining({ protocol: "HTTPS", port: 443, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", certificateArn: expect.stringMatching(/^arn:aws:acm:/) }),
        expect.objectContaining({ protocol: "HTTP", port: 80, defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] }),
    ]);
    const https = ofType("aws:lb/listener:Listener").find((l) => l.inputs.port === 443)!;
    const validation = one("aws:acm/certificateValidation:CertificateValidation", "dle-webapp-certificate");
    // Created with the validation's ARN, so only once ACM has issued the certificate.
    expect(https.propertyDependencies?.certificateArn).toEqual([validation.urn]);
});

it("points the name at the load balancer with an alias A record", () => {
    expect(one("aws:route53/record:Record", "dle-webapp-alias").inputs).toEqual({
        zoneId: hostedZoneId, name: domainName, type: "A",
        aliases: [{ name: "dle-webapp-123.us-east-1.elb.amazonaws.com", zoneId: "Z35SXDOTRQ7X7K", evaluateTargetHealth: true }],
    });
});

it("opens 443 to the internet in the load balancer's group", () => {
    const fromInternet = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        .filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0").map((r) => r.inputs.fromPort).sort();
    expect(fromInternet).toEqual([443, 80]);
});

it("gives the name as the webapp's URL, and says how it is served", async () => {
    expect(await valueOf(program.webappUrl as pulumi.Output<string>)).toBe(`https://${domainName}`);
    expect(program.webappTransport).toBe(`HTTPS on port 443 (ELBSecurityPolicy-TLS13-1-2-2021-06, certificate requested by the stack for ${domainName}, validated in Route 53); port 80 redirects to it`);
});

it("meets every policy of the pack, ELB.1 included: no FSBP control unmet", async () => {
    expect(asLines(await policyViolations(resources))).toEqual([]);
});

describe("the policy pack on a changed certificate or record", () => {
    type Change = Parameters<typeof withChange>[3];
    it.each<[string, string, string, Change, string[]]>([
        ["a wildcard certificate validated by e-mail", "aws:acm/certificate:Certificate", "dle-webapp-certificate", (i) => { i.domainName = "*.example.com"; i.validationMethod = "EMAIL"; }, [
            expect.stringMatching(/^acm-certificates-dns-validated dle-webapp-certificate: domainName "\*\.example\.com": expected a fully qualified domain name/),
            "acm-certificates-dns-validated dle-webapp-certificate: validationMethod \"EMAIL\": expected \"DNS\" (the stack writes the validation record)",
        ]],
        ["an alias with a TTL, in a zone given by its path", "aws:route53/record:Record", "dle-webapp-alias", (i) => { i.ttl = 60; i.zoneId = `/hostedzone/${hostedZoneId}`; }, [
            expect.stringMatching(/^route53-records dle-webapp-alias: zoneId "\/hostedzone\/Z0123456789ABCDEFGHIJ": expected a Route 53 hosted zone ID/),
            "route53-records dle-webapp-alias: ttl with an alias: expected none (Route 53 answers an alias with its target's TTL)",
        ]],
        ["a validation record without a value", "aws:route53/record:Record", "dle-webapp-certificate-validation", (i) => { i.records = []; }, [
            "route53-records dle-webapp-certificate-validation: records: expected at least one value (or an alias)",
        ]],
    ])("reports %s", async (_, type, name, change, expected) => {
        expect(asLines(await policyViolations(withChange(resources, type, name, change)))).toEqual(expected);
    });
});
