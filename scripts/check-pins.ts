/**
 * `npm run check-pins`: asks each image's registry whether every pinned default image tag of the stack config
 * (components/config.ts, which the Dockerfiles' ARG defaults and the docs follow) still exists, with the registry's
 * own API (the OCI distribution API: a manifest request, with the anonymous pull token the registry asks for). Prints
 * one line per image, or, where no registry can be reached at all, one line that says so; exits non-zero when a tag
 * is missing.
 */
import { configKeys } from "../components/config";

/** Where an image reference points: the registry's API host, the repository and the tag. */
export interface ImageLocation {
    registry: string;
    repository: string;
    tag: string;
}

/** Splits a pinned reference (`name:tag`, `host/name:tag`); Docker Hub's short names are its `library/` repositories. */
export function imageLocation(image: string): ImageLocation {
    const colon = image.lastIndexOf(":");
    const name = image.slice(0, colon);
    const tag = image.slice(colon + 1);
    const [first, ...rest] = name.split("/");
    const hasRegistry = rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost");
    if (hasRegistry) return { registry: first, repository: rest.join("/"), tag };
    return { registry: "registry-1.docker.io", repository: rest.length === 0 ? `library/${name}` : name, tag };
}

/** The answer about one image: found, missing, or the registry could not be asked. */
export type PinCheck = { image: string; result: "found" | "missing" } | { image: string; result: "unreachable"; reason: string };

const manifestTypes = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** The anonymous pull token a registry's `WWW-Authenticate: Bearer realm=…,service=…` challenge asks for. */
async function pullToken(challenge: string, repository: string, fetchFn: typeof fetch): Promise<string | undefined> {
    const fields = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
    if (!fields.realm) return undefined;
    const url = new URL(fields.realm);
    if (fields.service) url.searchParams.set("service", fields.service);
    url.searchParams.set("scope", `repository:${repository}:pull`);
    const response = await fetchFn(url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) return undefined;
    const body = await response.json() as { token?: string; access_token?: string };
    return body.token ?? body.access_token;
}

/** Asks the image's registry for the tag's manifest. */
export async function checkPin(image: string, fetchFn: typeof fetch = fetch): Promise<PinCheck> {
    const { registry, repository, tag } = imageLocation(image);
    const manifest = `https://${registry}/v2/${repository}/manifests/${tag}`;
    try {
        const ask = (authorization?: string) => fetchFn(manifest, {
            method: "HEAD",
            headers: { accept: manifestTypes, ...(authorization ? { authorization } : {}) },
            signal: AbortSignal.timeout(10_000),
        });
        let response = await ask();
        const challenge = response.headers.get("www-authenticate");
        if (response.status === 401 && challenge?.startsWith("Bearer ")) {
            const token = await pullToken(challenge, repository, fetchFn);
            if (token !== undefined) response = await ask(`Bearer ${token}`);
        }
        if (response.ok) return { image, result: "found" };
        if (response.status === 404) return { image, result: "missing" };
        return { image, result: "unreachable", reason: `${registry} answered ${response.status}` };
    } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        return { image, result: "unreachable", reason: `${registry}: ${cause?.code ?? cause?.message ?? (error as Error).message}` };
    }
}

/** Every image the stack config pins by default. */
export const pinnedImages = (): string[] =>
    Object.entries(configKeys).filter(([key]) => key.endsWith("Image")).map(([, spec]) => spec.default);

/** The report: a line per image, or one line when no registry answered at all; and whether any pin is missing. */
export function report(checks: PinCheck[]): { lines: string[]; missing: boolean } {
    const unreachable = checks.filter((c): c is Extract<PinCheck, { result: "unreachable" }> => c.result === "unreachable");
    if (unreachable.length === checks.length) {
        return { lines: [`check-pins: no registry is reachable from here (${unreachable[0]?.reason ?? "no images"}); no pin was checked.`], missing: false };
    }
    return {
        lines: checks.map((c) => c.result === "unreachable" ? `? ${c.image}: not checked (${c.reason})` : `${c.result === "found" ? "ok" : "MISSING"} ${c.image}`),
        missing: checks.some((c) => c.result === "missing"),
    };
}

if (require.main === module) {
    void Promise.all(pinnedImages().map((image) => checkPin(image))).then((checks) => {
        const { lines, missing } = report(checks);
        process.stdout.write(`${lines.join("\n")}\n`);
        process.exitCode = missing ? 1 : 0;
    });
}
