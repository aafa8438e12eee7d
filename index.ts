/**
 * dle: reads the stack config, builds the pipeline on the stack's target, and exports what a user and the
 * verification suite (`npm run verify`) need to reach every part. Outputs that do not apply to a target are
 * left undefined, so the stack does not have them; `searchAuth` and `forwarderControl` say how to reach the
 * search sink and how to stop a forwarder, so the suite needs no branches on the target's name.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "./components/config";
import { Pipeline } from "./components/pipeline";

const stackConfig = new pulumi.Config("dle");
const config = parseStackConfig((key) => stackConfig.get(key));
const pipeline = new Pipeline("dle", { config });
const { platform } = pipeline;
const searchAccess = pipeline.search.endpoint.auth;
const archiveAccess = pipeline.archive.endpoint.access;

export const target = config.target;
export const webappUrl = pipeline.webapp.url;
/** On AWS: HTTPS (with dle:albCertificateArn), or plain HTTP and why (FSBP ELB.1). */
export const webappTransport = pipeline.webapp.transport;
export const searchUrl = pipeline.search.endpoint.publishedUrl;
/** "basic" (searchUsername, searchPassword) or "aws-sigv4" (signed with the caller's AWS credentials for searchRegion). */
export const searchAuth = searchAccess.kind;
export const searchUsername = searchAccess.kind === "basic" ? searchAccess.username : undefined;
export const searchPassword = searchAccess.kind === "basic" ? searchAccess.password : undefined;
export const searchRegion = searchAccess.kind === "aws-sigv4" ? searchAccess.region : undefined;
export const searchIndexPrefix = config.search.indexPrefix;
export const storeConnectionString = pipeline.store.endpoint.publishedConnectionString;
export const storeDatabase = config.store.database;
export const storeCollection = config.store.collection;
/** On AWS: whether DocumentDB's deletion protection is on (`npm run destroy:aws` stops while it is), and the final snapshot deleting the cluster leaves. */
export const storeDeletionProtection = pipeline.store.endpoint.deletion?.protection;
export const storeFinalSnapshot = pipeline.store.endpoint.deletion?.finalSnapshotIdentifier;
/** Only for an S3-compatible server with its own keys; on AWS the default endpoint and credential chain apply. */
export const archiveEndpoint = archiveAccess.kind === "keys" ? archiveAccess.publishedEndpoint : undefined;
export const archiveRegion = pipeline.archive.endpoint.region;
export const archiveBucket = pipeline.archive.endpoint.bucket;
export const archiveKeyPrefix = config.archive.keyPrefix;
export const archiveAccessKeyId = archiveAccess.kind === "keys" ? archiveAccess.accessKeyId : undefined;
export const archiveSecretAccessKey = archiveAccess.kind === "keys" ? archiveAccess.secretAccessKey : undefined;
/** The sinks every event is copied to (dle:sinks, comma-separated): `npm run verify` reads each. */
export const sinks = config.sinks.join(",");
/** With `sql` in dle:sinks: a postgres:// URL with the password (secret); on AWS reached from inside the VPC, TLS verified. */
export const sqlUrl = pipeline.sql?.endpoint.publishedUrl;
/** With `cloudwatch` in dle:sinks (AWS): the prefix of the sink's log groups (`/dle/<stack>/logs/`) and their region, for `npm run verify`. */
export const cloudwatchLogGroupPrefix = pipeline.cloudwatch?.endpoint.groupPrefix;
export const cloudwatchLogsRegion = pipeline.cloudwatch?.endpoint.region;
/** On AWS: whether the sql sink's RDS deletion protection is on, and the final snapshot deleting it leaves. */
export const sqlDeletionProtection = pipeline.sql?.endpoint.deletion?.protection;
export const sqlFinalSnapshot = pipeline.sql?.endpoint.deletion?.finalSnapshotIdentifier;
/** How to stop and start a forwarder for a failover drill: "docker" (container names) or "ecs" (service names in ecsCluster). */
export const forwarderControl = platform.kind === "local" ? "docker" : "ecs";
export const forwarderPrimary = pipeline.forwarders.primaryName;
export const forwarderSecondary = pipeline.forwarders.secondaryName;
export const ecsCluster = platform.kind === "aws" ? platform.cluster.name : undefined;
export const agentContainer = platform.kind === "local" ? pipeline.agent.containerName : undefined;
export const webappContainer = platform.kind === "local" ? pipeline.webapp.containerName : undefined;
/** Kibana (local) or the domain's OpenSearch Dashboards (aws, private: see docs/dashboards.md), with the "dle logs" dashboard. */
export const dashboardsUrl = pipeline.dashboards.url;
export const dashboardsProduct = pipeline.dashboards.product;
/** Locally only: the Kibana login (on AWS, access is by IAM with signed requests, as for searchUrl). */
export const dashboardsUsername = pipeline.dashboards.username;
export const dashboardsPassword = pipeline.dashboards.password;
const monitoring = pipeline.monitoring.outputs;
/** Where the pipeline is watched: "prometheus" (prometheusUrl, grafanaUrl and their logins) or "cloudwatch" (cloudwatchNamespace in cloudwatchRegion, cloudwatchDashboardUrl, alarmTopicArn). */
export const monitoringKind = monitoring.kind;
export const prometheusUrl = monitoring.kind === "prometheus" ? monitoring.prometheusUrl : undefined;
export const prometheusUsername = monitoring.kind === "prometheus" ? monitoring.prometheusUsername : undefined;
export const prometheusPassword = monitoring.kind === "prometheus" ? monitoring.prometheusPassword : undefined;
export const grafanaUrl = monitoring.kind === "prometheus" ? monitoring.grafanaUrl : undefined;
export const grafanaUsername = monitoring.kind === "prometheus" ? monitoring.grafanaUsername : undefined;
export const grafanaPassword = monitoring.kind === "prometheus" ? monitoring.grafanaPassword : undefined;
export const cloudwatchNamespace = monitoring.kind === "cloudwatch" ? monitoring.namespace : undefined;
export const cloudwatchRegion = monitoring.kind === "cloudwatch" ? monitoring.region : undefined;
export const cloudwatchDashboardUrl = monitoring.kind === "cloudwatch" ? monitoring.dashboardUrl : undefined;
export const alarmTopicArn = monitoring.kind === "cloudwatch" ? monitoring.alarmTopicArn : undefined;
/** Whether the stack runs the canary; `npm run verify` then reads its counters (Prometheus's, or canaryNamespace's in CloudWatch). */
export const canaryEnabled = config.canary.enabled;
/** Seconds the canary waits before it counts an event missing: how long `npm run verify` waits for its last events. */
export const canaryWaitSeconds = config.canary.enabled ? config.canary.waitSeconds : undefined;
export const canaryNamespace = pipeline.canary?.cloudwatchNamespace;
/** The Stack dimension of the canary's figures in canaryNamespace: this stack's among the account's. */
export const canaryStack = pipeline.canary?.cloudwatchStack;
