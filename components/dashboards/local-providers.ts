/**
 * The local stack's two setup steps that no Docker resource can express, as Pulumi dynamic resources: they run
 * on the machine running `pulumi up`, against the ports the stack publishes on 127.0.0.1. Pulumi serializes each
 * provider with the functions it calls (this folder's modules use Node's built-ins only). Neither reads back or
 * deletes anything: Elasticsearch's users and Kibana's saved objects live in Elasticsearch's data volume, which
 * the stack deletes with Elasticsearch. Their inputs hold the passwords as secrets; their outputs hold none.
 */
import * as pulumi from "@pulumi/pulumi";
import { KibanaAccess, applyKibanaAccess } from "./elasticsearch-users";
import { DashboardsTarget, importSavedObjects } from "./saved-objects-import";
import { digestOf } from "./saved-objects";

/** Elasticsearch and Kibana have just reported healthy, but their security index and saved objects may still be starting. */
const whileStarting = { attempts: 24, retryDelayMs: 5_000 };

type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K] extends object ? Inputs<T[K]> : T[K]> };

const kibanaAccessProvider: pulumi.dynamic.ResourceProvider<KibanaAccess> = {
    async create(access) {
        await applyKibanaAccess(access, whileStarting);
        return { id: `${access.login.username}@${access.url}`, outs: {} };
    },
    async update(_id, _olds, access) {
        await applyKibanaAccess(access, whileStarting);
        return { outs: {} };
    },
};

/** `kibana_system`'s password, the reader role and the login user in Elasticsearch, set again whenever an input changes. */
export class KibanaAccessSetup extends pulumi.dynamic.Resource {
    constructor(name: string, args: Inputs<KibanaAccess>, opts?: pulumi.CustomResourceOptions) {
        super(kibanaAccessProvider, name, args, opts, "dashboards", "KibanaAccess");
    }
}

export interface SavedObjectsImportArgs {
    target: DashboardsTarget;
    /** The NDJSON to import. */
    objects: string;
}

const savedObjectsImportProvider: pulumi.dynamic.ResourceProvider<SavedObjectsImportArgs, { digest: string; imported: number }> = {
    async create(args) {
        const { successCount } = await importSavedObjects(args.target, args.objects, whileStarting);
        return { id: args.target.url, outs: { digest: digestOf(args.objects), imported: successCount } };
    },
    async update(_id, _olds, args) {
        const { successCount } = await importSavedObjects(args.target, args.objects, whileStarting);
        return { outs: { digest: digestOf(args.objects), imported: successCount } };
    },
};

/** The saved objects imported with overwrite into a dashboards product: again exactly when the objects (or the target) change. */
export class SavedObjectsImport extends pulumi.dynamic.Resource {
    /** SHA-256 of the imported NDJSON. */
    public readonly digest!: pulumi.Output<string>;
    /** How many objects the product accepted. */
    public readonly imported!: pulumi.Output<number>;

    constructor(name: string, args: Inputs<SavedObjectsImportArgs>, opts?: pulumi.CustomResourceOptions) {
        super(savedObjectsImportProvider, name, { ...args, digest: undefined, imported: undefined }, opts, "dashboards", "SavedObjectsImport");
    }
}
