/**
 * `npm run destroy:aws`: destroys the aws stack, but only once nothing can stop the destroy half-way. With DocumentDB's
 * deletion protection on (dle:documentDbDeletionProtection, the default), or the sql sink's RDS instance's
 * (dle:rdsDeletionProtection), AWS refuses to delete the cluster (or the instance), and
 * `pulumi destroy` would fail only after it had deleted everything the cluster does not depend on. So this reads the
 * stack's outputs (what the last deploy applied) and its config first, stops with the key to switch off while the
 * protection is on, and otherwise says which final snapshot the destroy leaves before it runs `pulumi destroy`.
 *
 *     node --import tsx scripts/destroy-aws.ts [stack]     (the stack defaults to "aws")
 */
import { execFileSync, spawnSync } from "child_process";

/** The stack outputs this reads (index.ts exports them). */
export interface DeployedStore {
    storeDeletionProtection?: boolean;
    storeFinalSnapshot?: string;
    /** With the sql sink (dle:sinks sql): its RDS instance's. */
    sqlDeletionProtection?: boolean;
    sqlFinalSnapshot?: string;
}

/** What to do: go ahead (and say what stays), or stop (and say why, and what to do). */
export interface DestroyDecision {
    proceed: boolean;
    lines: string[];
}

const protectionKey = "dle:documentDbDeletionProtection";
const sqlProtectionKey = "dle:rdsDeletionProtection";

/**
 * Decides from the stack's outputs and its config (`pulumi config --json`: each key's `value`) whether a destroy can
 * delete everything. The outputs decide, since they are what AWS holds; the config only says what the next deploy does.
 */
export function destroyDecision(stack: string, outputs: DeployedStore, config: Record<string, { value?: string }>): DestroyDecision {
    if (outputs.storeDeletionProtection === true) {
        const configured = config[protectionKey]?.value;
        const next = configured === "false"
            ? `The config already has \`${protectionKey} false\`, but the deployed cluster still has the protection: deploy it (npm run deploy:aws), then run npm run destroy:aws again.`
            : `Switch it off and deploy that first: pulumi config set ${protectionKey} false --stack ${stack} && npm run deploy:aws, then run npm run destroy:aws again.`;
        return {
            proceed: false,
            lines: [
                `Stopped before deleting anything: the stack ${stack}'s DocumentDB cluster has deletion protection on (${protectionKey}), so AWS would refuse to delete it and the destroy would stop half-way.`,
                next,
                ...snapshotLines(outputs),
            ],
        };
    }
    if (outputs.sqlDeletionProtection === true) {
        const next = config[sqlProtectionKey]?.value === "false"
            ? `The config already has \`${sqlProtectionKey} false\`, but the deployed instance still has the protection: deploy it (npm run deploy:aws), then run npm run destroy:aws again.`
            : `Switch it off and deploy that first: pulumi config set ${sqlProtectionKey} false --stack ${stack} && npm run deploy:aws, then run npm run destroy:aws again.`;
        return {
            proceed: false,
            lines: [
                `Stopped before deleting anything: the stack ${stack}'s sql sink (RDS for PostgreSQL) has deletion protection on (${sqlProtectionKey}), so AWS would refuse to delete it and the destroy would stop half-way.`,
                next,
                ...snapshotLines(outputs),
            ],
        };
    }
    return { proceed: true, lines: snapshotLines(outputs) };
}

/** What the destroy leaves of the store, and of the sql sink where the stack has it. */
function snapshotLines(outputs: DeployedStore): string[] {
    const sql = outputs.sqlFinalSnapshot === undefined
        ? outputs.sqlDeletionProtection === undefined ? [] : ["The destroy leaves no snapshot of the sql sink (dle:rdsFinalSnapshot false): its rows go with the instance."]
        : [`The destroy leaves the sql sink's final snapshot ${outputs.sqlFinalSnapshot} (it is billed until you delete it: aws rds delete-db-snapshot --db-snapshot-identifier ${outputs.sqlFinalSnapshot}).`];
    return [...storeSnapshotLines(outputs), ...sql];
}

function storeSnapshotLines(outputs: DeployedStore): string[] {
    if (outputs.storeFinalSnapshot !== undefined) {
        return [
            `The destroy leaves the DocumentDB cluster's final snapshot ${outputs.storeFinalSnapshot} (it is billed until you delete it: aws docdb delete-db-cluster-snapshot --db-cluster-snapshot-identifier ${outputs.storeFinalSnapshot}).`,
        ];
    }
    return outputs.storeDeletionProtection === undefined
        ? ["The stack has no storeDeletionProtection output (never deployed, or deployed before it existed): nothing is known of a final snapshot."]
        : ["The destroy leaves no snapshot of the store (dle:documentDbFinalSnapshot false): its documents go with the cluster."];
}

/** The stack's outputs and config, from the Pulumi CLI. */
function readStack(stack: string): { outputs: DeployedStore; config: Record<string, { value?: string }> } {
    const json = (args: string[]) => JSON.parse(execFileSync("pulumi", [...args, "--json", "--stack", stack], { encoding: "utf8" }) || "{}");
    return { outputs: json(["stack", "output"]) as DeployedStore, config: json(["config"]) as Record<string, { value?: string }> };
}

if (require.main === module) {
    const stack = process.argv[2] ?? "aws";
    const { outputs, config } = readStack(stack);
    const decision = destroyDecision(stack, outputs, config);
    for (const line of decision.lines) console.log(line);
    if (!decision.proceed) process.exit(1);
    const destroy = spawnSync("pulumi", ["destroy", "--stack", stack, "--yes"], { stdio: "inherit" });
    process.exit(destroy.status ?? 1);
}
