/**
 * The aws stack with a certificate (dle:albCertificateArn): HTTPS on 443 with a TLS 1.2/1.3 policy, port 80 only
 * redirecting to it, 443 open in the load balancer's security group, and the policy pack finds nothing but the
 * exception: ELB.1 passes too, and so every FSBP control the pack checks. (Without a certificate, tests/unit/aws-stack.test.ts shows plain HTTP and no 443.)
 */
import * as pulumi from "@pulumi/pulumi";
import { asLines, policyViolations } from "../support/policy-harness";
import { RecordedResource, installMocks, programLoadTimeoutMs, registered, runProgram, valueOf } from "../support/mocks";

const certificateArn = "arn:aws:acm:us-east-1:111111111111:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f";
const resources: RecordedResource[] = installMocks({ target: "aws", albCertificateArn: certificateArn });
let program: Record<string, unknown>;

beforeAll(async () => {
    program = await runProgram();
}, programLoadTimeoutMs);

const { ofType } = registered(resources);

it("serves HTTPS on 443 with the recommended TLS policy and redirects 80 to it", () => {
    const listeners = ofType("aws:lb/listener:Listener").map((l) => l.inputs).sort((a, b) => Number(b.port) - Number(a.port));
    expect(listeners).toEqual([
        expect.objectContaining({ protocol: "HTTPS", port: 443, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", certificateArn, defaultActions: [expect.objectContaining({ type: "forward" })] }),
        expect.objectContaining({ protocol: "HTTP", port: 80, defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] }),
    ]);
});

it("opens 443 to the internet in the load balancer's group, and 80 still (for the redirect)", () => {
    const fromInternet = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        .filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0").map((r) => r.inputs.fromPort).sort();
    expect(fromInternet).toEqual([443, 80]);
});

it("says so in its outputs", async () => {
    expect(await valueOf(program.webappUrl as pulumi.Output<string>)).toMatch(/^https:\/\//);
    expect(program.webappTransport).toBe("HTTPS on port 443 (ELBSecurityPolicy-TLS13-1-2-2021-06, certificate dle:albCertificateArn); port 80 redirects to it");
});

it("meets every policy of the pack, ELB.1 included: no FSBP control unmet", async () => {
    expect(asLines(await policyViolations(resources))).toEqual([]);
});
