/**
 * The program's modules import each other one way: no circle, so each part's index.ts dispatches to its targets
 * (aws.ts, local.ts) and they take what they share from the part's args.ts, never from index.ts.
 */
import * as fs from "fs";
import * as path from "path";

const root = path.join(__dirname, "..", "..");

/** Every module of the program (index.ts and components/, less folders that are packages of their own) and what it imports of the others. */
function importGraph(): Map<string, string[]> {
    const files: string[] = [path.join(root, "index.ts")];
    const walk = (dir: string): void => fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            if (!fs.existsSync(path.join(full, "package.json"))) walk(full);
        } else if (entry.name.endsWith(".ts")) {
            files.push(full);
        }
    });
    walk(path.join(root, "components"));
    const resolve = (from: string, specifier: string) => {
        const target = path.resolve(path.dirname(from), specifier);
        return fs.existsSync(`${target}.ts`) ? `${target}.ts` : path.join(target, "index.ts");
    };
    return new Map(files.map((file) => [file, [...fs.readFileSync(file, "utf8").matchAll(/^(?:import|export) [^;]*? from "(\.[^"]+)";$/gm)]
        .map((m) => resolve(file, m[1]))]));
}

/** The circles of a graph: its strongly connected components of more than one module (Tarjan's algorithm). */
function circles(graph: Map<string, string[]>): string[][] {
    let next = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const found: string[][] = [];
    const visit = (v: string): void => {
        index.set(v, next);
        low.set(v, next++);
        stack.push(v);
        for (const w of graph.get(v) ?? []) {
            if (!graph.has(w)) continue;
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (stack.includes(w)) {
                low.set(v, Math.min(low.get(v)!, index.get(w)!));
            }
        }
        if (low.get(v) === index.get(v)) {
            const component: string[] = [];
            let w: string;
            do { w = stack.pop()!; component.push(path.relative(root, w)); } while (w !== v);
            if (component.length > 1) found.push(component.sort());
        }
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    return found;
}

describe("the program's imports", () => {
    const graph = importGraph();

    it("are read from every module (a check over nothing would prove nothing)", () => {
        expect(graph.size).toBeGreaterThan(60);
        expect(graph.get(path.join(root, "components", "api", "index.ts"))).toContain(path.join(root, "components", "api", "args.ts"));
    });

    it("form no circle", () => {
        expect(circles(graph)).toEqual([]);
    });

    it("the circle check finds one where there is one", () => {
        expect(circles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]))).toEqual([["a", "b", "c"].map((f) => path.relative(root, f)).sort()]);
    });
});
