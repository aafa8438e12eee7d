/**
 * The small types passed from one part of the pipeline to the next. Wiring runs against the data flow:
 * archive, search and store first, then the forwarder pair built from their endpoints, then the agent
 * from the pair's, then the webapp from the agent's. No part knows another's hostname.
 *
 * Each endpoint has the address the next part uses (inside the stack's network) and, where a user or
 * the verification suite needs one, the address published to them. Credentials are always secret Outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { FargateContainer } from "./fargate-container";

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
    /**
     * On AWS, the Secrets Manager secret whose value is `connectionString`: ECS hands it to the forwarders
     * at task start (a container `secrets` entry), so it never appears in a task definition.
     */
    connectionStringSecretArn?: pulumi.Output<string>;
    /** On AWS: what deleting the cluster takes (scripts/destroy-aws.ts reads both from the stack's outputs). */
    deletion?: {
        /** Whether AWS refuses to delete the cluster (dle:documentDbDeletionProtection). */
        protection: boolean;
        /** The final snapshot deleting the cluster leaves; undefined when there is none (dle:documentDbFinalSnapshot false). */
        finalSnapshotIdentifier?: pulumi.Output<string>;
    };
}

/** How a client authenticates to the search sink. */
export type SearchAuth =
    | {
        kind: "basic";
        username: pulumi.Output<string>;
        /** Secret. */
        password: pulumi.Output<string>;
    }
    | {
        /** Requests signed with the caller's AWS credentials (the forwarders' task role); no static keys. */
        kind: "aws-sigv4";
        region: pulumi.Output<string>;
        /** The domain, for the IAM policies that grant access to it. */
        domainArn: pulumi.Output<string>;
    };

/** The search sink: Elasticsearch locally, Amazon OpenSearch on AWS. */
export interface SearchEndpoint extends HostPort {
    scheme: pulumi.Output<"http" | "https">;
    auth: SearchAuth;
    /** For users and the verification suite. */
    publishedUrl: pulumi.Output<string>;
    indexPrefix: string;
    /** Days an index is kept: the forwarders install the ILM (Elasticsearch) or ISM (OpenSearch) policy. */
    retentionDays: number;
}

/** How the archive is reached and authenticated. */
export type ArchiveAccess =
    | {
        /** An S3-compatible server at its own endpoint, with generated keys. */
        kind: "keys";
        /** The S3 API endpoint the forwarders use. */
        endpoint: pulumi.Output<string>;
        /** The S3 API endpoint for users and the verification suite. */
        publishedEndpoint: pulumi.Output<string>;
        /** Secret. */
        accessKeyId: pulumi.Output<string>;
        /** Secret. */
        secretAccessKey: pulumi.Output<string>;
        /** Keys that may only read and list the objects (the canary's); secret. */
        reader: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
        /**
         * Where the forwarders get their credentials, as an ECS task does: a container credentials endpoint that
         * serves the writer's keys to a client holding the token. The forwarders hold no key.
         */
        credentialsEndpoint: {
            /** For AWS_CONTAINER_CREDENTIALS_FULL_URI. */
            fullUri: pulumi.Output<string>;
            /** The authorization token; secret. */
            token: pulumi.Output<string>;
            /** The network the endpoint is on, which its clients join. */
            network: pulumi.Output<string>;
        };
    }
    | {
        /** Amazon S3's regional endpoint and the caller's default AWS credentials (the forwarders' task role). */
        kind: "aws-default-credentials";
        /** The bucket, for the IAM policies that grant access to it. */
        bucketArn: pulumi.Output<string>;
    };

/** The archive: an S3-compatible server locally, Amazon S3 on AWS. */
export interface ArchiveEndpoint {
    region: pulumi.Output<string>;
    bucket: pulumi.Output<string>;
    keyPrefix: string;
    access: ArchiveAccess;
}

/** The sql sink: PostgreSQL locally, Amazon RDS for PostgreSQL on AWS. */
export interface SqlEndpoint extends HostPort {
    database: string;
    /** The user the forwarders write as (the database's owner: they apply its migrations). */
    username: string;
    /** Secret. */
    password: pulumi.Output<string>;
    /** libpq's sslmode: `verify-full` against the Amazon RDS CA bundle on AWS; `disable` on the local stack's network. */
    sslmode: "disable" | "verify-full";
    /** For users and the verification suite: a postgres:// URL with the password (from the host locally); secret. */
    publishedUrl: pulumi.Output<string>;
    /** On AWS, the Secrets Manager secret whose value is `password`, for the forwarders' ECS `secrets`. */
    passwordSecretArn?: pulumi.Output<string>;
    /** On AWS: what deleting the instance takes, as the store's `deletion`. */
    deletion?: {
        protection: boolean;
        finalSnapshotIdentifier?: pulumi.Output<string>;
    };
}

/** The cloudwatch sink (aws only): CloudWatch Logs, one log group per application and log type. */
export interface CloudWatchLogsEndpoint {
    region: pulumi.Output<string>;
    /** Every group's name starts with it: `<prefix><app>/<log type>`, and `<prefix>other` for events of neither. */
    groupPrefix: string;
    /** The groups the stack created, by name: the forwarders write only to these. */
    groups: { name: pulumi.Output<string>; arn: pulumi.Output<string> }[];
}

/**
 * What the forwarders require of a client on the forward protocol, handed to the agent: TLS both ways (the agent
 * verifies the forwarders' certificates, issued for the names in `primary.host` and `secondary.host`, against the
 * CA, and presents its own client certificate from the same CA), then the shared key, which both sides prove
 * they know.
 */
export interface ForwardClientSecurity {
    /** The CA certificate (PEM) of every certificate on the link; public. */
    caCertPem: pulumi.Output<string>;
    /** The agent's client certificate (PEM); public. */
    clientCertPem: pulumi.Output<string>;
    /** Its private key (PEM); secret. */
    clientKeyPem: pulumi.Output<string>;
    /** Secret. */
    sharedKey: pulumi.Output<string>;
    /** On AWS, the Secrets Manager secrets holding `sharedKey` and `clientKeyPem`, for the agent's ECS `secrets`. */
    secretArns?: { sharedKey: pulumi.Output<string>; clientKey: pulumi.Output<string> };
}

/** The forwarder pair, as the agent reaches it. */
export interface ForwarderEndpoints {
    primary: HostPort;
    secondary: HostPort;
    security: ForwardClientSecurity;
}

/** The log agent, as the webapp's log driver reaches it. */
export interface AgentEndpoint extends HostPort {
    /**
     * Where applications log straight to the agent over the forward protocol (the api): locally the agent's port on
     * the stack's network, on AWS FireLens's forward source in the same task.
     */
    appInput: HostPort;
    /**
     * The tag prefix an application adds to its records' tags, so that they reach the agent as `app.<application>`:
     * none locally (the agent's own input adds it), `app` on AWS (FireLens's forward source adds nothing).
     */
    appTagPrefix?: string;
    /**
     * On AWS: the FireLens log-router container that runs the agent inside each webapp task (Fargate has no
     * fluentd log driver to point at a separate agent). The webapp adds it to its task definition.
     */
    sidecar?: FargateContainer;
}

/** The api, as the webapp's nginx reaches it (components/webapp/targets/<target>/api-upstream.conf names it). */
export interface ApiEndpoint extends HostPort {
    /** On AWS: the api's container, which runs in each webapp task beside nginx. The webapp adds it to its task definition. */
    sidecar?: FargateContainer;
    /** On AWS: the api image's ECR repository, which the webapp task's execution role may pull from. */
    repositoryArn?: pulumi.Output<string>;
}
