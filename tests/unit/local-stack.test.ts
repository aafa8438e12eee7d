/**
 * The local stack under Pulumi's mock runtime: what it registers and how the parts are wired.
 */
import * as path from "path";
import { localImagePlatform } from "../../components/platform/build-context";
import * as pulumi from "@pulumi/pulumi";
import { defaults } from "../../components/config";
import { awsSdkEnv, fileContentEnv, fluentdContainer, fluentdWritablePaths } from "../../components/fluentd-env";
import { apiWritablePaths } from "../../components/api/args";
import { nginxWritablePaths } from "../../components/webapp/args";
import { envNamesRead, fluentdDir } from "../support/fluentd-config";
import { RecordedResource, containerUploads, containerEnv, containerFiles, generatedSecretMarker, installMocks, isSecretValue, mockCertPem, mockRepoDigest, plainSecretPaths, programLoadTimeoutMs, runProgram, unwrapSecrets, valueOf } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "local" });
let program: Record<string, unknown>;

beforeAll(async () => {
    program = await runProgram();
}, programLoadTimeoutMs);

const ofType = (type: string) => resources.filter((r) => r.type === type);
// The containers that run: not the files containers that only hold their uploads (components/platform/local-container.ts).
const containers = () => ofType("docker:index/container:Container").filter((c) => c.inputs.start !== false);
const container = (name: string) => {
    const found = containers().find((c) => c.name === name);
    if (!found) throw new Error(`no container ${name}; have ${containers().map((c) => c.name).join(", ")}`);
    return found;
};
/** A container's environment as a map (secrets unwrapped). */
const envOf = (name: string): Record<string, string> => containerEnv(resources, name);
/** The content of the file a container's variable names (a credential, uploaded). */
const fileOf = (name: string, variable: string): string => containerFiles(resources, name)[envOf(name)[variable]];

const fluentdContainers = ["dle-log-agent", "dle-log-forwarder-pri", "dle-log-forwarder-sec"];

