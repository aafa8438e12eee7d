/**
 * The typed stack config: defaults, overrides, and an error naming the key for each kind of bad value.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigKey, defaults, parseStackConfig } from "../../components/config";

const parse = (values: Partial<Record<ConfigKey, string>>) => parseStackConfig((key) => values[key]);

describe("stack config", () => {
    it("defaults to the seed's layout", () => {
        const config = parse({});
        expect(config.target).toBe("local");
        expect(config.store).toEqual({ database: "applogs", collection: "docker", retentionDays: 30 });
        expect(config.search).toEqual({ indexPrefix: "logstash", retentionDays: 30 });
        expect(config.archive).toEqual({ bucket: "applogs", keyPrefix: "logs/" });
        // The benchmark's failover timing (npm run bench): heartbeats every 0.5 s, 0.5 s per connection, 1.5 s without a
        // good heartbeat or ack, 20 s for an ack.
        expect(config.failover).toEqual({ heartbeatIntervalSeconds: 0.5, hardTimeoutSeconds: 1.5, connectTimeoutSeconds: 0.5, recoverWaitSeconds: 3, ackTimeoutSeconds: 20 });
        expect(config.ports).toEqual({ webapp: 8000, search: 9200, archive: 9000, store: 27017, sql: 5432, agent: 24224, kibana: 5601, prometheus: 9090, grafana: 3000 });
    });

    it("runs the canary by default, an event a second, a minute's wait; or not at all", () => {
        expect(parse({}).canary).toEqual({ enabled: true, intervalSeconds: 1, waitSeconds: 60 });
        expect(parse({ canary: "false", canaryIntervalSeconds: "5", canaryWaitSeconds: "12" }).canary).toEqual({ enabled: false, intervalSeconds: 5, waitSeconds: 12 });
    });

    it("copies to today's three sinks by default, or to those dle:sinks lists", () => {
        expect(parse({}).sinks).toEqual(["store", "search", "archive"]);
        expect(parse({ sinks: "store, search,archive , sql" }).sinks).toEqual(["store", "search", "archive", "sql"]);
        expect(parse({ sinks: "search,archive,sql,store" }).sinks).toEqual(["search", "archive", "sql", "store"]);
        expect(parse({ target: "aws", sinks: "store,search,archive,sql,cloudwatch" }).sinks).toEqual(["store", "search", "archive", "sql", "cloudwatch"]);
    });

    it("takes a user's override", () => {
        const config = parse({ webappPort: "8080", failoverTimeoutSeconds: "10", storeCollection: "nginx" });
        expect(config.ports.webapp).toBe(8080);
        expect(config.failover.hardTimeoutSeconds).toBe(10);
        expect(config.store.collection).toBe("nginx");
    });

    it.each<[string, Partial<Record<ConfigKey, string>>, string]>([
        ["an unknown target", { target: "gcp" }, "Invalid stack config `dle:target`: expected one of \"local\", \"aws\", got \"gcp\"."],
        ["a port out of range", { webappPort: "70000" }, "Invalid stack config `dle:webappPort`: expected an integer port from 1 to 65535, got \"70000\"."],
        ["a port that is not a number", { storePort: "mongo" }, "`dle:storePort`: expected an integer port from 1 to 65535"],
        ["a non-positive interval", { agentFlushSeconds: "0" }, "`dle:agentFlushSeconds`: expected a positive whole number of seconds"],
        ["a negative timeout", { failoverTimeoutSeconds: "-5" }, "`dle:failoverTimeoutSeconds`: expected a number of seconds from 0.1 to 600, with at most 3 decimals (like \"0.5\"), got \"-5\""],
        ["a duration with a unit", { heartbeatIntervalSeconds: "500ms" }, "`dle:heartbeatIntervalSeconds`: expected a number of seconds from 0.1 to 60"],
        ["a duration below a tenth of a second", { forwarderFlushSeconds: "0.05" }, "`dle:forwarderFlushSeconds`: expected a number of seconds from 0.1 to 3600"],
        ["a fractional interval where whole seconds are needed", { agentFlushSeconds: "1.5" }, "`dle:agentFlushSeconds`: expected a positive whole number of seconds"],
        ["a connect timeout as long as the failover timeout", { forwardConnectTimeoutSeconds: "1.5" }, "`dle:forwardConnectTimeoutSeconds`: expected fewer seconds than dle:failoverTimeoutSeconds (1.5)"],
        ["an image without a tag", { nginxImage: "nginx" }, "`dle:nginxImage`: expected an image reference with a pinned tag"],
        ["a floating tag", { fluentdImage: "fluent/fluentd:stable" }, "`dle:fluentdImage`: expected an image reference with a pinned tag"],
        ["a malformed tag", { mongoImage: "mongo:7.0 .14" }, "`dle:mongoImage`: expected an image reference with a pinned tag"],
        ["a bad bucket name", { archiveBucket: "App_Logs" }, "`dle:archiveBucket`: expected an S3 bucket name"],
        ["an index prefix with capitals", { searchIndexPrefix: "Logstash" }, "`dle:searchIndexPrefix`: expected a lowercase index prefix"],
        ["no days of search retention", { searchRetentionDays: "0" }, "Invalid stack config `dle:searchRetentionDays`: expected a whole number of days from 1 to 36500, got \"0\"."],
        ["search retention that is not a number", { searchRetentionDays: "a month" }, "`dle:searchRetentionDays`: expected a whole number of days from 1 to 36500"],
        ["a Node.js image without a pinned tag", { nodeImage: "node:latest" }, "`dle:nodeImage`: expected an image reference with a pinned tag"],
        ["a key prefix without a trailing slash", { archiveKeyPrefix: "logs" }, "`dle:archiveKeyPrefix`: expected empty or a key prefix ending in /"],
        ["two parts on one port", { searchPort: "8000" }, "`dle:webappPort`: expected a port no other part publishes (dle:searchPort also uses it)"],
        ["heartbeats slower than the failover timeout", { heartbeatIntervalSeconds: "5" }, "`dle:heartbeatIntervalSeconds`: expected fewer seconds than dle:failoverTimeoutSeconds (1.5)"],
        ["an unknown OpenSearch version", { openSearchEngineVersion: "2.19" }, "`dle:openSearchEngineVersion`: expected a pinned OpenSearch engine version"],
        ["an odd number of OpenSearch nodes", { openSearchInstances: "3" }, "`dle:openSearchInstances`: expected an even number of data nodes from 2 to 10"],
        ["a DocumentDB version that is not pinned", { documentDbEngineVersion: "5" }, "`dle:documentDbEngineVersion`: expected a pinned DocumentDB engine version"],
        ["no DocumentDB instance", { documentDbInstances: "0" }, "`dle:documentDbInstances`: expected a whole number of instances from 1 to 16"],
        ["a DocumentDB instance class without db.", { documentDbInstanceClass: "t3.medium" }, "`dle:documentDbInstanceClass`: expected a DocumentDB instance class"],
        ["Container Insights \"on\", which ECS does not take", { containerInsights: "on" }, "`dle:containerInsights`: expected one of \"enhanced\", \"enabled\", \"disabled\""],
        ["a CPU size Fargate does not have", { forwarderCpu: "300" }, "`dle:forwarderCpu`: expected Fargate CPU units"],
        ["no forwarder worker", { forwarderWorkers: "0" }, "`dle:forwarderWorkers`: expected a whole number of workers from 1 to 16, got \"0\""],
        ["two forwarder workers on half a vCPU", { target: "aws", forwarderWorkers: "2" },
            "Invalid stack config `dle:forwarderWorkers`: expected at most dle:forwarderCpu / 1024 (1 with 512 CPU units) on the aws stack, or dle:forwarderCpu 2048 or more: each worker is a process that uses up to one vCPU, got \"2\"."],
        ["memory outside the CPU size's range", { forwarderCpu: "256", forwarderMemoryMb: "4096" }, "`dle:forwarderMemoryMb`: expected MiB of memory that Fargate allows with 256 CPU units (512, 1024 or 2048)"],
        ["memory between Fargate's steps", { forwarderCpu: "512", forwarderMemoryMb: "1536" },
            "Invalid stack config `dle:forwarderMemoryMb`: expected MiB of memory that Fargate allows with 512 CPU units (1024 to 4096 in steps of 1024), got \"1536\"."],
        ["a VPC CIDR whose address is not the network's", { awsVpcCidr: "10.40.0.1/16" },
            "Invalid stack config `dle:awsVpcCidr`: expected an IPv4 CIDR block from /16 to /24 whose address is the network's (no host bits), like \"10.40.0.0/16\", got \"10.40.0.1/16\"."],
        ["three private subnets, where the OpenSearch domain takes one per zone of two", { awsVpcId: "vpc-0123abcd", awsPublicSubnetIds: "subnet-0123abcd,subnet-4567abcd", awsPrivateSubnetIds: "subnet-0000000a,subnet-0000000b,subnet-0000000c" },
            "Invalid stack config `dle:awsPrivateSubnetIds`: expected exactly two distinct comma-separated subnet IDs, in different AZs, when dle:awsVpcId is set (the OpenSearch domain spans two zones and takes one subnet per zone), got \"subnet-0000000a,subnet-0000000b,subnet-0000000c\"."],
        ["the same public subnet twice", { awsVpcId: "vpc-0123abcd", awsPublicSubnetIds: "subnet-0123abcd,subnet-0123abcd", awsPrivateSubnetIds: "subnet-0000000a,subnet-0000000b" },
            "`dle:awsPublicSubnetIds`: expected at least two distinct comma-separated subnet IDs in different AZs"],
        ["a bucket name S3 reserves", { archiveBucket: "xn--logs" }, "`dle:archiveBucket`: expected an S3 bucket name"],
        ["a bucket name like an IP address", { archiveBucket: "192.168.1.1" }, "`dle:archiveBucket`: expected an S3 bucket name"],
        ["less ephemeral storage than Fargate's minimum", { forwarderEphemeralStorageGb: "20" }, "`dle:forwarderEphemeralStorageGb`: expected GiB of Fargate ephemeral storage from 21 to 200"],
        ["a retention CloudWatch does not offer", { logRetentionDays: "31" }, "`dle:logRetentionDays`: expected a CloudWatch Logs retention in days"],
        ["versioning that is not a boolean", { archiveVersioning: "yes" }, "`dle:archiveVersioning`: expected true or false"],
        ["a transition before S3's 30 days", { archiveTransitionDays: "7" }, "`dle:archiveTransitionDays`: expected a whole number of days from 30 (S3's minimum for STANDARD_IA) to 36500"],
        ["expiry before the transition", { archiveExpirationDays: "30" }, "`dle:archiveExpirationDays`: expected more days than dle:archiveTransitionDays (30)"],
        ["a VPC CIDR too large", { awsVpcCidr: "10.0.0.0/8" }, "`dle:awsVpcCidr`: expected an IPv4 CIDR block from /16 to /24"],
        ["a malformed VPC ID", { awsVpcId: "my-vpc" }, "`dle:awsVpcId`: expected empty (create a VPC) or a VPC ID"],
        ["an existing VPC without private subnets", { awsVpcId: "vpc-0123abcd", awsPublicSubnetIds: "subnet-0123abcd,subnet-4567abcd" }, "`dle:awsPrivateSubnetIds`: expected exactly two distinct comma-separated subnet IDs"],
        ["a verifier that is not an IAM ARN", { verifierPrincipalArn: "alice" }, "`dle:verifierPrincipalArn`: expected empty or an IAM role, user or account root ARN"],
        ["a verifier group that is not a group ID", { verifierSecurityGroupId: "bastion" }, "`dle:verifierSecurityGroupId`: expected empty or a security group ID"],
        ["a canary switch that is not a boolean", { canary: "on" }, "Invalid stack config `dle:canary`: expected true or false, got \"on\"."],
        ["no canary interval", { canaryIntervalSeconds: "0" }, "`dle:canaryIntervalSeconds`: expected a positive whole number of seconds (at most 3600), got \"0\""],
        ["a fractional canary wait", { canaryWaitSeconds: "30.5" }, "`dle:canaryWaitSeconds`: expected a positive whole number of seconds (at most 86400), got \"30.5\""],
        ["a canary wait within the archive's uploads", { canaryWaitSeconds: "11" }, "Invalid stack config `dle:canaryWaitSeconds`: expected more seconds than dle:archiveFlushSeconds plus dle:agentFlushSeconds (11)"],
        ["an empty key prefix on the aws stack, where ECS would drop ARCHIVE_KEY_PREFIX", { target: "aws", archiveKeyPrefix: "" },
            "Invalid stack config `dle:archiveKeyPrefix`: expected a key prefix ending in / on the aws stack, like \"logs/\" (ECS drops an empty environment variable, and the forwarders need ARCHIVE_KEY_PREFIX), got \"\"."],
        ["a bucket name longer than the aws stack's bucketPrefix allows", { target: "aws", archiveBucket: "a".repeat(37) },
            `Invalid stack config \`dle:archiveBucket\`: expected at most 36 characters on the aws stack (the bucket is named <archiveBucket>-<suffix>, and S3's bucketPrefix allows 37), got "${"a".repeat(37)}".`],
        ["a domain name with a wildcard", { albDomainName: "*.example.com", albHostedZoneId: "Z0123456789ABCDEFGHIJ" }, "`dle:albDomainName`: expected empty (none) or a fully qualified domain name like \"logs.example.com\""],
        ["a domain name of one label", { albDomainName: "logs", albHostedZoneId: "Z0123456789ABCDEFGHIJ" }, "`dle:albDomainName`: expected empty (none) or a fully qualified domain name"],
        ["a domain name longer than a certificate's 64 characters", { albDomainName: `${"a".repeat(60)}.example.com`, albHostedZoneId: "Z0123456789ABCDEFGHIJ" }, "`dle:albDomainName`: expected empty (none) or a fully qualified domain name"],
        ["a label ending in a hyphen", { albDomainName: "logs-.example.com", albHostedZoneId: "Z0123456789ABCDEFGHIJ" }, "`dle:albDomainName`: expected empty (none) or a fully qualified domain name"],
        ["a hosted zone ID with its /hostedzone/ path", { albDomainName: "logs.example.com", albHostedZoneId: "/hostedzone/Z0123456789ABCDEFGHIJ" }, "`dle:albHostedZoneId`: expected empty (none) or a Route 53 hosted zone ID"],
        ["a domain name without its hosted zone", { albDomainName: "logs.example.com" },
            "Invalid stack config `dle:albHostedZoneId`: expected the hosted zone of dle:albDomainName (logs.example.com): set both or neither, got \"\"."],
        ["a hosted zone without a domain name", { albHostedZoneId: "Z0123456789ABCDEFGHIJ" },
            "Invalid stack config `dle:albHostedZoneId`: expected empty without dle:albDomainName: set both (a name in the zone) or neither, got \"Z0123456789ABCDEFGHIJ\"."],
        ["both a certificate and a domain name", { albCertificateArn: "arn:aws:acm:us-east-1:111111111111:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f", albDomainName: "logs.example.com", albHostedZoneId: "Z0123456789ABCDEFGHIJ" },
            "`dle:albCertificateArn`: expected empty when dle:albDomainName is set: either your certificate or the one the stack requests for the name, not both"],
        ["a sink dle does not have", { sinks: "store,kafka" },
            "Invalid stack config `dle:sinks`: expected a comma-separated list of distinct sinks, at least one, from \"store\", \"search\", \"archive\", \"sql\", \"cloudwatch\" (like \"store,search,archive\"), got \"store,kafka\"."],
        ["the same sink twice", { sinks: "store,search,store" }, "`dle:sinks`: expected a comma-separated list of distinct sinks"],
        ["no sink at all", { sinks: "" }, "`dle:sinks`: expected a comma-separated list of distinct sinks, at least one"],
        ["no archive", { sinks: "store,search,sql" },
            "Invalid stack config `dle:sinks`: expected a list that includes store, search, archive (missing: archive): the canary, the dashboards and npm run verify read them on every stack, got \"store,search,sql\"."],
        ["a sink name in capitals", { sinks: "Store" }, "`dle:sinks`: expected a comma-separated list of distinct sinks"],
        ["CloudWatch Logs on the local stack", { sinks: "store,search,archive,cloudwatch" },
            "Invalid stack config `dle:sinks`: expected sinks the local stack has (store, search, archive, sql): CloudWatch Logs is AWS only; it needs dle:target aws, got \"store,search,archive,cloudwatch\"."],
        ["a PostgreSQL image of another major than RDS's and the tests'", { postgresImage: "postgres:18.1" },
            "Invalid stack config `dle:postgresImage`: expected a PostgreSQL 17 image (like \"postgres:17.11\"): RDS and the tests run 17, got \"postgres:18.1\"."],
        ["a database PostgreSQL reserves", { sqlDatabase: "postgres" }, "`dle:sqlDatabase`: expected 1 to 63 lowercase letters, digits or _, starting with a letter"],
        ["an RDS class without db.", { rdsInstanceClass: "t4g.small" }, "`dle:rdsInstanceClass`: expected an RDS DB instance class"],
        ["less RDS storage than gp3's minimum", { rdsStorageGb: "10" }, "`dle:rdsStorageGb`: expected GiB of RDS gp3 storage from 20 to 65536"],
        ["the sql sink and the store on one port", { sqlPort: "27017" }, "`dle:storePort`: expected a port no other part publishes (dle:sqlPort also uses it)"],
        ["an RDS CA bundle checksum that is not SHA-256", { rdsCaBundleSha256: "md5:0123" }, "`dle:rdsCaBundleSha256`: expected a SHA-256 checksum of 64 lowercase hex digits"],
    ])("rejects %s, naming the key", (_, values, message) => {
        expect(() => parse(values)).toThrow(message);
    });

    it("defaults to a new two-AZ VPC and production-shaped AWS sizes", () => {
        expect(parse({}).aws).toEqual({
            network: { kind: "new", cidr: "10.40.0.0/16" },
            webappTasks: 2,
            forwarderCpu: 512,
            forwarderMemoryMb: 1024,
            forwarderBufferStorage: "efs",
            forwarderEphemeralStorageGb: 30,
            forwarderBufferBackup: true,
            containerInsights: "enhanced",
            // Deletion protection and a final snapshot by default (FSBP DocumentDB.5).
            documentDb: { engineVersion: "5.0.0", instanceClass: "db.t3.medium", instances: 2, deletionProtection: true, finalSnapshot: true },
            rds: { instanceClass: "db.t4g.small", multiAz: false, storageGb: 20, deletionProtection: true, finalSnapshot: true },
            openSearch: { engineVersion: "OpenSearch_2.19", instanceType: "t3.small.search", instances: 2, volumeGb: 10 },
            logRetentionDays: 30,
            cloudwatchRetentionDays: 30,
            archive: { versioning: false, transitionDays: 30, expirationDays: 365 },
            verifierPrincipalArn: undefined,
            verifierSecurityGroupId: undefined,
            rdsCaBundleSha256: defaults.rdsCaBundleSha256,
        });
    });

    it("takes an empty key prefix and a 63-character bucket locally, where neither goes through ECS or a bucketPrefix", () => {
        const { archive } = parse({ archiveKeyPrefix: "", archiveBucket: "a".repeat(63) });
        expect(archive).toEqual({ bucket: "a".repeat(63), keyPrefix: "" });
    });

    it("takes a 36-character bucket on the aws stack", () => {
        expect(parse({ target: "aws", archiveBucket: "a".repeat(36) }).archive.bucket).toBe("a".repeat(36));
    });

    it("runs one forwarder worker by default, and as many as the task has vCPUs on aws", () => {
        expect(parse({}).forwarderWorkers).toBe(1);
        expect(parse({ forwarderWorkers: "4" }).forwarderWorkers).toBe(4);
        expect(parse({ target: "aws", forwarderWorkers: "2", forwarderCpu: "2048", forwarderMemoryMb: "4096" }).forwarderWorkers).toBe(2);
    });

    it("takes Fargate's larger sizes, in their steps", () => {
        expect(parse({ forwarderCpu: "8192", forwarderMemoryMb: "20480" }).aws).toEqual(expect.objectContaining({ forwarderCpu: 8192, forwarderMemoryMb: 20480 }));
        expect(() => parse({ forwarderCpu: "8192", forwarderMemoryMb: "18432" })).toThrow("(16384 to 61440 in steps of 4096)");
    });

    it("takes an existing VPC and its subnets", () => {
        const network = parse({
            awsVpcId: "vpc-0123abcd",
            awsPublicSubnetIds: "subnet-0000000a, subnet-0000000b",
            awsPrivateSubnetIds: "subnet-0000000c,subnet-0000000d",
        }).aws.network;
        expect(network).toEqual({
            kind: "existing", vpcId: "vpc-0123abcd",
            publicSubnetIds: ["subnet-0000000a", "subnet-0000000b"], privateSubnetIds: ["subnet-0000000c", "subnet-0000000d"],
        });
    });

    it.each(["Pulumi.local.yaml", "Pulumi.aws.yaml"])("accepts the dle:* values of %s", (file) => {
        const values = Object.fromEntries([...fs.readFileSync(path.join(__dirname, "..", "..", file), "utf8").matchAll(/^\s+dle:(\w+):\s*"?([^"\n]*)"?\s*$/gm)]
            .map(([, key, value]) => [key, value]));
        expect(Object.keys(values)).toContain("target");
        expect(() => parse(values)).not.toThrow();
    });

    it("accepts every default, so a fresh stack needs no config", () => {
        expect(() => parseStackConfig((key) => defaults[key])).not.toThrow();
    });
});
