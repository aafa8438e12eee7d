import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { fluentdContainer } from "../fluentd-env";
import { On } from "../platform";
import { LocalPlatform } from "../platform/local";
import { asUser, localContainer, localVolume, publishedHost } from "../platform/local-container";
import { FluentdRole, MonitoringArgs, MonitoringOutputs, fluentdRoles, monitoringFiles } from "./args";

const prometheusPort = 9090;
const grafanaPort = 3000;
const blackboxPort = 9115;
/** The login of Prometheus (basic auth, also Grafana's data source) and of Grafana's admin. */
export const prometheusUser = "admin";
const grafanaUser = "admin";
/** Where the containers read their secrets: files, readable by the image's own user only, never the environment. */
export const prometheusPasswordFile = "/etc/prometheus/secrets/password";
export const grafanaSecretsDir = "/etc/grafana/secrets";
/**
 * The unprivileged users the official images run as (their USER): nobody, 65534 (Prometheus), and grafana, 472
 * (Grafana). By name, as su takes them; chown takes the same.
 */
const prometheusRunsAs = "nobody";
const grafanaRunsAs = "grafana";
/** The images' own entrypoints, run as those users once the secret files are theirs. */
const prometheusEntrypoint = ["/bin/prometheus"];
const grafanaEntrypoint = ["/run.sh"];
/**
 * How promtool reaches Prometheus for the health check: the login, with the password read from its file, so that it
 * is in no command line (`ps` on the host shows those). Not a secret itself: it only names the password file.
 */
export const promtoolHttpConfigFile = "/etc/prometheus/promtool-http.yml";
/** Where Prometheus finds its rules: the file of the repo, uploaded as it is. */
const rulesDir = "/etc/prometheus/rules";

/** How often Prometheus scrapes and evaluates the rules: every rule's window (1m to 1h) holds 4 samples or more. */
export const scrapeIntervalSeconds = 15;

export interface PrometheusConfigArgs {
    /** Each fluentd's metrics address (host:port), by its role. */
    fluentd: Record<FluentdRole, string>;
    /** The webapp's page, and the blackbox exporter (host:port) that probes it; no probe when undefined. */
    webapp?: { url: string; blackbox: string };
    /** The canary's metrics address (host:port); none when the stack runs no canary. */
    canary?: string;
    /** Prometheus's own address, which it scrapes with its own login. */
    self: string;
    /** The file holding Prometheus's password. */
    passwordFile: string;
    ruleFiles: string[];
    intervalSeconds: number;
}

/**
 * prometheus.yml (as JSON, which is YAML): every fluentd with its `role` label, the blackbox exporter's probe of the
 * webapp's page, the canary (where the stack runs one), and Prometheus itself (with its own password, from its file).
 */
export function prometheusConfig(args: PrometheusConfigArgs): string {
    const interval = `${args.intervalSeconds}s`;
    const webapp = args.webapp === undefined ? [] : [{
        // The blackbox exporter's way: Prometheus asks it to GET the page, and the probe is a request the webapp
        // logs like any other, so "the webapp answers" also means "there are lines to deliver".
        job_name: "webapp",
        metrics_path: "/probe",
        params: { module: ["http_2xx"] },
        static_configs: [{ targets: [args.webapp.url] }],
        relabel_configs: [
            { source_labels: ["__address__"], target_label: "__param_target" },
            { source_labels: ["__param_target"], target_label: "instance" },
            { target_label: "__address__", replacement: args.webapp.blackbox },
        ],
    }];
    return JSON.stringify({
        global: { scrape_interval: interval, evaluation_interval: interval },
        rule_files: args.ruleFiles,
        scrape_configs: [
            {
                job_name: "prometheus",
                basic_auth: { username: prometheusUser, password_file: args.passwordFile },
                static_configs: [{ targets: [args.self] }],
            },
            {
                job_name: "fluentd",
                static_configs: fluentdRoles.map((role) => ({ targets: [args.fluentd[role]], labels: { role } })),
            },
            ...webapp,
            ...(args.canary === undefined ? [] : [{ job_name: "canary", static_configs: [{ targets: [args.canary] }] }]),
        ],
    }, null, 2);
}

