import * as pulumi from "@pulumi/pulumi";
import { SqlEndpoint } from "../endpoints";
import { SqlArgs } from "./args";
import { createAwsSql } from "./aws";
import { createLocalSql } from "./local";

export * from "./args";

/**
 * The sql sink, with `sql` in dle:sinks: every log event as a row of PostgreSQL 17's `logs` table (fluentd/sql/, which
 * the forwarders apply), in the database dle:sqlDatabase. The official postgres image locally; on AWS an RDS for
 * PostgreSQL instance in the private subnets (encrypted, TLS required, its password in Secrets Manager).
 */
export class Sql extends pulumi.ComponentResource {
    /** How the forwarders and users reach it; the password is secret. */
    public readonly endpoint: SqlEndpoint;

    constructor(name: string, args: SqlArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:sql:Sql", name, {}, opts);
        const { platform } = args;
        if (!args.config.sinks.includes("sql")) {
            throw new Error(`The sql sink \`${name}\` is not in this stack's dle:sinks (${args.config.sinks.join(",")}): do not create it.`);
        }
        this.endpoint = platform.kind === "local"
            ? createLocalSql(name, this, { ...args, platform })
            : createAwsSql(name, this, { ...args, platform });
        this.registerOutputs({ endpoint: this.endpoint });
    }
}
