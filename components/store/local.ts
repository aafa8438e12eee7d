import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { StoreEndpoint } from "../endpoints";
import { localContainer, localVolume, publishedHost } from "../platform/local-container";
import { StoreArgs } from "./args";
import { LocalPlatform } from "../platform/local";
import { On } from "../platform";

const mongoPort = 27017;
const rootUser = "dle";
/** The root password, as a file the image's entrypoint reads (MONGO_INITDB_ROOT_PASSWORD_FILE): never in the environment. */
const rootPasswordFile = "/etc/dle/mongo-root-password";

/** MongoDB on the local Docker network, authentication on, root password generated. */
export function createLocalStore(name: string, parent: pulumi.Resource, args: On<StoreArgs, LocalPlatform>): StoreEndpoint {
    const { config, platform } = args;
    const password = new random.RandomPassword(`${name}-root-password`, {
        length: 32,
        // Letters and digits only: the password goes into a connection string unescaped.
        special: false,
    }, { parent });
    const data = localVolume(`${name}-data`, parent);

    const mongo = localContainer(name, {
        platform,
        image: config.images.mongo,
        alias: "store",
        envs: [`MONGO_INITDB_ROOT_USERNAME=${rootUser}`, `MONGO_INITDB_ROOT_PASSWORD_FILE=${rootPasswordFile}`],
        // The image's entrypoint reads the file after dropping to its mongodb user, on the first start only.
        secretFiles: { owner: "mongodb", imageEntrypoint: ["docker-entrypoint.sh"], files: [{ file: rootPasswordFile, content: password.result }] },
        command: ["mongod"],
        // mongod answers ping without authentication, so the check needs no credentials.
        healthcheck: ["mongosh", "--quiet", "--eval", "db.adminCommand('ping').ok"],
        startPeriodSeconds: 30,
        publish: [{ internal: mongoPort, external: config.ports.store }],
        volumes: [{ volume: data, containerPath: "/data/db" }],
        // The password file's directory; the image's other VOLUME (/data/configdb); /tmp: mongod's socket, and the
        // entrypoint's first-start config and pid file; mongosh's (the health check's) state under root's home.
        writablePaths: ["/etc/dle", "/data/configdb", "/tmp", "/root/.mongodb"],
    }, parent);

    const uri = (host: pulumi.Input<string>, port: pulumi.Input<number>) =>
        pulumi.secret(pulumi.interpolate`mongodb://${rootUser}:${password.result}@${host}:${port}/${config.store.database}?authSource=admin`);
    return {
        connectionString: uri(mongo.host, mongoPort),
        publishedConnectionString: uri(publishedHost, config.ports.store),
        database: config.store.database,
        collection: config.store.collection,
        retentionDays: config.store.retentionDays,
    };
}
