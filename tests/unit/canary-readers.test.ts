/**
 * The canary's read-only users: the store's (components/canary/service/store-reader.ts: the MongoDB commands, as
 * recorded, and as the local stack runs them against the MongoDB stand-in, whose users have roles) and the search index's
 * (components/dashboards/elasticsearch-users.ts, against the Elasticsearch stand-in's security API, where the user can
 * then search the log indices and nothing else).
 */
import { Client } from "@elastic/elasticsearch";
import { applyReaderAccess } from "../../components/dashboards/elasticsearch-users";
import { MongoClient } from "mongodb";
import { CommandRunner, connectingAs, credentialsOf, grantStoreReader, grantStoreReaderWith, withCredentials, withoutCredentials } from "../../components/canary/service/store-reader";
import { ElasticsearchStandin, startElasticsearchStandin } from "../standins/elasticsearch-standin";
import { MongoStandin, startMongoStandin } from "../standins/mongo-standin";

/** A MongoDB admin database that records the commands and knows the users created so far. */
function recordingAdmin(existing: string[] = []) {
    const users = new Set(existing);
    const commands: Record<string, unknown>[] = [];
    const admin: CommandRunner = {
        async command(command) {
            commands.push(command);
            if ("usersInfo" in command) return { users: users.has(command.usersInfo as string) ? [{ user: command.usersInfo }] : [], ok: 1 };
            if ("createUser" in command) users.add(command.createUser as string);
            return { ok: 1 };
        },
    };
    return { admin, commands };
}

describe("the canary's store user", () => {
    const reader = { username: "dle-canary", password: "s3cret" };

    it("is created with the role read on the log database only", async () => {
        const { admin, commands } = recordingAdmin();
        expect(await grantStoreReaderWith(admin, reader, "applogs")).toBe("created");
        expect(commands).toEqual([
            { usersInfo: "dle-canary" },
            { createUser: "dle-canary", pwd: "s3cret", roles: [{ role: "read", db: "applogs" }] },
        ]);
    });

    it("is updated, password and roles, when it exists: granting twice changes nothing else", async () => {
        const { admin, commands } = recordingAdmin(["dle-canary"]);
        expect(await grantStoreReaderWith(admin, reader, "applogs")).toBe("updated");
        expect(commands.at(-1)).toEqual({ updateUser: "dle-canary", pwd: "s3cret", roles: [{ role: "read", db: "applogs" }] });
    });

    it("takes its name and password from its connection string, which keeps the store's hosts and options", () => {
        const admin = "mongodb://dle:rootpw@store:27017/applogs?authSource=admin";
        const readerUri = withCredentials(admin, "dle-canary", "p@ss/word");
        expect(readerUri).toBe("mongodb://dle-canary:p%40ss%2Fword@store:27017/applogs?authSource=admin");
        expect(credentialsOf(readerUri)).toEqual({ username: "dle-canary", password: "p@ss/word" });
        expect(() => withCredentials("mongodb://store:27017/applogs", "a", "b")).toThrow("The store's connection string has no credentials to replace.");
        const address = withoutCredentials(admin);
        expect(address).not.toContain("@");
        expect(connectingAs(address, { username: "dle-canary", password: "p@ss/word" })).toBe(readerUri);
        expect(() => connectingAs(admin, { username: "a", password: "b" })).toThrow("not a connection string without user info");
        expect(() => credentialsOf("mongodb://store:27017/applogs")).toThrow("The store reader's connection string has no user name and password.");
    });
});

describe("the canary's store user (MongoDB stand-in)", () => {
    let standin: MongoStandin;

    beforeAll(async () => {
        standin = await startMongoStandin({ username: "dle", password: "root-pw" });
    });
    afterAll(() => standin.stop());

    it("is granted as the local stack grants it, and may read the log database and nothing else", async () => {
        // The stack's published connection string, as components/canary/local-providers.ts takes it apart.
        const published = standin.uri.replace("/?", "/applogs?");
        const address = withoutCredentials(published);
        const admin = connectingAs(address, credentialsOf(published));
        const reader = connectingAs(address, { username: "dle-canary", password: "reader-pw" });
        const root = await new MongoClient(admin, { serverSelectionTimeoutMS: 3_000 }).connect();
        await root.db("applogs").collection("docker").insertOne({ log: "x" });
        await root.db("secrets").collection("keys").insertOne({ key: "y" });
        await root.close();
        expect(await grantStoreReader(admin, reader, "applogs")).toBe("created");
        expect(await grantStoreReader(admin, reader, "applogs")).toBe("updated");

        const canary = await new MongoClient(reader, { serverSelectionTimeoutMS: 3_000 }).connect();
        try {
            expect(await canary.db("applogs").collection("docker").find({}).toArray()).toHaveLength(1);
            await expect(canary.db("applogs").collection("docker").insertOne({ log: "forged" })).rejects.toMatchObject({ code: 13 });
            await expect(canary.db("secrets").collection("keys").findOne({})).rejects.toMatchObject({ code: 13 });
        } finally {
            await canary.close();
        }
    });
});

describe("the canary's search user (Elasticsearch stand-in)", () => {
    let standin: ElasticsearchStandin;
    const superuser = { username: "elastic", password: "elastic-pw" };

    beforeAll(async () => {
        standin = await startElasticsearchStandin(superuser);
        standin.store.ensureIndex("logstash-2026.12.01");
        standin.store.ensureIndex("secrets-2026.12.01");
    });
    afterAll(() => standin.stop());

    it("may search the log indices and nothing else, and is granted again without harm", async () => {
        const access = { url: standin.url, superuser, role: { name: "dle-canary-reader", indexPattern: "logstash-*" }, user: { username: "dle-canary", password: "reader-pw" } };
        await applyReaderAccess(access);
        await applyReaderAccess(access);
        const client = new Client({ node: standin.url, auth: { username: "dle-canary", password: "reader-pw" }, maxRetries: 0 });
        await expect(client.search({ index: "logstash-2026.12.01*", query: { match_all: {} } })).resolves.toBeDefined();
        await expect(client.search({ index: "secrets-2026.12.01", query: { match_all: {} } })).rejects.toThrow(/security_exception/);
        await expect(client.bulk({ operations: [{ index: { _index: "logstash-2026.12.01" } }, { log: "x" }] })).rejects.toThrow(/security_exception/);
        await client.close();
    });
});
