/**
 * The importer Lambda function's code: the TypeScript modules below, transpiled to CommonJS side by side, so the
 * function runs exactly the importer the tests run. They import only each other and Node's built-ins, so the
 * package needs no node_modules. The transpiling happens while `pulumi up` runs, so `typescript` is one of the
 * program's dependencies, not a devDependency (`npm ci --omit=dev` keeps it).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

/** The handler module first; the function's handler is `<its name>.handler`. */
export const lambdaModules = ["importer-lambda", "saved-objects-import", "security-setup", "sigv4"];
export const lambdaHandler = `${lambdaModules[0]}.handler`;

/** File name (`<module>.js`) → JavaScript, for a Lambda package. */
export function lambdaSources(): Record<string, string> {
    return Object.fromEntries(lambdaModules.map((name) => {
        const file = path.join(__dirname, `${name}.ts`);
        const { outputText } = ts.transpileModule(fs.readFileSync(file, "utf8"), {
            fileName: file,
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        });
        return [`${name}.js`, outputText];
    }));
}