describe("local stack resources", () => {
    it("registers the parts, the dashboards, the platform and the pipeline as components", () => {
        const components = resources.filter((r) => r.type.startsWith("dle:")).map((r) => `${r.type} ${r.name}`).sort();
        expect(components).toEqual([
            "dle:api:Api dle-api",
            "dle:archive:Archive dle-log-archive",
            "dle:canary:Canary dle-canary",
            "dle:dashboards:Dashboards dle-dashboards",
            "dle:forward-security:ForwardSecurity dle-forward-security",
            "dle:forwarder-pair:ForwarderPair dle-log-forwarder",
            "dle:log-agent:LogAgent dle-log-agent",
            "dle:monitoring:Monitoring dle-monitoring",
            "dle:pipeline:Pipeline dle",
            "dle:platform:LocalPlatform dle",
            "dle:search:Search dle-log-search",
            "dle:store:Store dle-log-store",
            "dle:webapp:Webapp dle-webapp",
        ]);
    });

    it("runs the seed's seven containers, the api, the canary, Kibana, the monitoring's three and the archive's credentials endpoint under stable names", () => {
        expect(containers().map((c) => c.inputs.name).sort()).toEqual([
            "dle-api", "dle-canary", "dle-dashboards", "dle-log-agent", "dle-log-archive", "dle-log-archive-credentials", "dle-log-forwarder-pri", "dle-log-forwarder-sec",
            "dle-log-search", "dle-log-store", "dle-monitoring-blackbox", "dle-monitoring-grafana", "dle-monitoring-prometheus", "dle-webapp",
        ]);
    });

    it("uses named volumes for the store's and search's data and for every fluentd buffer", () => {
        const mounts = Object.fromEntries(containers().map((c) => [c.name,
            (c.inputs.volumes as { volumeName?: string; containerPath: string }[] ?? []).filter((v) => v.volumeName).map((v) => `${v.volumeName}:${v.containerPath}`)]));
        expect(mounts["dle-log-store"]).toEqual(["dle-log-store-data:/data/db"]);
        expect(mounts["dle-log-search"]).toEqual(["dle-log-search-data:/usr/share/elasticsearch/data"]);
        for (const name of fluentdContainers) {
            expect(mounts[name]).toEqual([`${name}-buffer:${fluentdContainer.bufferDir}`]);
        }
        expect(ofType("docker:index/volume:Volume").map((v) => v.inputs.name).sort()).toEqual([
            "dle-log-agent-buffer", "dle-log-archive-data", "dle-log-forwarder-pri-buffer", "dle-log-forwarder-sec-buffer",
            "dle-log-search-data", "dle-log-store-data", "dle-monitoring-grafana-data", "dle-monitoring-prometheus-data",
        ]);
    });

    it("runs every container with a read-only root filesystem, writing only to its volumes", () => {
        expect(containers().filter((c) => c.inputs.readOnly !== true).map((c) => c.name)).toEqual([]);
    });

    it("gives each container its writable paths as anonymous volumes, those with uploads from its files container, the same lists as the aws stack where the program is the same", () => {
        const volumes = (name: string) => ofType("docker:index/container:Container").find((c) => c.name === name)!.inputs.volumes as { volumeName?: string; containerPath?: string; fromContainer?: string }[];
        const writable = (name: string) => [
            ...volumes(name).filter((v) => v.containerPath && v.volumeName === undefined).map((v) => v.containerPath),
            ...volumes(name).filter((v) => v.fromContainer).flatMap((v) => {
                expect(v.fromContainer).toBe(`${name}-files-id`);
                return volumes(`${name}-files`).map((f) => f.containerPath);
            }),
        ].sort();
        for (const name of fluentdContainers) expect(writable(name)).toEqual([...fluentdWritablePaths].sort());
        expect(writable("dle-webapp")).toEqual([...nginxWritablePaths, "/etc/nginx"].sort());
        expect(writable("dle-api")).toEqual([...apiWritablePaths]);
        expect(volumes("dle-webapp-files").map((v) => v.containerPath)).toEqual(["/etc/nginx"]);
    });

    it("uploads files only into files containers that never run, and none into a container that runs", () => {
        const all = ofType("docker:index/container:Container");
        const holders = all.filter((c) => c.inputs.uploads !== undefined);
        expect(holders.map((c) => c.name).every((n) => n.endsWith("-files"))).toBe(true);
        for (const holder of holders) expect(holder.inputs).toMatchObject({ start: false, mustRun: false });
        expect(holders.map((c) => c.name.replace(/-files$/, "")).filter((n) => !all.some((c) => c.name === n))).toEqual([]);
    });

    it("pins every image to the configured tag", () => {
        const images = Object.fromEntries(containers().map((c) => [c.name, c.inputs.image]));
        expect(images["dle-webapp"]).toBe(defaults.nginxImage);
        expect(images["dle-log-store"]).toBe(defaults.mongoImage);
        expect(images["dle-log-search"]).toBe(defaults.elasticsearchImage);
        expect(images["dle-log-archive"]).toBe(defaults.s3Image);
        for (const name of fluentdContainers) expect(images[name]).toBe(mockRepoDigest("dle-fluentd"));
    });

    it("builds the fluentd image from fluentd/Dockerfile on the pinned official image", () => {
        const [image] = ofType("docker:index/image:Image");
        const build = image.inputs.build as { context: string; dockerfile: string; args: Record<string, string>; target: string };
        expect(path.resolve(build.context)).toBe(fluentdDir);
        expect(path.resolve(build.dockerfile)).toBe(path.join(fluentdDir, "Dockerfile"));
        // The local stage, without the RDS CA bundle: the local build contacts nothing of AWS.
        expect(build.target).toBe("local");
        expect(build.args).toEqual({ FLUENTD_IMAGE: defaults.fluentdImage });
    });

    it("builds every image from paths relative to the project, for the machine's platform, so another clone plans no rebuild", () => {
        const builds = ofType("docker:index/image:Image").map((i) => ({ name: i.name, ...(i.inputs.build as { context: string; dockerfile: string; platform?: string }) }));
        expect(builds.map((b) => `${b.name} ${b.context} ${b.dockerfile} ${b.platform}`).sort()).toEqual([
            `dle-api-image components/api components/api/Dockerfile ${localImagePlatform()}`,
            `dle-canary-image components/canary components/canary/Dockerfile ${localImagePlatform()}`,
            `dle-fluentd fluentd fluentd/Dockerfile ${localImagePlatform()}`,
        ]);
    });
});

