/**
 * `npm run check-pins` (scripts/check-pins.ts) against a registry faked in-process: no test touches the network.
 */
import { checkPin, imageLocation, pinnedImages, report } from "../../scripts/check-pins";
import { defaults } from "../../components/config";

/** A registry that wants an anonymous pull token, and has the tags given per repository. */
function fakeRegistry(tags: Record<string, string[]>, asked: string[] = []): typeof fetch {
    return (async (input: string | URL, init?: RequestInit) => {
        const url = new URL(String(input));
        asked.push(`${init?.method ?? "GET"} ${url.host}${url.pathname}`);
        if (url.pathname === "/token") return new Response(JSON.stringify({ token: `token-for-${url.searchParams.get("scope")}` }));
        const [, repository, tag] = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname) ?? [];
        const authorization = new Headers(init?.headers).get("authorization");
        if (authorization !== `Bearer token-for-repository:${repository}:pull`) {
            return new Response(null, { status: 401, headers: { "www-authenticate": `Bearer realm="https://${url.host}/token",service="${url.host}"` } });
        }
        return new Response(null, { status: (tags[repository] ?? []).includes(tag) ? 200 : 404 });
    }) as typeof fetch;
}

/** A machine without a route to any registry: every request fails as Node's fetch fails on a name it cannot resolve. */
const noNetwork = (async () => {
    throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ENOTFOUND" } });
}) as typeof fetch;

describe("check-pins", () => {
    it("finds each image's registry and repository, Docker Hub's short names under library/", () => {
        expect([imageLocation("nginx:1.30.4-alpine"), imageLocation("grafana/grafana:13.2.0"), imageLocation("public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300072.0b1766")]).toEqual([
            { registry: "registry-1.docker.io", repository: "library/nginx", tag: "1.30.4-alpine" },
            { registry: "registry-1.docker.io", repository: "grafana/grafana", tag: "13.2.0" },
            { registry: "public.ecr.aws", repository: "cloudwatch-agent/cloudwatch-agent", tag: "1.300072.0b1766" },
        ]);
    });

    it("checks every image the config pins", () => {
        expect(pinnedImages()).toEqual(Object.entries(defaults).filter(([key]) => key.endsWith("Image")).map(([, image]) => image));
    });

    it("asks for the manifest with the pull token the registry's challenge names, and finds a tag that exists", async () => {
        const asked: string[] = [];
        expect(await checkPin("nginx:1.30.4-alpine", fakeRegistry({ "library/nginx": ["1.30.4-alpine"] }, asked))).toEqual({ image: "nginx:1.30.4-alpine", result: "found" });
        expect(asked).toEqual([
            "HEAD registry-1.docker.io/v2/library/nginx/manifests/1.30.4-alpine",
            "GET registry-1.docker.io/token",
            "HEAD registry-1.docker.io/v2/library/nginx/manifests/1.30.4-alpine",
        ]);
    });

    it("reports a tag the registry does not have as missing", async () => {
        expect(await checkPin("prom/prometheus:v3.13.3", fakeRegistry({ "prom/prometheus": ["v3.14.0"] }))).toEqual({ image: "prom/prometheus:v3.13.3", result: "missing" });
    });

    it("says in one line that no registry is reachable, when none answers", async () => {
        const checks = await Promise.all(pinnedImages().map((image) => checkPin(image, noNetwork)));
        expect(report(checks)).toEqual({ lines: ["check-pins: no registry is reachable from here (registry-1.docker.io: ENOTFOUND); no pin was checked."], missing: false });
    });

    it("lists each image, and fails on a missing one, when some registries answer", () => {
        const { lines, missing } = report([
            { image: "nginx:1.30.4-alpine", result: "found" },
            { image: "prom/prometheus:v3.13.3", result: "missing" },
            { image: "public.ecr.aws/x/y:1", result: "unreachable", reason: "public.ecr.aws: ETIMEDOUT" },
        ]);
        expect([lines, missing]).toEqual([["ok nginx:1.30.4-alpine", "MISSING prom/prometheus:v3.13.3", "? public.ecr.aws/x/y:1: not checked (public.ecr.aws: ETIMEDOUT)"], true]);
    });
});
