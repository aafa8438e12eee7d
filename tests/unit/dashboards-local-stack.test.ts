/**
 * The local stack's dashboards under Pulumi's mock runtime: Kibana's container, its settings file, the setup in
 * Elasticsearch and the saved-objects import, and the outputs.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { defaults } from "../../components/config";
import { dashboardsUsername, kibanaConfigPath, kibanaSettingsFile, logsReaderRole } from "../../components/dashboards/local";
import { savedObjectsFor, toNdjson } from "../../components/dashboards/saved-objects";
import { RecordedResource, containerUploads, generatedSecretMarker, installMocks, plainSecretPaths, programLoadTimeoutMs, registered, runProgram, unwrapSecrets, valueOf } from "../support/mocks";

const resources: RecordedResource[] = installMocks({ target: "local" });
let program: Record<string, unknown>;
beforeAll(async () => {
    program = await runProgram();
}, programLoadTimeoutMs);

const { one } = registered(resources);
const kibana = () => one("docker:index/container:Container", "dle-dashboards").inputs;
const generated = (name: string) => `${generatedSecretMarker}dle-dashboards-${name}`;
const elasticPassword = `${generatedSecretMarker}dle-log-search-elastic-password`;

describe("Kibana's container", () => {
    it("runs the pinned Kibana at the Elasticsearch image's version", () => {
        expect(kibana().image).toBe(defaults.kibanaImage);
        const tag = (image: string) => image.slice(image.lastIndexOf(":") + 1);
        expect(tag(defaults.kibanaImage)).toBe(tag(defaults.elasticsearchImage));
    });

    it("publishes its port on 127.0.0.1 only, and has a health check that needs no credentials", () => {
        expect(kibana().ports).toEqual([{ internal: 5601, external: Number(defaults.kibanaPort), ip: "127.0.0.1" }]);
        expect(kibana().healthcheck).toEqual(expect.objectContaining({
            tests: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:5601/api/status"],
        }));
    });

    it("gets no environment: its password is in a settings file, not in what docker inspect shows", () => {
        expect(kibana().envs ?? []).toEqual([]);
        expect(JSON.stringify(unwrapSecrets(kibana().command ?? []))).not.toContain(generatedSecretMarker);
    });

    it("gets its settings as one uploaded file, secret, readable by Kibana's group and nobody else", () => {
        const uploads = unwrapSecrets(containerUploads(resources, "dle-dashboards")) as { file: string; content: string; permissions: string }[];
        expect(uploads.map((u) => [u.file, u.permissions])).toEqual([[kibanaConfigPath, "0440"]]);
        // The file holds generated secrets, and the inputs hold them only as secrets.
        expect(uploads[0].content).toContain(generatedSecretMarker);
        expect(plainSecretPaths(containerUploads(resources, "dle-dashboards"))).toEqual([]);
    });

    it("connects to Elasticsearch by its network alias as kibana_system, with the password the setup gives that user", () => {
        const [upload] = unwrapSecrets(containerUploads(resources, "dle-dashboards")) as { content: string }[];
        const text = upload.content;
        expect(text.startsWith(fs.readFileSync(kibanaSettingsFile, "utf8").trimEnd())).toBe(true);
        const added = Object.fromEntries(text.slice(fs.readFileSync(kibanaSettingsFile, "utf8").trimEnd().length).trim().split("\n")
            .map((line) => [line.slice(0, line.indexOf(":")), JSON.parse(line.slice(line.indexOf(":") + 1))]));
        expect(added).toEqual({
            "server.publicBaseUrl": "http://127.0.0.1:5601",
            "elasticsearch.hosts": ["http://search:9200"],
            "elasticsearch.username": "kibana_system",
            "elasticsearch.password": generated("kibana-system-password"),
            "xpack.security.encryptionKey": generated("session-key"),
            "xpack.encryptedSavedObjects.encryptionKey": generated("saved-objects-key"),
        });
        expect(text).not.toContain(elasticPassword);
    });

    it("gets keys of the length Kibana requires (at least 32 characters)", () => {
        for (const name of ["dle-dashboards-session-key", "dle-dashboards-saved-objects-key"]) {
            expect(one("random:index/randomPassword:RandomPassword", name).inputs.length).toBeGreaterThanOrEqual(32);
        }
    });
});

describe("the setup in Elasticsearch and the import", () => {
    it("sets up kibana_system and the login through Elasticsearch's published port, as the superuser, with secrets only as secrets", () => {
        const setup = one("pulumi-nodejs:dynamic/dashboards:KibanaAccess", "dle-dashboards-elasticsearch-access").inputs;
        expect(plainSecretPaths(setup)).toEqual([]);
        expect(unwrapSecrets({ ...setup, __provider: undefined })).toEqual({
            url: "http://127.0.0.1:9200",
            superuser: { username: "elastic", password: elasticPassword },
            kibanaSystemPassword: generated("kibana-system-password"),
            readerRole: { name: logsReaderRole, indexPattern: `${defaults.searchIndexPrefix}-*` },
            login: { username: dashboardsUsername, password: generated("login-password") },
        });
    });

    it("imports the repo's saved objects into Kibana as the login, with the data view over the stack's indices", () => {
        const imported = one("pulumi-nodejs:dynamic/dashboards:SavedObjectsImport", "dle-dashboards-saved-objects").inputs;
        expect(plainSecretPaths(imported)).toEqual([]);
        expect(unwrapSecrets({ ...imported, __provider: undefined, digest: undefined, imported: undefined })).toEqual({
            target: { url: "http://127.0.0.1:5601", product: "kibana", auth: { kind: "basic", username: dashboardsUsername, password: generated("login-password") } },
            objects: toNdjson(savedObjectsFor(defaults.searchIndexPrefix)),
        });
    });
});

describe("the dashboards outputs (local)", () => {
    it("give the URL, the product and the login, its password as a secret", async () => {
        const value = (name: string) => valueOf(program[name] as pulumi.Input<unknown>);
        expect(await value("dashboardsUrl")).toBe("http://127.0.0.1:5601");
        expect(await value("dashboardsProduct")).toBe("kibana");
        expect(await value("dashboardsUsername")).toBe(dashboardsUsername);
        expect(await value("dashboardsPassword")).toBe(generated("login-password"));
        expect(await pulumi.isSecret(program.dashboardsPassword as pulumi.Output<string>)).toBe(true);
    });
});
