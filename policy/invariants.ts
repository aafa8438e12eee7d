/**
 * dle's own invariants: every image pinned, and no credential in plain text where a preview, the state's plain fields,
 * `docker inspect` or the ECS console would show it.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import * as c from "../components/constraints";
import { Props, containerDefinitions, failing, resourcePolicy, stringsIn, types } from "./support";

export const imagesPinned = resourcePolicy(
    "images-pinned",
    "Every image a container runs, and every base image a build takes, is pinned by tag or digest (never latest, stable, edge or mainline).",
    [types.dockerContainer, types.dockerImage, types.taskDefinition],
    (props, args) => {
        switch (args.type) {
            case types.dockerContainer:
                return [failing(c.pinnedImage, String(props.image), "image")];
            case types.dockerImage:
                // The build's base images come in as build arguments named *_IMAGE (fluentd/Dockerfile, the webapp's, the api's).
                return Object.entries((props.build?.args ?? {}) as Record<string, string>).filter(([name]) => name.endsWith("_IMAGE"))
                    .map(([name, image]) => failing(c.pinnedImage, image, `build argument ${name}`));
            default:
                return containerDefinitions(props).map((container) => failing(c.pinnedImage, String(container.image), `container ${container.name}'s image`));
        }
    },
);

/** Variable names that say they hold a credential; those that name the credential's file or path do not hold it. */
const credentialName = /PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|SHARED_KEY|ACCESS_KEY|API_KEY|CONNECTION_STRING|CREDENTIAL/i;
const namesACredentialsFile = /_(?:FILE|PATH)$/i;
/**
 * Where a container gets credentials from, not credentials: the AWS SDKs' container credentials endpoint (a URL,
 * which holds no secret; its token is in a file, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE).
 */
const namesACredentialsEndpoint = /^AWS_CONTAINER_CREDENTIALS_(?:FULL|RELATIVE)_URI$/;

/** Values that are credentials whatever holds them: a private key, a URI with a password in it. */
const credentialShapes: { what: string; pattern: RegExp }[] = [
    { what: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
    { what: "a URI with a password", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i },
];

/**
 * The inputs that hold a credential by design, and are secret there: the provider marks them secret, or the program
 * does (container uploads: files readable by their owner only, never the environment). The policy sees secrets
 * unwrapped, so it cannot tell a secret from plain text; it keeps credentials out of everywhere else.
 */
const credentialInputs: Record<string, string[]> = {
    "tls:index/certRequest:CertRequest": ["privateKeyPem"],
    "tls:index/selfSignedCert:SelfSignedCert": ["privateKeyPem"],
    "tls:index/locallySignedCert:LocallySignedCert": ["caPrivateKeyPem"],
    "aws:secretsmanager/secretVersion:SecretVersion": ["secretString"],
    "aws:docdb/cluster:Cluster": ["masterPassword"],
    "aws:rds/instance:Instance": ["password"],
    [types.dockerContainer]: ["uploads"],
    [types.dockerImage]: ["registry"],
};

/** A container's or function's environment as name and value pairs. */
function environmentOf(type: string, props: Props): { where: string; name: string; value: string }[] {
    switch (type) {
        case types.dockerContainer:
            return ((props.envs ?? []) as string[]).map((pair) => ({ where: "envs", name: pair.slice(0, pair.indexOf("=")), value: pair.slice(pair.indexOf("=") + 1) }));
        case types.taskDefinition:
            return containerDefinitions(props).flatMap((container) => ((container.environment ?? []) as { name: string; value: string }[])
                .map((variable) => ({ where: `container ${container.name}'s environment`, ...variable })));
        case types.lambdaFunction:
            return Object.entries((props.environment?.variables ?? {}) as Record<string, string>).map(([name, value]) => ({ where: "environment", name, value }));
        default:
            return [];
    }
}

export const noPlaintextSecrets = resourcePolicy(
    "no-plaintext-secrets",
    "No credential is in a container's or function's environment (credentials go as files locally and as ECS secrets on AWS), and no private key or URI with a password is in any input but those that hold credentials by design.",
    "every type",
    (props, args) => {
        const allowed = credentialInputs[args.type] ?? [];
        return [
            ...environmentOf(args.type, props)
                .filter((variable) => credentialName.test(variable.name) && !namesACredentialsFile.test(variable.name)
                    && !namesACredentialsEndpoint.test(variable.name) && variable.value !== "")
                .map((variable) => `${variable.where}: ${variable.name} holds a credential in plain text: expected it as a file (locally) or an ECS secret (on AWS)`),
            ...stringsIn(props)
                .filter((s) => !allowed.includes(s.path.split(/[.[]/)[0]))
                .flatMap((s) => credentialShapes.filter((shape) => shape.pattern.test(s.text)).map((shape) => `${s.path} holds ${shape.what} in plain text`)),
        ];
    },
);

export const invariantPolicies: ResourceValidationPolicy[] = [imagesPinned, noPlaintextSecrets];
