/**
 * ForwardSecurity's own arguments: validity periods that would leave the link on an expired certificate, or replace
 * the certificates on every update, are refused with the argument named.
 */
import { ForwardSecurity } from "../../components/forward-security";
import { RecordedResource, installMocks, valueOf } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "local" });

describe("ForwardSecurity arguments", () => {
    it.each([
        [{ leafValidityHours: 0 }, /`leafValidityHours` must be a positive whole number of hours, got 0/],
        [{ caValidityHours: 1.5 }, /`caValidityHours` must be a positive whole number of hours, got 1.5/],
        [{ leafValidityHours: 720 }, /`earlyRenewalHours` must be shorter than `caValidityHours` and `leafValidityHours`/],
    ])("refuses %j", (args, message) => {
        expect(() => new ForwardSecurity("refused", args)).toThrow(message);
    });

    it("issues nothing until its arguments are good, then a CA and the shared key", async () => {
        const generated = () => resources.filter((r) => r.type.startsWith("tls:") || r.type.startsWith("random:")).map((r) => `${r.type} ${r.name}`);
        expect(() => new ForwardSecurity("refused", { earlyRenewalHours: 0 })).toThrow(/earlyRenewalHours/);
        expect(generated()).toEqual([]);
        const accepted = new ForwardSecurity("accepted", { caValidityHours: 48, leafValidityHours: 24, earlyRenewalHours: 12 });
        // Registered once their outputs resolve.
        await Promise.all([valueOf(accepted.caCertPem), valueOf(accepted.sharedKey)]);
        expect(generated().sort()).toEqual([
            "random:index/randomPassword:RandomPassword accepted-shared-key",
            "tls:index/privateKey:PrivateKey accepted-ca",
            "tls:index/selfSignedCert:SelfSignedCert accepted-ca",
        ]);
    });
});
