/** jest's global setup (both projects, in package.json): a Node.js outside package.json's engines stops the run first. */
import { runningNodeProblem } from "./node-engine";

export default function globalSetup(): void {
    const problem = runningNodeProblem();
    if (problem === undefined) return;
    // Exit rather than throw: jest would print its own stack trace under the one line that matters.
    process.stderr.write(`${problem}\n`);
    process.exit(1);
}
