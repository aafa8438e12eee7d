/**
 * Pulumi's mock runtime for unit tests: records every registered resource and gives generated values
 * (passwords, image IDs) recognisable contents, so tests can look for them where they must not be.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { getMonitor } from "@pulumi/pulumi/runtime/settings";

export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /**
     * What the engine would get with the inputs, once the registration has gone through: the URN, the parent's URN,
     * every resource the registration waits for (`dependsOn` and the resources its inputs come from, as URNs), and the
     * `replaceOnChanges` option. Pulumi's mocks hand none of these to `newResource`; policies and tests need them.
     */
    urn?: string;
    parent?: string;
    dependencies?: string[];
    /** For each input, the resources its value comes from (URNs), as the engine receives them. */
    propertyDependencies?: Record<string, string[]>;
    replaceOnChanges?: string[];
}

/** The marker a generated secret value starts with, in every mock random resource's result. */
export const generatedSecretMarker = "GENERATED-SECRET-";

/** Pulumi's wire marker of a secret value inside mock inputs. */
const secretSig = "1b47061264138c4ac30d75fd1eb44270";
const sigKey = "4dabf18193072939515e22adb298388d";

export function isSecretValue(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[sigKey] === secretSig;
}

/** Removes the secret wrappers, for tests that look at the values themselves. */
export function unwrapSecrets(value: unknown): unknown {
    if (isSecretValue(value)) return unwrapSecrets(value.value);
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** Paths of plain (non-secret) strings in `value` that contain a generated secret. */
export function plainSecretPaths(value: unknown, path = ""): string[] {
    if (isSecretValue(value)) return [];
    if (typeof value === "string") return value.includes(generatedSecretMarker) ? [path || "(value)"] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => plainSecretPaths(v, `${path}[${i}]`));
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => plainSecretPaths(v, path ? `${path}.${k}` : k));
    }
    return [];
}

/** Looks up what the mocked program registered: every resource of a type, or the one of a type and name. */
export function registered(resources: RecordedResource[]) {
    const ofType = (type: string) => resources.filter((r) => r.type === type);
    const one = (type: string, name: string): RecordedResource => {
        const found = ofType(type).find((r) => r.name === name);
        if (!found) throw new Error(`no ${type} ${name}; have ${ofType(type).map((r) => r.name).join(", ")}`);
        return found;
    };
    return { ofType, one };
}

/** The mock AWS account and region. */
export const mockAccount = "111111111111";
export const mockRegion = "us-east-1";

/** Every invoke the mocked program made (a data source's token and arguments), in order. */
export const invokesMade: { token: string; inputs: Record<string, unknown> }[] = [];

/** The invokes the aws stack makes; any other still throws. */
const awsInvokes: Record<string, Record<string, unknown>> = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": { names: [`${mockRegion}a`, `${mockRegion}b`, `${mockRegion}c`], zoneIds: ["use1-az1", "use1-az2", "use1-az4"] },
    "aws:index/getRegion:getRegion": { name: mockRegion, region: mockRegion },
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
        userName: "AWS",
        password: `${generatedSecretMarker}ecr-token`,
        proxyEndpoint: `https://${mockAccount}.dkr.ecr.${mockRegion}.amazonaws.com`,
    },
};

