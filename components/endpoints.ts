/**
 * The small types passed from one part of the pipeline to the next. Wiring runs against the data flow:
 * archive, search and store first, then the forwarder pair built from their endpoints, then the agent
 * from the pair's, then the webapp from the agent's. No part knows another's hostname.
 *
 * Each endpoint has the address the next part uses (inside the stack's network) and, where a user or
 * the verification suite needs one, the address published to them. Credentials are always secret Outputs.
 */
import * as pulumi from "@pulumi/pulumi";

/** A host and port reachable by the parts inside the stack's network. */
export interface HostPort {
    host: pulumi.Output<string>;
    port: pulumi.Output<number>;
}

/** The store: MongoDB locally, DocumentDB on AWS. */
export interface StoreEndpoint {
    /** For the forwarders, inside the network; includes the password, so it is secret. */
    connectionString: pulumi.Output<string>;
    /** For users and the verification suite (from the host locally); secret. */
    publishedConnectionString: pulumi.Output<string>;
    database: string;
    collection: string;
    retentionDays: number;
}

/** The search sink: Elasticsearch locally, Amazon OpenSearch on AWS. */
export interface SearchEndpoint extends HostPort {
    scheme: pulumi.Output<"http" | "https">;
    username: pulumi.Output<string>;
    /** Secret. */
    password: pulumi.Output<string>;
    /** For users and the verification suite. */
    publishedUrl: pulumi.Output<string>;
    indexPrefix: string;
}

/** The archive: an S3-compatible server locally, Amazon S3 on AWS. */
export interface ArchiveEndpoint {
    /** The S3 API endpoint the forwarders use. */
    endpoint: pulumi.Output<string>;
    /** The S3 API endpoint for users and the verification suite. */
    publishedEndpoint: pulumi.Output<string>;
    region: pulumi.Output<string>;
    bucket: pulumi.Output<string>;
    keyPrefix: string;
    /** Secret. */
    accessKeyId: pulumi.Output<string>;
    /** Secret. */
    secretAccessKey: pulumi.Output<string>;
}

/** The forwarder pair, as the agent reaches it. */
export interface ForwarderEndpoints {
    primary: HostPort;
    secondary: HostPort;
}

/** The log agent, as the webapp's log driver reaches it. */
export type AgentEndpoint = HostPort;
