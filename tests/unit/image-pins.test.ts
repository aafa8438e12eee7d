/**
 * One pin per image: the Dockerfiles' ARG defaults (what a build without the stack's arguments takes, and what
 * Renovate updates there) are the stack config's defaults, and docs/local.md shows the images the local stack runs.
 */
import * as fs from "fs";
import * as path from "path";
import { defaults } from "../../components/config";

const root = path.join(__dirname, "..", "..");
const argDefault = (dockerfile: string, arg: string) =>
    new RegExp(`^ARG ${arg}=(\\S+)$`, "m").exec(fs.readFileSync(path.join(root, dockerfile), "utf8"))?.[1];

describe("image pins", () => {
    it.each([
        ["fluentd/Dockerfile", "FLUENTD_IMAGE", defaults.fluentdImage],
        ["components/webapp/Dockerfile", "NGINX_IMAGE", defaults.nginxImage],
        ["components/api/Dockerfile", "NODE_IMAGE", defaults.nodeImage],
    ])("%s's %s defaults to the config's pin", (dockerfile, arg, pin) => {
        expect(argDefault(dockerfile, arg)).toBe(pin);
    });

    it("pins no line past its end of life and no tag that was never published", () => {
        // The lines the sources named in components/config.ts show out of support, and the one tag the issue found unpublished.
        const endOfLife = [/^nginx:1\.(2[0-8]|1\d)\./, /^mongo:[4-7]\./, /^(elasticsearch|kibana):8\.1[0-8]\./, /^node:(1\d|2[0-3])\./, /^postgres:1[0-3]\./];
        const neverPublished = ["prom/prometheus:v3.13.3"];
        const pins = Object.entries(defaults).filter(([key]) => key.endsWith("Image")).map(([, image]) => image);
        expect(pins).toHaveLength(12);
        expect(pins.filter((image) => endOfLife.some((line) => line.test(image)) || neverPublished.includes(image))).toEqual([]);
    });

    it("docs/local.md names every image the local stack runs, at its pin", () => {
        const page = fs.readFileSync(path.join(root, "docs", "local.md"), "utf8");
        const local = [defaults.nginxImage, defaults.nodeImage, defaults.mongoImage, defaults.elasticsearchImage, defaults.kibanaImage,
            defaults.s3Image, defaults.prometheusImage, defaults.grafanaImage, defaults.blackboxImage, defaults.fluentdImage];
        expect(local.filter((image) => !page.includes(`\`${image}\``))).toEqual([]);
    });
});
