/**
 * dle: reads the stack config, builds the pipeline on the stack's target, and exports what a user and the
 * verification suite (`npm run verify`) need to reach every part.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "./components/config";
import { Pipeline } from "./components/pipeline";

const stackConfig = new pulumi.Config("dle");
const config = parseStackConfig((key) => stackConfig.get(key));
const pipeline = new Pipeline("dle", { config });

export const target = config.target;
export const webappUrl = pipeline.webapp.url;
export const searchUrl = pipeline.search.endpoint.publishedUrl;
export const searchUsername = pipeline.search.endpoint.username;
export const searchPassword = pipeline.search.endpoint.password;
export const searchIndexPrefix = config.search.indexPrefix;
export const storeConnectionString = pipeline.store.endpoint.publishedConnectionString;
export const storeDatabase = config.store.database;
export const storeCollection = config.store.collection;
export const archiveEndpoint = pipeline.archive.endpoint.publishedEndpoint;
export const archiveRegion = pipeline.archive.endpoint.region;
export const archiveBucket = pipeline.archive.endpoint.bucket;
export const archiveKeyPrefix = config.archive.keyPrefix;
export const archiveAccessKeyId = pipeline.archive.endpoint.accessKeyId;
export const archiveSecretAccessKey = pipeline.archive.endpoint.secretAccessKey;
export const forwarderPrimary = pipeline.forwarders.primaryName;
export const forwarderSecondary = pipeline.forwarders.secondaryName;
export const agentContainer = pipeline.agent.containerName;
export const webappContainer = pipeline.webapp.containerName;
