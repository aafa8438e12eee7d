/**
 * What AWS and Docker accept, where Pulumi's mocks accept anything: each constraint that a value of this program
 * must meet before it reaches an AWS or Docker API, as a pure function, with what it expects in words and where the
 * constraint is documented. The stack config's schema (components/config.ts) and the policy pack (policy/) both import
 * these, so that each rule has one copy.
 */

/** One constraint on a value: a test, what it expects (in words, for an error message) and where it is documented. */
export interface Constraint<T> {
    /** What a value must be, completing "expected …". */
    readonly expected: string;
    /** Where AWS, Docker or the provider documents it. */
    readonly source: string;
    test(value: T): boolean;
}

/**
 * The description of an EC2 security group in a VPC, and of each of its rules: at most 255 characters of
 * `a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*` (no apostrophe). The provider does not check it at plan time, so a preview passes
 * and the update fails.
 */
export const securityGroupDescription: Constraint<string> = {
    expected: "at most 255 characters of a-z, A-Z, 0-9, space and ._-:/()#,@[]+=&;{}!$*",
    source: "EC2 API reference, CreateSecurityGroup GroupDescription and IpRange.Description; hashicorp/terraform-provider-aws#18874",
    test: (text) => /^[A-Za-z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/.test(text),
};

/**
 * A Cloud Map service's custom health check threshold: AWS always stores 1. Without it the provider sends no
 * `HealthCheckCustomConfig`, reads back `failure_threshold = 1`, and every later preview shows a forced replacement,
 * which then fails on the service's own name.
 */
export const cloudMapCustomHealthCheckFailureThreshold = 1;

export const cloudMapHealthCheckCustomConfig: Constraint<{ failureThreshold?: number } | undefined> = {
    expected: `no custom health check, or one with failureThreshold ${cloudMapCustomHealthCheckFailureThreshold}`,
    source: "AWS Cloud Map API reference, HealthCheckCustomConfig; hashicorp/terraform-provider-aws#44285",
    test: (config) => config === undefined || config.failureThreshold === cloudMapCustomHealthCheckFailureThreshold,
};

/**
 * An ECS container's environment value: ECS drops a variable whose value is empty, so the container never sees it
 * and the task definition shows a difference on every preview.
 */
export const ecsEnvironmentValue: Constraint<string> = {
    expected: "a value that is not empty (ECS drops a variable whose value is empty)",
    source: "pulumi/pulumi-aws#4576",
    test: (value) => value !== "",
};

/** The most characters `bucketPrefix` may have: S3's 63, less the 26 of the unique suffix the provider appends. */
export const s3BucketPrefixMaxLength = 37;



/** The algorithms of SSE-KMS, the only server-side encryption an S3 Bucket Key applies to. */
const sseKmsAlgorithms = ["aws:kms", "aws:kms:dsse"];

/** A bucket's default encryption rule: a bucket key only with SSE-KMS (with SSE-S3 it does nothing). */
export const s3BucketKey: Constraint<{ sseAlgorithm?: string; bucketKeyEnabled?: boolean }> = {
    expected: `bucketKeyEnabled only with SSE-KMS (${sseKmsAlgorithms.join(" or ")})`,
    source: "Amazon S3 API reference, ServerSideEncryptionRule.BucketKeyEnabled; Amazon S3 User Guide, S3 Bucket Keys",
    test: (rule) => rule.bucketKeyEnabled !== true || sseKmsAlgorithms.includes(rule.sseAlgorithm ?? ""),
};

/**
 * Fargate's task sizes (Linux, platform 1.4.0): for each number of CPU units, the memory (MiB) a task may have.
 * 8192 and 16384 units need platform 1.4.0, which every service here runs.
 */
export const fargateMemoryByCpu: Readonly<Record<number, readonly number[]>> = {
    256: [512, 1024, 2048],
    512: steps(1024, 4096, 1024),
    1024: steps(2048, 8192, 1024),
    2048: steps(4096, 16384, 1024),
    4096: steps(8192, 30720, 1024),
    8192: steps(16384, 61440, 4096),
    16384: steps(32768, 122880, 8192),
};

function steps(from: number, to: number, step: number): number[] {
    return Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
}

/** The memory a Fargate task with `cpu` units may have, in words: "1024 to 4096 in steps of 1024". */
export function fargateMemoryInWords(cpu: number): string {
    const choices = fargateMemoryByCpu[cpu] ?? [];
    if (choices.length <= 3) return choices.join(", ").replace(/, (\d+)$/, " or $1");
    return `${choices[0]} to ${choices[choices.length - 1]} in steps of ${choices[1] - choices[0]}`;
}

/** A Fargate task's CPU units and memory: one of the sizes Fargate offers. */
export const fargateTaskSize: Constraint<{ cpu: number; memoryMb: number }> = {
    expected: `CPU units of ${Object.keys(fargateMemoryByCpu).join(", ")} with the memory Fargate allows for them`,
    source: "Amazon ECS API reference, TaskDefinition memory and cpu (task CPU and memory for Fargate)",
    test: ({ cpu, memoryMb }) => (fargateMemoryByCpu[cpu] ?? []).includes(memoryMb),
};

/** GiB of ephemeral storage a Fargate task may have (platform 1.4.0); 20 GiB when none is given. */
export const fargateEphemeralStorageGib = { min: 21, max: 200 } as const;

export const fargateEphemeralStorage: Constraint<number> = {
    expected: `${fargateEphemeralStorageGib.min} to ${fargateEphemeralStorageGib.max} GiB`,
    source: "Amazon ECS API reference, EphemeralStorage.sizeInGiB",
    test: (gib) => Number.isInteger(gib) && gib >= fargateEphemeralStorageGib.min && gib <= fargateEphemeralStorageGib.max,
};

/** An ECS container health check's timing (seconds) and retries. */
export const ecsHealthCheck: Constraint<{ interval?: number; timeout?: number; retries?: number; startPeriod?: number }> = {
    expected: "interval 5-300 s, timeout 2-120 s, retries 1-10 and startPeriod 0-300 s",
    source: "Amazon ECS API reference, HealthCheck",
    test: ({ interval = 30, timeout = 5, retries = 3, startPeriod = 0 }) =>
        interval >= 5 && interval <= 300 && timeout >= 2 && timeout <= 120 && retries >= 1 && retries <= 10 && startPeriod >= 0 && startPeriod <= 300,
};

/** Seconds between SIGTERM and SIGKILL that a Fargate container may have. */
export const fargateStopTimeout: Constraint<number> = {
    expected: "at most 120 seconds on Fargate",
    source: "Amazon ECS API reference, ContainerDefinition.stopTimeout",
    test: (seconds) => Number.isInteger(seconds) && seconds >= 0 && seconds <= 120,
};

const ipv4AddressPattern = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** The address of an IPv4 block, as a number (0 to 2^32 - 1). */
export function ipv4Number(address: string): number {
    return address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** A number as an IPv4 address. */
export function ipv4FromNumber(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** Whether `cidr` is an IPv4 block whose address is its network's (no host bits set), with a prefix from `min` to `max`. */
function alignedIpv4Block(cidr: string, min: number, max: number): boolean {
    const [address, bits, extra] = cidr.split("/");
    if (extra !== undefined || !ipv4AddressPattern.test(address ?? "") || !/^\d{1,2}$/.test(bits ?? "")) return false;
    const prefix = Number(bits);
    return prefix >= min && prefix <= max && ipv4Number(address) % 2 ** (32 - prefix) === 0;
}

/** A VPC's IPv4 block: /16 to /28, and its address the network's (EC2 refuses 10.40.0.1/16). */
export const vpcCidrBlock: Constraint<string> = {
    expected: "an IPv4 CIDR block from /16 to /28 whose address is the network's, like \"10.40.0.0/16\"",
    source: "Amazon VPC User Guide, VPC CIDR blocks; EC2 API reference, CreateVpc CidrBlock",
    test: (cidr) => alignedIpv4Block(cidr, 16, 28),
};

/** A subnet's IPv4 block: /16 to /28, aligned. */
export const subnetCidrBlock: Constraint<string> = {
    expected: "an IPv4 CIDR block from /16 to /28 whose address is the network's",
    source: "Amazon VPC User Guide, subnet CIDR blocks; EC2 API reference, CreateSubnet CidrBlock",
    test: (cidr) => alignedIpv4Block(cidr, 16, 28),
};

/** The subnets of a VPC domain with zone awareness: one per zone, as many as `availabilityZoneCount`. */
export const openSearchVpcSubnets: Constraint<{ subnetIds: readonly string[]; availabilityZoneCount: number }> = {
    expected: "exactly as many subnets as the domain's availabilityZoneCount, one per zone",
    source: "Amazon OpenSearch Service API reference, ZoneAwarenessConfig.AvailabilityZoneCount",
    test: ({ subnetIds, availabilityZoneCount }) => new Set(subnetIds).size === subnetIds.length && subnetIds.length === availabilityZoneCount,
};

/** Prefixes and suffixes S3 reserves in bucket names. */
const reservedBucketPrefixes = ["xn--", "sthree-", "amzn-s3-demo-"];
const reservedBucketSuffixes = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/** The start of a general purpose bucket's name, all of it or the part before a generated suffix. */
function bucketNameStart(name: string): boolean {
    return /^[a-z0-9][a-z0-9.-]*$/.test(name) && !name.includes("..") && !reservedBucketPrefixes.some((p) => name.startsWith(p));
}

/** A general purpose S3 bucket's name (and the name locally, where the S3-compatible server takes S3's rules). */
export const s3BucketName: Constraint<string> = {
    expected: "an S3 bucket name: 3-63 lowercase letters, digits, . or -, beginning and ending with a letter or digit, no \"..\", not an IP address, not starting with xn--, sthree- or amzn-s3-demo- nor ending with -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3",
    source: "Amazon S3 User Guide, general purpose bucket naming rules",
    test: (name) => name.length >= 3 && name.length <= 63 && bucketNameStart(name) && /[a-z0-9]$/.test(name)
        && !ipv4AddressPattern.test(name) && !reservedBucketSuffixes.some((s) => name.endsWith(s)),
};


/** An S3 bucket's `bucketPrefix`: the start of a bucket name, leaving room for the provider's 26-character suffix. */
export const s3BucketPrefix: Constraint<string> = {
    expected: `the start of an S3 bucket name of at most ${s3BucketPrefixMaxLength} characters (S3's 63, less the provider's unique suffix)`,
    source: "Pulumi AWS provider, aws.s3.Bucket bucketPrefix; Amazon S3 User Guide, general purpose bucket naming rules",
    test: (prefix) => prefix.length <= s3BucketPrefixMaxLength && bucketNameStart(prefix),
};

/** Tags that move (or have vanished under users, as the seed's fluent/fluentd:stable did): never a pin. */
const floatingTags = ["latest", "stable", "edge", "mainline"];

/** An image reference's tag: what follows its last colon, when that colon is after the last slash. */
export function imageTag(image: string): string | undefined {
    const colon = image.lastIndexOf(":");
    return colon > image.lastIndexOf("/") ? image.slice(colon + 1) : undefined;
}

/**
 * An image reference pinned by tag: Docker's reference grammar (a lowercase repository, optionally behind a registry
 * host with a port; a tag of at most 128 word characters, dots and dashes), or a digest, and never a floating tag.
 */
export const pinnedImage: Constraint<string> = {
    expected: "an image reference with a pinned tag, like \"nginx:1.30.4-alpine\" (not latest, stable, edge or mainline), or a digest",
    source: "Docker distribution reference grammar (distribution/reference); dle's own rule against floating tags",
    test: (image) => /^sha256:[0-9a-f]{64}$/.test(image)
        || /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*@sha256:[0-9a-f]{64}$/.test(image)
        || (/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(image)
            && !floatingTags.includes(imageTag(image) ?? "")),
};

/** A TCP port a Docker container publishes. */
export const tcpPort: Constraint<number> = {
    expected: "an integer port from 1 to 65535",
    source: "Docker Engine API, PortBinding HostPort",
    test: (port) => Number.isInteger(port) && port >= 1 && port <= 65535,
};

/**
 * A MongoDB database or collection name as dle uses them: letters, digits, _ and - only (a subset of what MongoDB
 * allows: no space, no `.` or `$`, which have meaning in its namespaces; DocumentDB takes the same), at most 63.
 */
export const mongoName: Constraint<string> = {
    expected: "1 to 63 letters, digits, _ or -",
    source: "MongoDB manual, naming restrictions (database and collection names); Amazon DocumentDB functional differences",
    test: (name) => /^[A-Za-z0-9_-]{1,63}$/.test(name),
};

/** The prefix of Elasticsearch's and OpenSearch's daily index names: lowercase, and none of their forbidden characters. */
export const searchIndexPrefix: Constraint<string> = {
    expected: "a lowercase index prefix of letters, digits, _ or -, beginning with a letter or digit (at most 201)",
    source: "Elasticsearch and OpenSearch create index API, index name rules",
    test: (prefix) => /^[a-z0-9][a-z0-9_-]{0,200}$/.test(prefix),
};

/** An S3 key prefix: empty or path segments of S3's safe characters, each ending in /. */
export const s3KeyPrefix: Constraint<string> = {
    expected: "empty or a key prefix ending in /, like \"logs/\", of S3's safe characters (letters, digits, !_.*'()-)",
    source: "Amazon S3 User Guide, object key naming (safe characters)",
    test: (prefix) => /^(?:[A-Za-z0-9!_.*'()-]+\/)*$/.test(prefix),
};

/** The days before S3 takes an object to STANDARD_IA: 30 at least. */
export const s3StandardIaTransitionDays: Constraint<number> = {
    expected: "a whole number of days from 30 (S3's minimum for STANDARD_IA) to 36500",
    source: "Amazon S3 User Guide, lifecycle transitions (constraints for STANDARD_IA)",
    test: (days) => Number.isInteger(days) && days >= 30 && days <= 36500,
};

/** EC2 resource IDs as the console and the API print them. */
export const vpcIdPattern: Constraint<string> = {
    expected: "a VPC ID like \"vpc-0123abcd\"",
    source: "Amazon EC2 API reference, resource IDs",
    test: (id) => /^vpc-[0-9a-f]{8,17}$/.test(id),
};
export const subnetIdPattern: Constraint<string> = {
    expected: "a subnet ID like \"subnet-0123abcd\"",
    source: "Amazon EC2 API reference, resource IDs",
    test: (id) => /^subnet-[0-9a-f]{8,17}$/.test(id),
};
export const securityGroupIdPattern: Constraint<string> = {
    expected: "a security group ID like \"sg-0123abcd\"",
    source: "Amazon EC2 API reference, resource IDs",
    test: (id) => /^sg-[0-9a-f]{8,17}$/.test(id),
};

/** An IAM principal an access policy can name: a role, a user or an account's root. */
export const iamPrincipalArn: Constraint<string> = {
    expected: "an IAM role, user or account root ARN",
    source: "IAM User Guide, IAM identifiers (ARNs) and policy elements: Principal",
    test: (arn) => /^arn:aws[a-z-]*:iam::\d{12}:(?:root|(?:user|role)\/[\w+=,.@/-]+)$/.test(arn),
};

/**
 * The certificate of an HTTPS listener of an Application Load Balancer: an ACM certificate (its ID a UUID) or an IAM
 * server certificate, in the load balancer's partition.
 */
export const albCertificateArn: Constraint<string> = {
    expected: "an ACM certificate ARN like \"arn:aws:acm:us-east-1:111111111111:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f\" (or an IAM server certificate ARN)",
    source: "Elastic Load Balancing API reference, Certificate CertificateArn; AWS Certificate Manager User Guide, certificate ARNs",
    test: (arn) => /^arn:aws[a-z-]*:acm:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(arn)
        || /^arn:aws[a-z-]*:iam::\d{12}:server-certificate\/[\w+=,.@/-]{1,128}$/.test(arn),
};

/**
 * The TLS policy of the load balancer's HTTPS listener: TLS 1.3 and 1.2 only, the one Elastic Load Balancing
 * recommends (User Guide for Application Load Balancers, security policies: "We recommend the
 * ELBSecurityPolicy-TLS13-1-2-2021-06 security policy"; the API's default, ELBSecurityPolicy-2016-08, still takes TLS 1.0).
 */
export const albTlsPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** An address SNS takes for an "email" subscription: one @ and a dotted domain. */
export const snsEmailEndpoint: Constraint<string> = {
    expected: "an e-mail address like \"ops@example.com\"",
    source: "Amazon SNS API reference, Subscribe Endpoint (email protocol)",
    test: (address) => /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address),
};

/** A DocumentDB engine version pinned to its major line (3.6.0, 4.0.0, 5.0.0, 8.0.0), whose parameter family is docdb<major>.0. */
export const documentDbEngineVersion: Constraint<string> = {
    expected: "a pinned DocumentDB engine version like \"5.0.0\"",
    source: "Amazon DocumentDB Developer Guide, engine versions and cluster parameter group families",
    test: (version) => /^[0-9]+\.0\.0$/.test(version),
};

export const documentDbInstanceClass: Constraint<string> = {
    expected: "a DocumentDB instance class like \"db.t3.medium\"",
    source: "Amazon DocumentDB Developer Guide, instance classes",
    test: (instanceClass) => /^db\.[a-z0-9]+\.[a-z0-9]+$/.test(instanceClass),
};

/** The initial database of an RDS for PostgreSQL instance (lowercase here, so that SQL needs no quotes around it). */
export const rdsPostgresDatabaseName: Constraint<string> = {
    expected: "1 to 63 lowercase letters, digits or _, starting with a letter (not a word PostgreSQL reserves, like \"postgres\" or \"template0\")",
    source: "Amazon RDS API reference, CreateDBInstance DBName (PostgreSQL); PostgreSQL documentation, identifiers",
    test: (name) => /^[a-z][a-z0-9_]{0,62}$/.test(name) && !["postgres", "template0", "template1", "rdsadmin"].includes(name),
};

export const rdsInstanceClass: Constraint<string> = {
    expected: "an RDS DB instance class like \"db.t4g.small\"",
    source: "Amazon RDS User Guide, DB instance classes",
    test: (instanceClass) => /^db\.[a-z0-9]+\.[a-z0-9]+$/.test(instanceClass),
};

/** Instances of one DocumentDB cluster: a primary and up to 15 replicas. */
export const documentDbInstanceCount: Constraint<number> = {
    expected: "a whole number of instances from 1 to 16",
    source: "Amazon DocumentDB Developer Guide, quotas (instances per cluster)",
    test: (n) => Number.isInteger(n) && n >= 1 && n <= 16,
};

/**
 * A DocumentDB cluster snapshot's identifier, as the final snapshot a deleted cluster leaves takes it: 1 to 255
 * letters, digits or hyphens, the first a letter, no two hyphens in a row and none at the end.
 */
export const documentDbSnapshotIdentifier: Constraint<string> = {
    expected: "1 to 255 letters, digits or hyphens, starting with a letter, not ending with a hyphen, with no two hyphens in a row",
    source: "Amazon DocumentDB API reference, DeleteDBCluster FinalDBSnapshotIdentifier",
    test: (id) => /^[A-Za-z][A-Za-z0-9-]{0,254}$/.test(id) && !id.includes("--") && !id.endsWith("-"),
};

/**
 * The final snapshot's identifier of a stack's DocumentDB cluster: `dle-<stack>-store-final-<suffix>`, with the stack's
 * name reduced to what the identifier allows. The suffix (random, kept in the stack's state) makes it unique to this
 * deployment of the stack too: a stack destroyed, deployed again and destroyed again would otherwise collide with the
 * snapshot its first life left (DBClusterSnapshotAlreadyExistsFault, and the cluster is not deleted).
 */
export function documentDbFinalSnapshotIdentifier(stack: string, suffix: string): string {
    return finalSnapshotIdentifier(stack, "store", suffix);
}

/** The final snapshot's identifier of a stack's sql sink (RDS DB instance): `dle-<stack>-sql-final-<suffix>`, as above. */
export function rdsFinalSnapshotIdentifier(stack: string, suffix: string): string {
    return finalSnapshotIdentifier(stack, "sql", suffix);
}

/** `dle-<stack>-<part>-final-<suffix>`, within the 255 letters, digits and single hyphens both services allow. */
function finalSnapshotIdentifier(stack: string, part: string, suffix: string): string {
    const label = stack.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    const tail = `-${part}-final-${suffix.toLowerCase().replace(/[^a-z0-9]+/g, "")}`;
    return `dle-${label.slice(0, 255 - "dle-".length - tail.length).replace(/-+$/, "")}${tail}`.replace(/-+/g, "-");
}

export const openSearchEngineVersion: Constraint<string> = {
    expected: "a pinned OpenSearch engine version like \"OpenSearch_2.19\"",
    source: "Amazon OpenSearch Service API reference, CreateDomain EngineVersion",
    test: (version) => /^OpenSearch_[0-9]+\.[0-9]+$/.test(version),
};

export const openSearchInstanceType: Constraint<string> = {
    expected: "an OpenSearch instance type like \"t3.small.search\"",
    source: "Amazon OpenSearch Service API reference, ClusterConfig InstanceType",
    test: (type) => /^[a-z0-9]+\.[a-z0-9]+\.search$/.test(type),
};

/** Data nodes of a zone-aware domain: spread evenly, so a multiple of its zone count. */
export const openSearchZoneAwareInstanceCount: Constraint<{ instances: number; availabilityZoneCount: number }> = {
    expected: "a number of data nodes that is a multiple of the domain's zone count",
    source: "Amazon OpenSearch Service Developer Guide, Multi-AZ (zone awareness): an even distribution of nodes",
    test: ({ instances, availabilityZoneCount }) => Number.isInteger(instances) && instances > 0 && instances % availabilityZoneCount === 0,
};

/** The retention periods CloudWatch Logs accepts, in days. */
export const cloudWatchLogRetentionDays: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export const cloudWatchLogRetention: Constraint<number> = {
    expected: `a CloudWatch Logs retention in days (${cloudWatchLogRetentionDays.join(", ")})`,
    source: "Amazon CloudWatch Logs API reference, PutRetentionPolicy retentionInDays",
    test: (days) => cloudWatchLogRetentionDays.includes(days),
};

/**
 * Text as one DNS label: lowercase letters, digits and hyphens, at most 63. What a private DNS zone's label, a CloudWatch
 * dashboard's name and an ECS task family all take (Pulumi allows more in a stack's name: capitals, `_`, `.`).
 */
export function dnsLabel(text: string): string {
    return text.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 63);
}

/** A CloudWatch Logs log group's name. */
export const cloudWatchLogGroupName: Constraint<string> = {
    expected: "1 to 512 characters of a-z, A-Z, 0-9, _ - / . #",
    source: "Amazon CloudWatch Logs API reference, CreateLogGroup logGroupName",
    test: (name) => /^[A-Za-z0-9_\-/.#]{1,512}$/.test(name),
};

/** A CloudWatch dashboard's name. */
export const cloudWatchDashboardName: Constraint<string> = {
    expected: "1 to 255 characters of A-Z, a-z, 0-9, - and _",
    source: "Amazon CloudWatch API reference, PutDashboard DashboardName",
    test: (name) => /^[A-Za-z0-9_-]{1,255}$/.test(name),
};

/** A CloudWatch alarm's name and description. */
export const cloudWatchAlarmText: Constraint<{ name?: string; description?: string }> = {
    expected: "a name of 1 to 255 characters and a description of at most 1024",
    source: "Amazon CloudWatch API reference, PutMetricAlarm AlarmName and AlarmDescription",
    test: ({ name, description }) => (name === undefined || (name.length >= 1 && name.length <= 255)) && (description ?? "").length <= 1024,
};

/**
 * A Docker duration in the form the engine reports back (Go's time.Duration for whole seconds: "59s", "1m0s",
 * "1h0m0s"): an input written otherwise ("60s") shows as a change on every preview.
 */
export const dockerDuration: Constraint<string> = {
    expected: "whole seconds in Go's form, as Docker reports them back (\"30s\", \"1m0s\", \"1h0m0s\", not \"60s\")",
    source: "Docker Engine API, HealthConfig (durations), as pulumi-docker reads them back",
    test: (duration) => /^(?:[1-9]\d*h[1-5]?\dm|(?:[1-9]|[1-5]\d)m)?[1-5]?\ds$/.test(duration),
};
