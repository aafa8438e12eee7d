/**
 * How the program hands build contexts and platforms to pulumi-docker (components/platform/build-context.ts).
 */
import * as path from "path";
import { localImagePlatform, projectDir, projectRelative } from "../../components/platform/build-context";

describe("projectRelative", () => {
    it("gives a folder of the project relative to the project's root, with /", () => {
        expect(projectRelative(path.join(projectDir, "components", "api", "Dockerfile"))).toBe("components/api/Dockerfile");
    });

    it("finds the project's root where Pulumi.yaml is", () => {
        expect(path.resolve(projectDir)).toBe(path.resolve(__dirname, "..", ".."));
    });
});

describe("localImagePlatform", () => {
    it("is Docker's name of the machine's architecture", () => {
        expect([localImagePlatform("x64"), localImagePlatform("arm64")]).toEqual(["linux/amd64", "linux/arm64"]);
    });

    it("refuses an architecture the images do not exist for, naming it", () => {
        expect(() => localImagePlatform("ppc64")).toThrow("The local stack builds images for linux/amd64 or linux/arm64; this machine's CPU architecture is ppc64.");
    });
});
