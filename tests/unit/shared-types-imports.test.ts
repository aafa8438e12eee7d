/**
 * The types every part shares point downward only: components/endpoints.ts and components/fargate-container.ts
 * import no part's folder and no target's platform module, so that no part reaches another target's code through them.
 */
import * as fs from "fs";
import * as path from "path";

const components = path.join(__dirname, "../../components");

/** The relative modules a file imports. */
function relativeImports(file: string): string[] {
    const text = fs.readFileSync(path.join(components, file), "utf8");
    return [...text.matchAll(/^import [^;]*? from "(\.[^"]+)";$/gm)].map((m) => m[1]);
}

describe("the shared types' modules", () => {
    it.each(["endpoints.ts", "fargate-container.ts"])("%s imports only modules beside it in components/", (file) => {
        expect(relativeImports(file).filter((module) => !/^\.\/[^/]+$/.test(module))).toEqual([]);
    });
});
