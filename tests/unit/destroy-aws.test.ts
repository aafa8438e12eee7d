/**
 * `npm run destroy:aws` (scripts/destroy-aws.ts) decides from the stack's outputs and config alone, before the Pulumi
 * CLI deletes anything; and the final snapshot's identifier it lists is one DocumentDB accepts, for any stack name.
 */
import { destroyDecision } from "../../scripts/destroy-aws";
import { documentDbFinalSnapshotIdentifier, documentDbSnapshotIdentifier } from "../../components/constraints";

describe("destroyDecision", () => {
    it("stops while the deployed cluster has deletion protection, naming the key and the deploy that switches it off", () => {
        const decision = destroyDecision("aws", { storeDeletionProtection: true, storeFinalSnapshot: "dle-aws-store-final-0a1b2c3d" }, {});
        expect(decision.proceed).toBe(false);
        expect(decision.lines[0]).toMatch(/^Stopped before deleting anything: .*deletion protection on \(dle:documentDbDeletionProtection\)/);
        expect(decision.lines[1]).toBe("Switch it off and deploy that first: pulumi config set dle:documentDbDeletionProtection false --stack aws && npm run deploy:aws, then run npm run destroy:aws again.");
        expect(decision.lines[2]).toContain("final snapshot dle-aws-store-final-0a1b2c3d");
    });

    it("still stops when only the config has switched it off: the cluster keeps it until a deploy applies that", () => {
        const decision = destroyDecision("aws", { storeDeletionProtection: true }, { "dle:documentDbDeletionProtection": { value: "false" } });
        expect(decision.proceed).toBe(false);
        expect(decision.lines[1]).toMatch(/^The config already has `dle:documentDbDeletionProtection false`, but the deployed cluster still has the protection: deploy it/);
    });

    it("goes ahead once the deployed cluster has no protection, and lists the snapshot it leaves", () => {
        expect(destroyDecision("aws", { storeDeletionProtection: false, storeFinalSnapshot: "dle-aws-store-final-0a1b2c3d" }, {})).toEqual({
            proceed: true,
            lines: ["The destroy leaves the DocumentDB cluster's final snapshot dle-aws-store-final-0a1b2c3d (it is billed until you delete it: aws docdb delete-db-cluster-snapshot --db-cluster-snapshot-identifier dle-aws-store-final-0a1b2c3d)."],
        });
    });

    it("stops while the sql sink's RDS instance has deletion protection, naming its key; lists its snapshot once it goes", () => {
        const stopped = destroyDecision("aws", { storeDeletionProtection: false, sqlDeletionProtection: true, sqlFinalSnapshot: "dle-aws-sql-final-0a1b2c3d" }, {});
        expect(stopped.proceed).toBe(false);
        expect(stopped.lines[0]).toMatch(/^Stopped before deleting anything: .*sql sink .*deletion protection on \(dle:rdsDeletionProtection\)/);
        expect(stopped.lines[1]).toBe("Switch it off and deploy that first: pulumi config set dle:rdsDeletionProtection false --stack aws && npm run deploy:aws, then run npm run destroy:aws again.");
        const going = destroyDecision("aws", { storeDeletionProtection: false, sqlDeletionProtection: false, sqlFinalSnapshot: "dle-aws-sql-final-0a1b2c3d" }, {});
        expect(going.proceed).toBe(true);
        expect(going.lines[1]).toContain("aws rds delete-db-snapshot --db-snapshot-identifier dle-aws-sql-final-0a1b2c3d");
    });

    it("says when no snapshot stays, and when the stack has no such outputs at all", () => {
        expect(destroyDecision("aws", { storeDeletionProtection: false }, {}).lines).toEqual(["The destroy leaves no snapshot of the store (dle:documentDbFinalSnapshot false): its documents go with the cluster."]);
        expect(destroyDecision("aws", {}, {})).toEqual({ proceed: true, lines: [expect.stringMatching(/^The stack has no storeDeletionProtection output/)] });
    });
});

describe("the final snapshot's identifier", () => {
    it("is dle-<stack>-store-final-<suffix> for a plain stack name", () => {
        expect(documentDbFinalSnapshotIdentifier("aws", "0a1b2c3d")).toBe("dle-aws-store-final-0a1b2c3d");
    });

    it("is one DocumentDB accepts whatever the stack is called (Pulumi allows _ . and a leading digit; the API does not)", () => {
        const stacks = ["aws", "Prod_EU.1", "9lives", "a--b", "-x-", "__", "x".repeat(300)];
        const ids = stacks.map((stack) => documentDbFinalSnapshotIdentifier(stack, "0a1b2c3d"));
        expect(ids.filter((id) => !documentDbSnapshotIdentifier.test(id))).toEqual([]);
        expect(ids[1]).toBe("dle-prod-eu-1-store-final-0a1b2c3d");
        // Two stacks, two names: the stack's name is in it.
        expect(new Set(ids.slice(0, 3)).size).toBe(3);
    });

    it("the constraint refuses what the API refuses", () => {
        expect(["1abc", "a--b", "ab-", "a_b", "", "a".repeat(256)].filter((id) => documentDbSnapshotIdentifier.test(id))).toEqual([]);
        expect(["a", "a-b-1", "A".repeat(255)].filter((id) => !documentDbSnapshotIdentifier.test(id))).toEqual([]);
    });
});