/** What AWS would compute for a new resource: an ARN, and the attributes the program reads. */
function awsState(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    const name = args.name;
    const arn = `arn:aws:${args.type.split(/[:/]/)[1]}:${mockRegion}:${mockAccount}:${name}`;
    switch (args.type) {
        case "aws:ecr/repository:Repository":
            return { arn, registryId: mockAccount, repositoryUrl: `${mockAccount}.dkr.ecr.${mockRegion}.amazonaws.com/${name}` };
        case "aws:opensearch/domain:Domain":
            return { arn: `arn:aws:es:${mockRegion}:${mockAccount}:domain/${name}`, domainName: name, endpoint: `vpc-${name}.${mockRegion}.es.amazonaws.com` };
        case "aws:docdb/cluster:Cluster":
            return { arn, endpoint: `${name}.cluster-mock.${mockRegion}.docdb.amazonaws.com` };
        case "aws:rds/instance:Instance":
            return { arn, address: `${name}.mock.${mockRegion}.rds.amazonaws.com` };
        case "aws:s3/bucket:Bucket":
            return { arn: `arn:aws:s3:::${args.inputs.bucketPrefix ?? ""}mock`, bucket: `${args.inputs.bucketPrefix ?? ""}mock` };
        case "aws:lb/loadBalancer:LoadBalancer":
            return { arn, arnSuffix: `app/${name}/123`, dnsName: `${name}-123.${mockRegion}.elb.amazonaws.com` };
        case "aws:efs/fileSystem:FileSystem":
            return { arn: `arn:aws:elasticfilesystem:${mockRegion}:${mockAccount}:file-system/${name}-id` };
        case "aws:efs/accessPoint:AccessPoint":
            return { arn: `arn:aws:elasticfilesystem:${mockRegion}:${mockAccount}:access-point/${name}-id` };
        case "aws:cloudwatch/logGroup:LogGroup":
            return { arn: `arn:aws:logs:${mockRegion}:${mockAccount}:log-group:${args.inputs.name ?? name}` };
        default:
            return { arn, name };
    }
}

/** The digest a mock image named `name` gets: a real-looking sha256, so that digest checks see what Docker reports. */
export function mockImageDigest(name: string): string {
    return `sha256:${createHash("sha256").update(name).digest("hex")}`;
}

/** What a mock image named `name` reports as repoDigest: its ID locally, `<repository>@<digest>` once pushed. */
export function mockRepoDigest(name: string, repository?: string): string {
    return repository === undefined ? mockImageDigest(name) : `${repository}@${mockImageDigest(name)}`;
}

/** The fake certificate a mock tls certificate resource named `name` returns (public: no secret marker). */
export function mockCertPem(name: string): string {
    return `-----BEGIN CERTIFICATE-----\nMOCK-${name}\n-----END CERTIFICATE-----\n`;
}

/** Installs the mocks and returns the list that fills as resources register. */
export function installMocks(config: Record<string, string> = {}): RecordedResource[] {
    const resources: RecordedResource[] = [];
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`dle:${k}`, v])));
    pulumi.runtime.setMocks({
        newResource(args: pulumi.runtime.MockResourceArgs) {
            resources.push({ type: args.type, name: args.name, inputs: args.inputs });
            const state: Record<string, unknown> = { ...args.inputs };
            switch (args.type) {
                case "random:index/randomPassword:RandomPassword":
                case "random:index/randomString:RandomString":
                    state.result = `${generatedSecretMarker}${args.name}`;
                    // The provider's bcrypt hash of the result (a RandomPassword's): derived from the secret, secret too.
                    state.bcryptHash = `$2a$10$${generatedSecretMarker}${args.name}`;
                    break;
                case "random:index/randomId:RandomId":
                    // Not a secret: an identifier's suffix (8 hex digits for 4 bytes).
                    state.hex = "0a1b2c3d".slice(0, 2 * Number(args.inputs.byteLength ?? 4));
                    break;
                case "tls:index/privateKey:PrivateKey":
                    // A private key is a generated secret: the secret walks must find it wherever it is plain.
                    state.privateKeyPem = `-----BEGIN EC PRIVATE KEY-----\n${generatedSecretMarker}${args.name}\n-----END EC PRIVATE KEY-----\n`;
                    state.publicKeyPem = `-----BEGIN PUBLIC KEY-----\nMOCK-${args.name}\n-----END PUBLIC KEY-----\n`;
                    break;
                case "tls:index/certRequest:CertRequest":
                    state.certRequestPem = `-----BEGIN CERTIFICATE REQUEST-----\nMOCK-${args.name}\n-----END CERTIFICATE REQUEST-----\n`;
                    break;
                case "tls:index/selfSignedCert:SelfSignedCert":
                case "tls:index/locallySignedCert:LocallySignedCert":
                    state.certPem = mockCertPem(args.name);
                    break;
                case "docker:index/image:Image":
                    // Pushed (a registry given): `<repository>@<digest>`; kept on the Docker host: the image's ID.
                    state.repoDigest = mockRepoDigest(args.name, args.inputs.registry === undefined ? undefined : String(args.inputs.imageName).replace(/:[^:/]+$/, ""));
                    break;
                default:
                    if (args.type.startsWith("aws:")) Object.assign(state, awsState(args), { ...args.inputs });
            }
            return { id: `${args.name}-id`, state };
        },
        call(args: pulumi.runtime.MockCallArgs) {
            invokesMade.push({ token: args.token, inputs: args.inputs });
            const result = awsInvokes[args.token];
            if (!result) throw new Error(`Mock not implemented: ${args.token}`);
            return result;
        },
    }, "dle", "test", false);
    recordRegistrationOptions(resources);
    return resources;
}

