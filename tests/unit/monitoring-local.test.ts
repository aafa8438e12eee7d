/**
 * The local stack's monitoring under Pulumi's mock runtime: Prometheus scraping every fluentd (by container name, on
 * the metrics port no container publishes), the blackbox probe of the webapp and itself, with the rules of the repo;
 * Grafana with the repo's data source and dashboard; both published on 127.0.0.1 only, with generated logins handed
 * over as files, never in a container's environment.
 */
import * as fs from "fs";
import { defaults } from "../../components/config";
import { fluentdContainer } from "../../components/fluentd-env";
import { monitoringFiles } from "../../components/monitoring";
import { grafanaSecretsDir, prometheusPasswordFile, promtoolHttpConfigFile } from "../../components/monitoring/local";
import { asUser } from "../../components/platform/local-container";
import { RecordedResource, containerUploads, containerEnv, generatedSecretMarker, installMocks, plainSecretPaths, programLoadTimeoutMs, runProgram, unwrapSecrets, valueOf } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "local" });
let program: Record<string, unknown>;

beforeAll(async () => {
    program = await runProgram();
}, programLoadTimeoutMs);

const containers = () => resources.filter((r) => r.type === "docker:index/container:Container");
const container = (name: string) => {
    const found = containers().find((c) => c.name === name);
    if (!found) throw new Error(`no container ${name}`);
    return found;
};
interface Upload { file: string; content: unknown; permissions?: string }
const uploads = (name: string) => (unwrapSecrets(containerUploads(resources, name)) ?? []) as Upload[];
const upload = (name: string, file: string) => {
    const found = uploads(name).find((u) => u.file === file);
    if (!found) throw new Error(`${name} has no upload ${file}; has ${uploads(name).map((u) => u.file).join(", ")}`);
    return found;
};
const text = (u: Upload) => u.content as string;
/**
 * The container starts as root, and the entrypoint hands the secret files to the image's user, then runs the image's
 * entrypoint as that user: `sh -c <script> dle-secret-files <owner> <file>... -- <su to the user> <image entrypoint>`.
 */
const startsAs = (name: string) => {
    const entrypoint = container(name).inputs.entrypoints as string[];
    const separator = entrypoint.indexOf("--", 3);
    return {
        user: container(name).inputs.user,
        owner: entrypoint[4],
        handedOver: entrypoint.slice(5, separator),
        then: entrypoint.slice(separator + 1),
    };
};
const prometheus = "dle-monitoring-prometheus";
const grafana = "dle-monitoring-grafana";
const blackbox = "dle-monitoring-blackbox";

describe("Prometheus", () => {
    it("scrapes each fluentd by container name on the metrics port, the blackbox probe of the webapp, and itself with its login", () => {
        const config = JSON.parse(text(upload(prometheus, "/etc/prometheus/prometheus.yml")));
        const jobs = Object.fromEntries(config.scrape_configs.map((j: { job_name: string }) => [j.job_name, j]));
        expect(jobs.fluentd.static_configs).toEqual([
            { targets: [`dle-log-agent:${fluentdContainer.metricsPort}`], labels: { role: "agent" } },
            { targets: [`dle-log-forwarder-pri:${fluentdContainer.metricsPort}`], labels: { role: "primary" } },
            { targets: [`dle-log-forwarder-sec:${fluentdContainer.metricsPort}`], labels: { role: "secondary" } },
        ]);
        expect(jobs.webapp.static_configs).toEqual([{ targets: ["http://dle-webapp:80/"] }]);
        expect(jobs.webapp.relabel_configs.at(-1)).toEqual({ target_label: "__address__", replacement: "blackbox:9115" });
        expect(jobs.prometheus.basic_auth).toEqual({ username: "admin", password_file: prometheusPasswordFile });
        expect(config.rule_files).toEqual(["/etc/prometheus/rules/*.json"]);
    });

    it("loads the repo's alert rules as they are", () => {
        expect(text(upload(prometheus, "/etc/prometheus/rules/alerts.rules.json"))).toBe(fs.readFileSync(monitoringFiles.alertRules, "utf8"));
    });

    it("asks for a login: a bcrypt hash in its web config, the password in a file only its user reads", () => {
        expect(container(prometheus).inputs.command).toContain("--web.config.file=/etc/prometheus/web.yml");
        const web = JSON.parse(text(upload(prometheus, "/etc/prometheus/web.yml")));
        expect(web.basic_auth_users).toEqual({ admin: `$2a$10$${generatedSecretMarker}dle-monitoring-prometheus-password` });
        const password = upload(prometheus, prometheusPasswordFile);
        expect(text(password)).toBe(`${generatedSecretMarker}dle-monitoring-prometheus-password`);
        expect(password.permissions).toBe("0400");
        // Both travel as secrets (encrypted in the state).
        expect(plainSecretPaths(containerUploads(resources, prometheus))).toEqual([]);
    });

    it("hands its secret files to nobody at every start, whatever owner the upload got, then runs Prometheus as nobody", () => {
        expect(startsAs(prometheus)).toEqual({
            user: "0:0",
            owner: "nobody",
            handedOver: ["/etc/prometheus/web.yml", prometheusPasswordFile],
            then: [...asUser("nobody"), "/bin/prometheus"],
        });
        expect(container(prometheus).inputs.command).toContain("--config.file=/etc/prometheus/prometheus.yml");
    });

    it("checks its health with promtool, which reads the password from its file: no password in a command line", () => {
        const tests = (container(prometheus).inputs.healthcheck as { tests: string[] }).tests;
        expect(tests).toEqual(["CMD", "/bin/promtool", "check", "healthy", "--url=http://127.0.0.1:9090", `--http.config.file=${promtoolHttpConfigFile}`]);
        expect(JSON.parse(text(upload(prometheus, promtoolHttpConfigFile)))).toEqual({ basic_auth: { username: "admin", password_file: prometheusPasswordFile } });
        expect(JSON.stringify(tests)).not.toContain(generatedSecretMarker);
    });
});

