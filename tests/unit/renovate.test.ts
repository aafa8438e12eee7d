/**
 * renovate.json (Renovate keeps the pins current in a user's fork): its image manager finds every pinned tag in every
 * file that holds one, so one branch per image updates all of its copies; and it leaves no pin to a second manager.
 */
import * as fs from "fs";
import * as path from "path";
import { defaults } from "../../components/config";

const root = path.join(__dirname, "..", "..");
const renovate = JSON.parse(fs.readFileSync(path.join(root, "renovate.json"), "utf8")) as {
    dockerfile: { enabled: boolean };
    customManagers: { managerFilePatterns: string[]; matchStrings: string[] }[];
};
const [images] = renovate.customManagers;
const filePatterns = images.managerFilePatterns.map((p) => new RegExp(p.slice(1, -1)));
/** Renovate's named groups are the same in JavaScript's regular expressions. */
const matching = (file: string) => [...fs.readFileSync(path.join(root, file), "utf8").matchAll(new RegExp(images.matchStrings[0], "g"))]
    .map((m) => `${m.groups!.depName}:${m.groups!.currentValue}`);
const pins = Object.entries(defaults).filter(([key]) => key.endsWith("Image")).map(([, image]) => image);

describe("renovate.json", () => {
    it.each(["components/config.ts", "Pulumi.yaml", "docs/configuration.md"])("finds every pinned image tag in %s", (file) => {
        expect(filePatterns.some((p) => p.test(file))).toBe(true);
        expect(pins.filter((pin) => !matching(file).includes(pin))).toEqual([]);
    });

    it.each([
        ["fluentd/Dockerfile", defaults.fluentdImage],
        ["components/webapp/Dockerfile", defaults.nginxImage],
        ["components/api/Dockerfile", defaults.nodeImage],
        ["docs/local.md", defaults.mongoImage],
    ])("finds the pin in %s", (file, pin) => {
        expect(filePatterns.some((p) => p.test(file))).toBe(true);
        expect(matching(file)).toContain(pin);
    });

    it("matches nothing in those files that is not a pin", () => {
        const found = ["components/config.ts", "Pulumi.yaml", "docs/configuration.md", "docs/local.md"].flatMap(matching);
        expect([...new Set(found)].filter((image) => !pins.includes(image))).toEqual([]);
    });

    it("leaves the Dockerfiles' ARG defaults to this manager alone (no second branch for the same pin)", () => {
        expect(renovate.dockerfile.enabled).toBe(false);
    });
});
