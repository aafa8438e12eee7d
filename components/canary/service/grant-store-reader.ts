/**
 * Run once before the canary in its AWS task (`node grant-store-reader.ts`): grants the canary's read-only store user
 * (./store-reader.ts) with the store's admin connection string. Both connection strings come from Secrets Manager, as
 * variables ECS fills at the start; the canary's own container gets only the reader's. Exits 0 when the user is in
 * place, 1 (saying why, as a JSON line of the log type `app`) when not, and the canary then does not start.
 */
import { grantStoreReader } from "./store-reader.ts";
import { canaryVariables, storeAdminConnectionStringVariable as adminConnectionStringVariable } from "./settings.ts";

function say(level: "info" | "fatal", message: string): void {
    process.stderr.write(`${JSON.stringify({ level, message })}\n`);
}

const admin = process.env[adminConnectionStringVariable];
const reader = process.env[canaryVariables.storeConnectionString];
const database = process.env[canaryVariables.storeDatabase];
if (!admin || !reader || !database) {
    say("fatal", `Granting the canary's store user needs ${adminConnectionStringVariable}, ${canaryVariables.storeConnectionString} and ${canaryVariables.storeDatabase}.`);
    process.exit(1);
}
grantStoreReader(admin, reader, database).then((done) => {
    say("info", `The canary's read-only store user is ${done}.`);
    process.exit(0);
}, (error: Error) => {
    say("fatal", `Granting the canary's read-only store user failed: ${error.message}`);
    process.exit(1);
});
