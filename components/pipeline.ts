/**
 * The whole pipeline, composed in wiring order: the sinks first, then the forwarder pair built from their
 * endpoints, then the agent from the pair's, then the api from the agent's, then the webapp from both; then the
 * canary, which logs through the agent and reads the sinks, and the monitoring that watches them all.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "./config";
import { Api } from "./api";
import { Archive } from "./archive";
import { Canary, canarySinks } from "./canary";
import { Dashboards } from "./dashboards";
import { ForwardSecurity } from "./forward-security";
import { ForwarderPair } from "./forwarder-pair";
import { LogAgent } from "./log-agent";
import { Monitoring } from "./monitoring";
import { Platform } from "./platform";
import { AwsPlatform } from "./platform/aws";
import { LocalPlatform } from "./platform/local";
import { Search } from "./search";
import { Sql } from "./sql";
import { CloudWatchLogs } from "./cloudwatch-logs";
import { Store } from "./store";
import { Webapp } from "./webapp";

export interface PipelineArgs {
    config: StackConfig;
}

/** dle's parts, and the dashboards on the search sink, on one target: the stack config's `target` picks the platform, which picks each part's implementation. */
export class Pipeline extends pulumi.ComponentResource {
    /** The target's shared resources (the Docker network, or the VPC and ECS cluster). */
    public readonly platform: Platform;
    public readonly store: Store;
    public readonly search: Search;
    public readonly archive: Archive;
    /** The sql sink (PostgreSQL, RDS on AWS), with `sql` in dle:sinks. */
    public readonly sql?: Sql;
    /** The cloudwatch sink (CloudWatch Logs, aws only), with `cloudwatch` in dle:sinks. */
    public readonly cloudwatch?: CloudWatchLogs;
    /** The CA of the forwarders' TLS certificates and the forward protocol's shared key. */
    public readonly forwardSecurity: ForwardSecurity;
    public readonly forwarders: ForwarderPair;
    public readonly agent: LogAgent;
    /** The second application: an HTTP service behind the webapp that logs straight to the agent. */
    public readonly api: Api;
    public readonly webapp: Webapp;
    /** The canary, with dle:canary true: an event through the pipeline every interval, read back from every sink. */
    public readonly canary?: Canary;
    /** Kibana or OpenSearch Dashboards on the search index, with the stack's saved objects. */
    public readonly dashboards: Dashboards;
    /** Prometheus and Grafana (local) or CloudWatch alarms and a dashboard (AWS), on every fluentd's metrics. */
    public readonly monitoring: Monitoring;

    constructor(name: string, args: PipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dle:pipeline:Pipeline", name, {}, opts);
        const { config } = args;
        const platform: Platform = config.target === "local"
            ? new LocalPlatform(name, { config }, { parent: this })
            : new AwsPlatform(name, { config }, { parent: this });
        this.platform = platform;
        const base = { config, platform };

        this.store = new Store(`${name}-log-store`, base, { parent: this });
        this.search = new Search(`${name}-log-search`, base, { parent: this });
        this.archive = new Archive(`${name}-log-archive`, base, { parent: this });
        if (config.sinks.includes("sql")) this.sql = new Sql(`${name}-log-sql`, base, { parent: this });
        if (config.sinks.includes("cloudwatch")) this.cloudwatch = new CloudWatchLogs(`${name}-log-cloudwatch`, base, { parent: this });
        this.forwardSecurity = new ForwardSecurity(`${name}-forward-security`, {}, { parent: this });
        this.forwarders = new ForwarderPair(`${name}-log-forwarder`, {
            ...base,
            security: this.forwardSecurity,
            store: this.store.endpoint,
            search: this.search.endpoint,
            archive: this.archive.endpoint,
            sql: this.sql?.endpoint,
            cloudwatch: this.cloudwatch?.endpoint,
        }, { parent: this });
        this.agent = new LogAgent(`${name}-log-agent`, { ...base, forwarders: this.forwarders.endpoints }, { parent: this });
        this.api = new Api(`${name}-api`, { ...base, agent: this.agent.endpoint }, { parent: this });
        this.webapp = new Webapp(`${name}-webapp`, { ...base, agent: this.agent.endpoint, api: this.api.endpoint }, { parent: this });
        if (config.canary.enabled) {
            this.canary = new Canary(`${name}-canary`, {
                ...base,
                agent: this.agent.endpoint,
                store: this.store.endpoint,
                search: this.search.endpoint,
                archive: this.archive.endpoint,
            }, { parent: this });
        }
        this.dashboards = new Dashboards(`${name}-dashboards`, { ...base, search: this.search.endpoint }, { parent: this });
        this.monitoring = new Monitoring(`${name}-monitoring`, {
            ...base,
            targets: {
                agent: this.agent.containerName,
                primary: this.forwarders.primaryName,
                secondary: this.forwarders.secondaryName,
                webapp: this.webapp.containerName,
                webappPort: this.webapp.port,
                webappLoadBalancer: this.webapp.loadBalancerArnSuffix,
                canary: this.canary === undefined ? undefined : { sinks: canarySinks, metricsAddress: this.canary.metricsAddress, cloudwatchNamespace: this.canary.cloudwatchNamespace, cloudwatchStack: this.canary.cloudwatchStack },
            },
        }, { parent: this });

        this.registerOutputs({
            platform: this.platform,
            store: this.store,
            search: this.search,
            archive: this.archive,
            sql: this.sql,
            cloudwatch: this.cloudwatch,
            forwardSecurity: this.forwardSecurity,
            forwarders: this.forwarders,
            agent: this.agent,
            api: this.api,
            webapp: this.webapp,
            canary: this.canary,
            dashboards: this.dashboards,
            monitoring: this.monitoring,
        });
    }
}