describe("local network", () => {
    it("puts every container on the one user-defined network, under an alias, but the archive's credentials endpoint", () => {
        const networks = ofType("docker:index/network:Network").map((n) => n.inputs.name);
        // The credentials endpoint's own network: see local-archive-credentials.test.ts.
        expect(networks.sort()).toEqual(["dle", "dle-log-archive-credentials"]);
        for (const c of containers().filter((c) => c.name !== "dle-log-archive-credentials")) {
            const attached = c.inputs.networksAdvanced as { name: string; aliases: string[] }[];
            expect(attached[0]).toEqual({ name: "dle", aliases: [expect.any(String)] });
            // The forwarders also join the endpoint's network.
            expect(attached.slice(1)).toEqual(c.name.startsWith("dle-log-forwarder-") ? [{ name: "dle-log-archive-credentials" }] : []);
        }
    });

    it("gives every container a health check", () => {
        for (const c of containers()) {
            const check = c.inputs.healthcheck as { tests: string[] };
            expect(check.tests[0]).toBe("CMD");
            expect(check.tests.length).toBeGreaterThan(1);
        }
    });

    it("publishes only the listed ports, and only on 127.0.0.1", () => {
        const published = containers().flatMap((c) =>
            ((c.inputs.ports as { internal: number; external: number; ip: string }[]) ?? []).map((p) => `${c.name} ${p.ip}:${p.external}->${p.internal}`));
        expect(published.sort()).toEqual([
            "dle-dashboards 127.0.0.1:5601->5601",
            "dle-log-agent 127.0.0.1:24224->24224",
            "dle-log-archive 127.0.0.1:9000->9000",
            "dle-log-search 127.0.0.1:9200->9200",
            "dle-log-store 127.0.0.1:27017->27017",
            "dle-monitoring-grafana 127.0.0.1:3000->3000",
            "dle-monitoring-prometheus 127.0.0.1:9090->9090",
            "dle-webapp 127.0.0.1:8000->80",
        ]);
    });

    it("sends the webapp's logs through Docker's fluentd driver to the agent's published port", () => {
        const webapp = container("dle-webapp");
        expect(webapp.inputs.logDriver).toBe("fluentd");
        expect(webapp.inputs.logOpts).toEqual(expect.objectContaining({
            "fluentd-address": "127.0.0.1:24224",
            "fluentd-async": "true",
            // The agent adds the docker. prefix: docker.webapp, which it parses as nginx's lines.
            tag: "webapp",
        }));
    });

    it("wires each fluentd container to the next part by its alias, not by a hard-coded name", () => {
        const aliasOf = (name: string) => (container(name).inputs.networksAdvanced as { aliases: string[] }[])[0].aliases[0];
        const agent = envOf("dle-log-agent");
        expect(agent.FORWARDER_PRIMARY_HOST).toBe(aliasOf("dle-log-forwarder-pri"));
        expect(agent.FORWARDER_SECONDARY_HOST).toBe(aliasOf("dle-log-forwarder-sec"));
        const forwarder = envOf("dle-log-forwarder-pri");
        expect(forwarder.SEARCH_HOST).toBe(aliasOf("dle-log-search"));
        expect(forwarder.ARCHIVE_ENDPOINT).toBe(`http://${aliasOf("dle-log-archive")}:9000`);
        expect(fileOf("dle-log-forwarder-pri", "STORE_CONNECTION_STRING_FILE")).toContain(`@${aliasOf("dle-log-store")}:27017/applogs?`);
    });
});

describe("fluentd environment", () => {
    it.each([
        ["dle-log-agent", "agent.conf"],
        ["dle-log-forwarder-pri", "forwarder.conf"],
        ["dle-log-forwarder-sec", "forwarder.conf"],
    ])("%s gets exactly the variables %s reads", (name, conf) => {
        const env = envOf(name);
        expect(env.FLUENTD_CONF).toBe(conf);
        // FLUENTD_CONF is read by the image's entrypoint, the AWS SDK's variables by the SDK, not by the config.
        const given = Object.keys(env).filter((k) => k !== "FLUENTD_CONF" && !awsSdkEnv.includes(k)).sort();
        expect(given).toEqual([...envNamesRead(path.join(fluentdDir, conf), "local")].sort());
        // Locally the TLS files and the credentials are uploaded: none of the entrypoint's content variables is set.
        expect(given.filter((k) => (Object.values(fileContentEnv) as string[]).includes(k))).toEqual([]);
    });

    it("tells the two forwarders apart, so their archive objects never collide", () => {
        expect(envOf("dle-log-forwarder-pri").FORWARDER_NAME).toBe("primary");
        expect(envOf("dle-log-forwarder-sec").FORWARDER_NAME).toBe("secondary");
    });

    it("passes the failover timing to the agent", () => {
        expect(envOf("dle-log-agent")).toEqual(expect.objectContaining({
            FAILOVER_HARD_TIMEOUT: "1.5",
            FAILOVER_CONNECT_TIMEOUT: "0.5",
            FAILOVER_HEARTBEAT_INTERVAL: "0.5",
            FAILOVER_ACK_TIMEOUT: "20",
        }));
    });
});

