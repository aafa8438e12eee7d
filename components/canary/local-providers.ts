/**
 * The canary's read-only users in the local store and search index, as a Pulumi dynamic resource: like the
 * dashboards' setup (components/dashboards/local-providers.ts), it runs on the machine running `pulumi up`, against the
 * ports the stack publishes on 127.0.0.1, with the sinks' admin credentials, which the canary's container never gets.
 * Its inputs hold the passwords as secrets; it has no outputs. Nothing is deleted: the users live in the sinks' data
 * volumes, which the stack deletes with the sinks.
 */
import * as pulumi from "@pulumi/pulumi";
import { ReaderAccess, applyReaderAccess } from "../dashboards/elasticsearch-users";
import { connectingAs, grantStoreReader } from "./service/store-reader";

/** A user name and its password. */
interface Login {
    username: string;
    password: string;
}

export interface CanaryReadersArgs {
    store: {
        /**
         * The store as this machine reaches it: a connection string without user info. The logins are apart, so that
         * no input holds a URI with a password in it (the policy pack's no-plaintext-secrets).
         */
        address: string;
        /** The store's admin (root) login. */
        admin: Login;
        /** The canary's reader, as its own connection string names it. */
        reader: Login;
        database: string;
    };
    search: ReaderAccess;
}

/** Elasticsearch has just reported healthy, but its security index may still be starting. */
const whileStarting = { attempts: 24, retryDelayMs: 5_000 };

async function grant(args: CanaryReadersArgs): Promise<void> {
    const { address, admin, reader, database } = args.store;
    await grantStoreReader(connectingAs(address, admin), connectingAs(address, reader), database);
    await applyReaderAccess(args.search, whileStarting);
}

const canaryReadersProvider: pulumi.dynamic.ResourceProvider<CanaryReadersArgs> = {
    async create(args) {
        await grant(args);
        return { id: `${args.search.user.username}@${args.search.url}`, outs: {} };
    },
    async update(_id, _olds, args) {
        await grant(args);
        return { outs: {} };
    },
};

type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K] extends object ? Inputs<T[K]> : T[K]> };

/** The canary's store user (role `read` on the log database) and search user (`read` on the log indices), set again whenever an input changes. */
export class CanaryReaders extends pulumi.dynamic.Resource {
    constructor(name: string, args: Inputs<CanaryReadersArgs>, opts?: pulumi.CustomResourceOptions) {
        super(canaryReadersProvider, name, args, opts, "canary", "CanaryReaders");
    }
}
