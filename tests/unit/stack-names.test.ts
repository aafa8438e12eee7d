/**
 * The stack's label in physical names (components/stack-names.ts): one DNS label, whatever Pulumi allows in a stack name.
 */
import { stackLabel } from "../../components/stack-names";

describe("stackLabel", () => {
    it("keeps a stack name that is already a DNS label", () => {
        expect(stackLabel("aws-eu-2")).toBe("aws-eu-2");
    });

    it("lowercases, and turns what a DNS label, a dashboard name or a task family refuses into hyphens", () => {
        expect(stackLabel("Prod_EU.v2")).toBe("prod-eu-v2");
    });

    it("keeps at most 63 characters", () => {
        expect(stackLabel("s".repeat(80))).toHaveLength(63);
    });
});
