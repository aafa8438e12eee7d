/**
 * fluentd/Dockerfile's stages and the build each stack asks for: only the aws stack's build downloads the Amazon
 * RDS CA bundle (DocumentDB's TLS), and it checks the bundle against a pinned checksum; the local build never
 * contacts AWS, so a firewall that blocks AWS cannot stop a local deploy.
 */
import * as fs from "fs";
import * as path from "path";
import { defaults, parseStackConfig } from "../../components/config";
import { fluentdContainer } from "../../components/fluentd-env";
import { fluentdImageBuild } from "../../components/platform/fluentd-image";
import { fluentdDir } from "../support/fluentd-config";

interface Stage { name: string; from: string; lines: string[] }

/** The Dockerfile's stages in order, each with its instructions (continuation lines joined, comments dropped). */
function stages(): Stage[] {
    const text = fs.readFileSync(path.join(fluentdDir, "Dockerfile"), "utf8").replace(/\\\n/g, " ");
    const result: Stage[] = [];
    for (const line of text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"))) {
        const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
        if (from) result.push({ name: from[2] ?? "", from: from[1], lines: [] });
        else result.at(-1)?.lines.push(line);
    }
    return result;
}

const parse = (values: Record<string, string>) => parseStackConfig((key) => values[key]);
/** Instructions that fetch something from outside the build context. */
const remote = (line: string) => /^ADD\s.*https?:\/\//i.test(line) || /\b(curl|wget)\b/.test(line);

describe("the fluentd image per stack", () => {
    it("builds the local stage for the local stack, with the official image and nothing of AWS", () => {
        expect(fluentdImageBuild(parse({ target: "local" }))).toEqual({ target: "local", args: { FLUENTD_IMAGE: defaults.fluentdImage } });
    });

    it("builds the aws stage for the aws stack, with the RDS CA bundle's pinned checksum", () => {
        expect(fluentdImageBuild(parse({ target: "aws" }))).toEqual({
            target: "aws", args: { FLUENTD_IMAGE: defaults.fluentdImage, RDS_CA_BUNDLE_SHA256: defaults.rdsCaBundleSha256 },
        });
        const pinned = "0".repeat(64);
        expect(fluentdImageBuild(parse({ target: "aws", rdsCaBundleSha256: pinned })).args.RDS_CA_BUNDLE_SHA256).toBe(pinned);
    });

    it("has a stage named after each target, local before aws, both from the common stage", () => {
        const all = stages();
        expect(all.map((s) => `${s.name}<-${s.from}`)).toEqual(["dle<-${FLUENTD_IMAGE}", "local<-dle", "aws<-dle"]);
    });

    it("downloads only in the aws stage: the RDS CA bundle, then checks its SHA-256 against the build argument", () => {
        const byName = Object.fromEntries(stages().map((s) => [s.name, s.lines]));
        expect([...byName.dle, ...byName.local].filter(remote)).toEqual([]);
        const downloads = byName.aws.filter(remote);
        expect(downloads).toEqual([expect.stringMatching(/^ADD https:\/\/truststore\.pki\.rds\.amazonaws\.com\/global\/global-bundle\.pem /)]);
        const downloaded = downloads[0].split(/\s+/)[2];
        const check = byName.aws.find((l) => l.startsWith("RUN") && l.includes(`sha256sum ${downloaded}`));
        expect(check).toBeDefined();
        expect(check).toContain("${RDS_CA_BUNDLE_SHA256}");
        expect(byName.aws).toContain("ARG RDS_CA_BUNDLE_SHA256");
    });

    it("stops the build unless the fluent user has the IDs the aws stack's EFS access points act as", () => {
        const { uid, gid } = fluentdContainer.fluentUser;
        const check = stages()[0].lines.find((l) => l.startsWith("RUN") && l.includes("id -u fluent"));
        expect(check).toContain(`[ "$ids" = "${uid}:${gid}" ] || {`);
        expect(check).toContain("exit 1");
    });
});
