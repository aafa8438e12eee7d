/**
 * The Node.js check of jest's global setup and the benchmark (tests/support/node-engine.ts): which versions a range
 * admits, the error's wording, and that it reads the range from package.json.
 */
import * as fs from "fs";
import * as path from "path";
import { nodeEngineProblem, runningNodeProblem, satisfiesRange } from "../support/node-engine";

describe("the Node.js engine check", () => {
    it.each<[string, string, boolean]>([
        ["v24.22.3", ">=22.6", true],
        ["v22.6.0", ">=22.6", true],
        ["v22.5.1", ">=22.6", false],
        ["v20.20.2", ">=22.6", false],
        ["v23.0.0-nightly20250101", ">=22.6", true],
        ["v22.6.0", ">22.6", false],
        ["v22.7.0", ">22.6", true],
        ["v22.6.9", "<=22.6", true],
        ["v22.7.0", "<=22.6", false],
        ["v24.0.0", ">=22.6 <24", false],
        ["v23.11.1", ">= 22.6 < 24", true],
        ["v20.19.0", "^20.19 || >=22.12", true],
        ["v21.7.3", "^20.19 || >=22.12", false],
        ["v22.12.0", "^20.19 || >=22.12", true],
        ["v22.6.1", "22.6", true],
        ["v22.7.0", "=22.6", false],
    ])("%s in %s: %s", (version, range, expected) => {
        expect(satisfiesRange(version, range)).toBe(expected);
    });

    it("refuses a range it does not read, naming it", () => {
        expect(() => satisfiesRange("v24.22.3", ">=22.x")).toThrow('engines.node ">=22.x": "22.x" is not a version this check reads');
        expect(() => satisfiesRange("v24.22.3", "^0.12")).toThrow('engines.node "^0.12": a caret below major 1 is not a range this check reads');
    });

    it("names the running version, its path and the required range", () => {
        expect(nodeEngineProblem("v20.20.2", "/usr/bin/node", ">=22.6")).toBe(
            "dle needs Node.js >=22.6 (package.json engines.node), but this is Node.js v20.20.2 at /usr/bin/node. " +
            "Put a Node.js in that range (Node 24, the current LTS) first on PATH and run again.",
        );
        expect(nodeEngineProblem("v24.22.3", "/opt/node/bin/node", ">=22.6")).toBeUndefined();
    });

    it("checks the running Node against package.json's engines.node, which it reads", () => {
        const range = JSON.parse(fs.readFileSync(path.join(__dirname, "../../package.json"), "utf8")).engines.node;
        expect(runningNodeProblem()).toBe(nodeEngineProblem(process.version, process.execPath, range));
    });
});