/** promtool's HTTP client config (basic auth, the password from its file), as JSON, which is YAML. */
function promtoolHttpConfig(passwordFile: string): string {
    return JSON.stringify({ basic_auth: { username: prometheusUser, password_file: passwordFile } });
}

/** Prometheus's web config (basic auth with the password's bcrypt hash), as JSON, which is YAML. */
export function prometheusWebConfig(bcryptHash: string): string {
    return JSON.stringify({ basic_auth_users: { [prometheusUser]: bcryptHash } });
}

/**
 * Prometheus, Grafana and the blackbox exporter on the stack's network. Prometheus and Grafana publish on 127.0.0.1
 * only; each fluentd's /metrics and the blackbox exporter are not published at all. Both logins are generated
 * passwords, handed to the containers as files (Prometheus: a bcrypt hash in its web config; Grafana:
 * GF_SECURITY_ADMIN_PASSWORD__FILE), so no container's environment holds a secret.
 */
export function createLocalMonitoring(name: string, parent: pulumi.Resource, args: On<MonitoringArgs, LocalPlatform>): MonitoringOutputs {
    const { config, platform, targets } = args;
    const prometheusPassword = new random.RandomPassword(`${name}-prometheus-password`, { length: 32, special: false }, { parent });
    const grafanaPassword = new random.RandomPassword(`${name}-grafana-password`, { length: 32, special: false }, { parent });

    const blackbox = localContainer(`${name}-blackbox`, {
        platform,
        image: config.images.blackbox,
        alias: "blackbox",
        healthcheck: ["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${blackboxPort}/-/healthy`],
    }, parent);

    const metrics = (host: string) => `${host}:${fluentdContainer.metricsPort}`;
    const scrapeTargets = pulumi.all([targets.agent, targets.primary, targets.secondary, targets.webapp, blackbox.host, targets.canary?.metricsAddress])
        .apply(([agent, primary, secondary, webapp, blackboxHost, canary]) => prometheusConfig({
            fluentd: { agent: metrics(agent), primary: metrics(primary), secondary: metrics(secondary) },
            webapp: { url: `http://${webapp}:${targets.webappPort}/`, blackbox: `${blackboxHost}:${blackboxPort}` },
            canary,
            self: `127.0.0.1:${prometheusPort}`,
            passwordFile: prometheusPasswordFile,
            ruleFiles: [`${rulesDir}/*.json`],
            intervalSeconds: scrapeIntervalSeconds,
        }));
    const prometheus = localContainer(`${name}-prometheus`, {
        platform,
        image: config.images.prometheus,
        alias: "prometheus",
        command: [
            "--config.file=/etc/prometheus/prometheus.yml",
            "--web.config.file=/etc/prometheus/web.yml",
            "--storage.tsdb.path=/prometheus",
            "--storage.tsdb.retention.time=15d",
        ],
        uploads: [
            { file: "/etc/prometheus/prometheus.yml", content: scrapeTargets },
            { file: `${rulesDir}/alerts.rules.json`, content: fs.readFileSync(monitoringFiles.alertRules, "utf8") },
            { file: promtoolHttpConfigFile, content: promtoolHttpConfig(prometheusPasswordFile) },
        ],
        // The Docker provider may give an upload any owner: the container starts as root, hands the secret files to
        // nobody, mode 0400, and runs Prometheus as nobody (see SecretFiles).
        user: "0:0",
        secretFiles: {
            owner: prometheusRunsAs,
            imageEntrypoint: [...asUser(prometheusRunsAs), ...prometheusEntrypoint],
            files: [
                { file: "/etc/prometheus/web.yml", content: prometheusPassword.bcryptHash.apply(prometheusWebConfig) },
                { file: prometheusPasswordFile, content: prometheusPassword.result },
            ],
        },
        // Every endpoint, /-/healthy too, asks for the login: promtool reads the password from its file.
        healthcheck: ["/bin/promtool", "check", "healthy", `--url=http://127.0.0.1:${prometheusPort}`, `--http.config.file=${promtoolHttpConfigFile}`],
        publish: [{ internal: prometheusPort, external: config.ports.prometheus }],
        volumes: [{ volume: localVolume(`${name}-prometheus-data`, parent), containerPath: "/prometheus" }],
        // The uploads' directory (filled from the image's when the volume is made); Prometheus writes only its TSDB.
        writablePaths: ["/etc/prometheus"],
    }, parent);

    const grafana = localContainer(`${name}-grafana`, {
        platform,
        image: config.images.grafana,
        alias: "grafana",
        envs: pulumi.all([prometheus.host]).apply(([prometheusHost]) => [
            `GF_SECURITY_ADMIN_USER=${grafanaUser}`,
            `GF_SECURITY_ADMIN_PASSWORD__FILE=${grafanaSecretsDir}/admin-password`,
            // Read by grafana-datasources.yaml.
            `PROMETHEUS_URL=http://${prometheusHost}:${prometheusPort}`,
            `PROMETHEUS_USER=${prometheusUser}`,
            "GF_USERS_ALLOW_SIGN_UP=false",
            // Nothing calls home: the stack works offline.
            "GF_ANALYTICS_REPORTING_ENABLED=false",
            "GF_ANALYTICS_CHECK_FOR_UPDATES=false",
            "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES=false",
            "GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH=/etc/grafana/dashboards/pipeline-dashboard.json",
        ].sort()),
        uploads: [
            { file: "/etc/grafana/provisioning/datasources/dle.yaml", content: fs.readFileSync(monitoringFiles.grafanaDatasources, "utf8") },
            { file: "/etc/grafana/provisioning/dashboards/dle.yaml", content: fs.readFileSync(monitoringFiles.grafanaDashboards, "utf8") },
            { file: "/etc/grafana/dashboards/pipeline-dashboard.json", content: fs.readFileSync(monitoringFiles.dashboard, "utf8") },
        ],
        // As for Prometheus: started as root, the secret files handed to grafana, Grafana run as grafana.
        user: "0:0",
        secretFiles: {
            owner: grafanaRunsAs,
            imageEntrypoint: [...asUser(grafanaRunsAs), ...grafanaEntrypoint],
            files: [
                { file: `${grafanaSecretsDir}/admin-password`, content: grafanaPassword.result },
                { file: `${grafanaSecretsDir}/prometheus-password`, content: prometheusPassword.result },
            ],
        },
        healthcheck: ["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${grafanaPort}/api/health`],
        startPeriodSeconds: 30,
        publish: [{ internal: grafanaPort, external: config.ports.grafana }],
        volumes: [{ volume: localVolume(`${name}-grafana-data`, parent), containerPath: "/var/lib/grafana" }],
        // The uploads' directory (filled from the image's when the volume is made); Grafana's log file (its default
        // log mode is "console file") and temporary files.
        writablePaths: ["/etc/grafana", "/var/log/grafana", "/tmp"],
    }, parent);

    return {
        kind: "prometheus",
        prometheusUrl: prometheus.host.apply(() => `http://${publishedHost}:${config.ports.prometheus}`),
        prometheusUsername: prometheusUser,
        prometheusPassword: pulumi.secret(prometheusPassword.result),
        grafanaUrl: grafana.host.apply(() => `http://${publishedHost}:${config.ports.grafana}`),
        grafanaUsername: grafanaUser,
        grafanaPassword: pulumi.secret(grafanaPassword.result),
    };
}
