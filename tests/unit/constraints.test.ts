/**
 * The API constraints (components/constraints.ts) themselves: each accepts what AWS or Docker documents and refuses
 * the values that the mocks would take and the real API would not.
 */
import { securityGroupDescription } from "../../components/constraints";

describe("securityGroupDescription", () => {
    it("accepts EC2's characters, up to 255 of them", () => {
        expect(["", "DocumentDB, TLS", "a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*", "x".repeat(255)].filter((d) => !securityGroupDescription.test(d))).toEqual([]);
    });

    it("refuses an apostrophe, other punctuation EC2 does not list, and 256 characters", () => {
        expect(["the agent's forward protocol", "a \"quoted\" word", "50% off", "é", "x".repeat(256)].filter((d) => securityGroupDescription.test(d))).toEqual([]);
    });
});