describe("secrets", () => {
    it("generates the store's, search's, archive's, dashboards' and the canary's credentials", () => {
        const generated = [...ofType("random:index/randomPassword:RandomPassword"), ...ofType("random:index/randomString:RandomString")]
            .map((r) => r.name).sort();
        expect(generated).toEqual([
            "dle-canary-search-reader-password", "dle-canary-store-reader-password",
            "dle-dashboards-kibana-system-password", "dle-dashboards-login-password", "dle-dashboards-saved-objects-key", "dle-dashboards-session-key",
            "dle-forward-security-shared-key", "dle-log-archive-access-key", "dle-log-archive-credentials-token", "dle-log-archive-reader-access-key", "dle-log-archive-reader-secret-key",
            "dle-log-archive-secret-key", "dle-log-search-elastic-password", "dle-log-store-root-password",
            "dle-monitoring-grafana-password", "dle-monitoring-prometheus-password",
        ]);
    });

    it("never puts a generated credential in a plain resource input", () => {
        const leaks = resources.flatMap((r) => plainSecretPaths(r.inputs).map((p) => `${r.name}: ${p}`));
        expect(leaks).toEqual([]);
        // And the credentials do reach the containers, as secret files (tests/unit/local-secrets.test.ts).
        expect(fileOf("dle-log-forwarder-pri", "STORE_CONNECTION_STRING_FILE")).toContain(`${generatedSecretMarker}dle-log-store-root-password`);
    });

    it("exports every value that holds a credential as a secret", async () => {
        const plainExports: string[] = [];
        for (const [name, value] of Object.entries(program)) {
            const output = pulumi.output(value as pulumi.Input<unknown>) as pulumi.Output<unknown>;
            const resolved = await valueOf(output);
            if (JSON.stringify(resolved ?? "").includes(generatedSecretMarker) && !(await pulumi.isSecret(output))) {
                plainExports.push(name);
            }
        }
        expect(plainExports).toEqual([]);
        expect(await pulumi.isSecret(program.storeConnectionString as pulumi.Output<string>)).toBe(true);
    });
});