describe("Grafana", () => {
    it("provisions the repo's data source and pipeline dashboard", () => {
        expect(text(upload(grafana, "/etc/grafana/provisioning/datasources/dle.yaml"))).toBe(fs.readFileSync(monitoringFiles.grafanaDatasources, "utf8"));
        expect(text(upload(grafana, "/etc/grafana/provisioning/dashboards/dle.yaml"))).toBe(fs.readFileSync(monitoringFiles.grafanaDashboards, "utf8"));
        expect(text(upload(grafana, "/etc/grafana/dashboards/pipeline-dashboard.json"))).toBe(fs.readFileSync(monitoringFiles.dashboard, "utf8"));
        expect(containerEnv(resources, grafana).PROMETHEUS_URL).toBe("http://prometheus:9090");
    });

    it("reads its admin password and Prometheus's from files, which hold the generated secrets", () => {
        const env = containerEnv(resources, grafana);
        expect(env.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe(`${grafanaSecretsDir}/admin-password`);
        const datasource = fs.readFileSync(monitoringFiles.grafanaDatasources, "utf8");
        const passwordFile = /\$__file\{(\/[^}]+)\}/.exec(datasource)?.[1];
        for (const file of [env.GF_SECURITY_ADMIN_PASSWORD__FILE, passwordFile!]) {
            const secret = upload(grafana, file);
            expect(text(secret)).toContain(generatedSecretMarker);
            expect(secret.permissions).toBe("0400");
        }
        expect(plainSecretPaths(containerUploads(resources, grafana))).toEqual([]);
        expect(startsAs(grafana).handedOver.sort()).toEqual([env.GF_SECURITY_ADMIN_PASSWORD__FILE, passwordFile!].sort());
    });

    it("hands its secret files to grafana (472) at every start, then runs the image's /run.sh as grafana", () => {
        expect(startsAs(grafana)).toMatchObject({ user: "0:0", owner: "grafana", then: [...asUser("grafana"), "/run.sh"] });
    });
});

describe("the monitoring containers", () => {
    it("run the pinned images", () => {
        expect(container(prometheus).inputs.image).toBe(defaults.prometheusImage);
        expect(container(grafana).inputs.image).toBe(defaults.grafanaImage);
        expect(container(blackbox).inputs.image).toBe(defaults.blackboxImage);
    });

    it("publish Prometheus and Grafana on 127.0.0.1 only, the blackbox exporter and every fluentd's metrics not at all", () => {
        const published = (name: string) => ((container(name).inputs.ports ?? []) as { internal: number; external: number; ip: string }[]);
        expect(published(prometheus)).toEqual([{ internal: 9090, external: Number(defaults.prometheusPort), ip: "127.0.0.1" }]);
        expect(published(grafana)).toEqual([{ internal: 3000, external: Number(defaults.grafanaPort), ip: "127.0.0.1" }]);
        expect(published(blackbox)).toEqual([]);
        expect(containers().flatMap((c) => published(c.name)).filter((p) => p.internal === fluentdContainer.metricsPort)).toEqual([]);
    });

    it("hold no generated secret in any container's environment", () => {
        for (const c of containers()) {
            const env = JSON.stringify(unwrapSecrets(c.inputs.envs) ?? []);
            if (c.name.startsWith("dle-monitoring")) expect([c.name, env.includes(generatedSecretMarker)]).toEqual([c.name, false]);
        }
    });

    it("give the URLs and logins as outputs, the passwords as secrets", async () => {
        expect(program.monitoringKind).toBe("prometheus");
        expect(await valueOf(program.prometheusUrl as string)).toBe(`http://127.0.0.1:${defaults.prometheusPort}`);
        expect(await valueOf(program.grafanaUrl as string)).toBe(`http://127.0.0.1:${defaults.grafanaPort}`);
        expect(program.grafanaUsername).toBe("admin");
        for (const key of ["prometheusPassword", "grafanaPassword"]) {
            expect(await (program[key] as { isSecret: Promise<boolean> }).isSecret).toBe(true);
        }
    });
});
