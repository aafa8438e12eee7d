import * as pulumi from "@pulumi/pulumi";
import { DashboardsArgs } from "./args";
import { createAwsDashboards } from "./aws";
import { createLocalDashboards } from "./local";
import { DashboardsProduct } from "./saved-objects-import";

export * from "./args";

/**
 * A UI on the search index with a ready dashboard: Kibana (the Elasticsearch version's) on 127.0.0.1 locally,
 * the domain's own OpenSearch Dashboards on AWS. On every deploy that changes them, the stack imports the saved
 * objects of `saved-objects.ndjson` (a data view, a saved search per log type, the "dle logs" dashboard) with
 * overwrite: locally from the machine running Pulumi, on AWS from a Lambda function inside the VPC.
 */
export class Dashboards extends pulumi.ComponentResource {
    /** "kibana" or "opensearch-dashboards". */
    public readonly product: DashboardsProduct;
    /** Where people open the dashboards (private on AWS: see docs/dashboards.md). */
    public readonly url: pulumi.Output<string>;
    /** The login user, locally; undefined on AWS. */
    public readonly username?: pulumi.Output<string>;
    /** Its password (secret), locally; undefined on AWS. */
    public readonly password?: pulumi.Output<string>;

    constructor(name: string, args: DashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:dashboards:Dashboards", name, {}, opts);
        const { platform, search } = args;
        const wanted = platform.kind === "local" ? "basic" : "aws-sigv4";
        if (search.auth.kind !== wanted) {
            throw new pulumi.ResourceError(`\`search\` must be reached with ${wanted} authentication on the ${platform.kind} target, not ${search.auth.kind}`, this);
        }
        const outputs = platform.kind === "local"
            ? createLocalDashboards(name, this, { ...args, platform })
            : createAwsDashboards(name, this, { ...args, platform });
        this.product = outputs.product;
        this.url = outputs.url;
        this.username = outputs.login?.username;
        this.password = outputs.login?.password;
        this.registerOutputs({ product: this.product, url: this.url, username: this.username, password: this.password });
    }
}
