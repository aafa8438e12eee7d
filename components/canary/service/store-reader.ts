/**
 * The canary's own store user, which may only read: created (or its password set again) with the store's admin
 * credentials, which the canary itself never gets. The reader's name and password are those of its connection string.
 * Locally the stack runs this from the machine running Pulumi (components/canary/local-providers.ts); on AWS a
 * container of the canary's task runs it before the canary starts (./grant-store-reader.ts), since DocumentDB is
 * reachable only inside the VPC. MongoDB and DocumentDB both have the built-in role `read` and these commands.
 */
import { MongoClient } from "mongodb";

/** The slice of a MongoDB database handle this needs: one command at a time. */
export interface CommandRunner {
    command(command: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** The user name and password of a connection string (its user info, before the host), decoded. */
export function credentialsOf(connectionString: string): { username: string; password: string } {
    const match = /^mongodb(?:\+srv)?:\/\/([^:@/]+):([^@/]*)@/.exec(connectionString);
    if (match === null) throw new Error("The store reader's connection string has no user name and password.");
    return { username: decodeURIComponent(match[1]), password: decodeURIComponent(match[2]) };
}

/** The connection string with another user and password in it, the rest (hosts, TLS, authSource) kept. */
export function withCredentials(connectionString: string, username: string, password: string): string {
    const replaced = connectionString.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, `$1${encodeURIComponent(username)}:${encodeURIComponent(password)}@`);
    if (replaced === connectionString) throw new Error("The store's connection string has no credentials to replace.");
    return replaced;
}

/** Where a connection string points, without its user info: the same string with no credential in it. */
export function withoutCredentials(connectionString: string): string {
    const stripped = connectionString.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, "$1");
    if (stripped === connectionString) throw new Error("The store's connection string has no credentials to remove.");
    return stripped;
}

/** A connection string to `address` (one without user info, see withoutCredentials) as the user `credentials` names. */
export function connectingAs(address: string, credentials: { username: string; password: string }): string {
    if (!/^mongodb(?:\+srv)?:\/\/[^@/]*(\/|$)/.test(address)) throw new Error("The store's address is not a connection string without user info.");
    return address.replace(/^(mongodb(?:\+srv)?:\/\/)/, `$1${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@`);
}

/**
 * Creates the reader in `admin` (where the connection strings authenticate) with the role `read` on `database` only,
 * or, when it exists, sets its password and roles again: running it twice changes nothing.
 */
export async function grantStoreReaderWith(admin: CommandRunner, reader: { username: string; password: string }, database: string): Promise<"created" | "updated"> {
    const info = await admin.command({ usersInfo: reader.username });
    const exists = Array.isArray(info.users) && info.users.length > 0;
    const roles = [{ role: "read", db: database }];
    await admin.command(exists
        ? { updateUser: reader.username, pwd: reader.password, roles }
        : { createUser: reader.username, pwd: reader.password, roles });
    return exists ? "updated" : "created";
}

/** Connects with the admin connection string and grants the reader of `readerConnectionString`. */
export async function grantStoreReader(adminConnectionString: string, readerConnectionString: string, database: string): Promise<"created" | "updated"> {
    const client = new MongoClient(adminConnectionString, { serverSelectionTimeoutMS: 30_000 });
    try {
        return await grantStoreReaderWith(client.db("admin"), credentialsOf(readerConnectionString), database);
    } finally {
        await client.close();
    }
}