/** The part of the mock monitor's registration request read here (a protobuf RegisterResourceRequest). */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(visit: (value: { getUrnsList(): string[] }, key: string) => void): void };
    getReplaceonchangesList(): string[];
}
type RegisterCallback = (error: Error | null, response?: { getUrn(): string }) => void;

/** Completes each recorded resource with its URN, parent, dependencies and replaceOnChanges, as the monitor receives them. */
function recordRegistrationOptions(resources: RecordedResource[]): void {
    const monitor = getMonitor() as unknown as { registerResource(request: RegisterRequest, callback: RegisterCallback): void };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request, callback) => register(request, (error, response) => {
        const recorded = resources.find((r) => r.type === request.getType() && r.name === request.getName() && r.urn === undefined);
        if (error === null && response !== undefined && recorded !== undefined) {
            const propertyDependencies: Record<string, string[]> = {};
            request.getPropertydependenciesMap().forEach((value, key) => { propertyDependencies[key] = value.getUrnsList(); });
            Object.assign(recorded, {
                propertyDependencies,
                urn: response.getUrn(),
                parent: request.getParent() || undefined,
                dependencies: request.getDependenciesList(),
                replaceOnChanges: request.getReplaceonchangesList(),
            });
        }
        callback(error, response);
    });
}

/** A recorded Docker container's environment, as a map (secrets unwrapped). */
export function containerEnv(resources: RecordedResource[], name: string): Record<string, string> {
    const found = resources.find((r) => r.type === "docker:index/container:Container" && r.name === name);
    if (!found) throw new Error(`no container ${name} was registered`);
    const pairs = (unwrapSecrets(found.inputs.envs) ?? []) as string[];
    return Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
}

/** A recorded Docker container's uploaded files, by path (secrets unwrapped). */
export function containerFiles(resources: RecordedResource[], name: string): Record<string, string> {
    const found = resources.find((r) => r.type === "docker:index/container:Container" && r.name === name);
    if (!found) throw new Error(`no container ${name} was registered`);
    const uploads = (unwrapSecrets(found.inputs.uploads) ?? []) as { file: string; content: string }[];
    return Object.fromEntries(uploads.map((u) => [u.file, u.content]));
}

/** The value of an Output (or plain value), once known. */
export function valueOf<T>(output: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
    return new Promise((resolve) => pulumi.output(output).apply((value) => resolve(value)));
}

/**
 * How long loading the program may take: ts-jest compiles the whole program (and @pulumi/aws) on a cold cache,
 * which took over 5 s, jest's default, on a loaded 2-core machine. Every hook or test that loads it uses this.
 */
export const programLoadTimeoutMs = 180_000;

/**
 * Loads the program (index.ts) under the installed mocks and waits for every export. Jest gives each test
 * file its own module registry, so each file runs the program once, with the config it installed.
 */
export async function runProgram(): Promise<Record<string, unknown>> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program: Record<string, unknown> = require("../../index");
    await Promise.all(Object.values(program).map((v) => valueOf(v as pulumi.Input<unknown>)));
    return program;
}