describe("forward protocol security (local)", () => {
    type Upload = { file: string; content: string; permissions?: string; owner?: string; group?: string };
    const uploadsOf = (name: string) => unwrapSecrets(containerUploads(resources, name)) as Upload[];
    const aliasOf = (name: string) => (container(name).inputs.networksAdvanced as { aliases: string[] }[])[0].aliases[0];

    it("generates one CA, a certificate authority only, with its key as a secret", () => {
        const [ca, ...others] = ofType("tls:index/selfSignedCert:SelfSignedCert");
        expect(others).toEqual([]);
        expect(ca.name).toBe("dle-forward-security-ca");
        expect(ca.inputs).toEqual(expect.objectContaining({ isCaCertificate: true, allowedUses: ["cert_signing", "crl_signing"] }));
        expect(isSecretValue(ca.inputs.privateKeyPem)).toBe(true);
        expect(unwrapSecrets(ca.inputs.privateKeyPem)).toContain(`${generatedSecretMarker}dle-forward-security-ca`);
    });

    it.each([
        ["dle-log-forwarder-pri", "FORWARDER_PRIMARY_HOST"],
        ["dle-log-forwarder-sec", "FORWARDER_SECONDARY_HOST"],
    ])("issues %s a server certificate from that CA for the name the agent connects to (%s)", (name, hostVariable) => {
        const request = ofType("tls:index/certRequest:CertRequest").find((r) => r.name === `${name}-tls`)!;
        expect(request.inputs.dnsNames).toEqual([envOf("dle-log-agent")[hostVariable]]);
        expect(request.inputs.dnsNames).toEqual([aliasOf(name)]);
        expect(isSecretValue(request.inputs.privateKeyPem)).toBe(true);
        const cert = ofType("tls:index/locallySignedCert:LocallySignedCert").find((r) => r.name === `${name}-tls`)!;
        expect(cert.inputs).toEqual(expect.objectContaining({ caCertPem: mockCertPem("dle-forward-security-ca"), allowedUses: ["digital_signature", "server_auth"] }));
        expect(isSecretValue(cert.inputs.caPrivateKeyPem)).toBe(true);
    });

    it("issues the agent a client certificate from that CA for its handshake name", () => {
        const request = ofType("tls:index/certRequest:CertRequest").find((r) => r.name === "dle-log-forwarder-agent-tls")!;
        expect(request.inputs.dnsNames).toEqual([envOf("dle-log-agent").FORWARD_SELF_HOSTNAME]);
        const cert = ofType("tls:index/locallySignedCert:LocallySignedCert").find((r) => r.name === "dle-log-forwarder-agent-tls")!;
        expect(cert.inputs).toEqual(expect.objectContaining({ caCertPem: mockCertPem("dle-forward-security-ca"), allowedUses: ["digital_signature", "client_auth"] }));
    });

    it.each([
        ["dle-log-forwarder-pri", "dle-log-forwarder-pri-tls"],
        ["dle-log-forwarder-sec", "dle-log-forwarder-sec-tls"],
        ["dle-log-agent", "dle-log-forwarder-agent-tls"],
    ])("uploads to %s the CA, and its own certificate and key (0400), where its config reads them", (name, certificate) => {
        const env = envOf(name);
        const uploads = uploadsOf(name);
        expect(uploads.map((u) => u.file)).toEqual(expect.arrayContaining([env.FORWARD_TLS_CA_PATH, env.FORWARD_TLS_CERT_PATH, env.FORWARD_TLS_KEY_PATH]));
        expect(uploads.find((u) => u.file === env.FORWARD_TLS_CA_PATH)!.content).toBe(mockCertPem("dle-forward-security-ca"));
        expect(uploads.find((u) => u.file === env.FORWARD_TLS_CERT_PATH)!.content).toBe(mockCertPem(certificate));
        const key = uploads.find((u) => u.file === env.FORWARD_TLS_KEY_PATH)!;
        // Readable by its owner only; the image's entrypoint makes fluentd's user the owner (tests/integration/dle-entrypoint.test.ts).
        expect(key).toEqual(expect.objectContaining({ permissions: "0400" }));
        expect(key.content).toContain(`${generatedSecretMarker}${certificate}`);
        expect(plainSecretPaths(containerUploads(resources, name))).toEqual([]);
    });

    it.each([["dle-log-forwarder-pri"], ["dle-log-forwarder-sec"]])("names %s in the handshake by its network alias", (name) => {
        expect(envOf(name).FORWARD_SELF_HOSTNAME).toBe(aliasOf(name));
    });

    it("gives the agent and both forwarders the one generated shared key, and the agent a handshake name of its own", () => {
        const keys = fluentdContainers.map((name) => fileOf(name, "FORWARD_SHARED_KEY_FILE"));
        expect(keys).toEqual(fluentdContainers.map(() => `${generatedSecretMarker}dle-forward-security-shared-key`));
        const names = fluentdContainers.map((name) => envOf(name).FORWARD_SELF_HOSTNAME);
        expect(new Set(names).size).toBe(3);
    });
});

describe("local outputs", () => {
    it("say how to reach the search sink and how to stop a forwarder, as on AWS", async () => {
        expect(await valueOf(program.searchAuth as pulumi.Input<string>)).toBe("basic");
        expect(await valueOf(program.forwarderControl as pulumi.Input<string>)).toBe("docker");
        expect(await valueOf(program.forwarderPrimary as pulumi.Input<string>)).toBe("dle-log-forwarder-pri");
        // AWS-only outputs are absent, not empty.
        expect([program.searchRegion, program.ecsCluster]).toEqual([undefined, undefined]);
    });
});
