/**
 * dle's fluentd plugins under fluentd's own test drivers (Fluent::Test::Driver, test-unit from the lock's test group):
 * each tests/plugins/test_*.rb runs in the Ruby that install-fluentd.sh set up with the locked gems, and its test-unit
 * summary is shown. One jest test per file, so a failure names the plugin.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { locateFluentdRuby } from "../support/fluentd";
import { describeWhen } from "../support/tools";

const run = promisify(execFile);
const testFiles = fs.readdirSync(__dirname).filter((f) => /^test_.+\.rb$/.test(f)).sort();
const { ruby, reason } = locateFluentdRuby();

describeWhen(ruby, "dle's fluentd plugins under Fluent::Test drivers", reason ?? "", (ruby) => {
    it("has a test file for every dle plugin in fluentd/plugins/", () => {
        const plugins = fs.readdirSync(path.resolve(__dirname, "../../fluentd/plugins"))
            .filter((f) => /^(in|out|filter)_dle_.+\.rb$/.test(f)).map((f) => `test_${f}`);
        expect(plugins.filter((f) => !testFiles.includes(f))).toEqual([]);
    });

    it.each(testFiles)("%s", async (file) => {
        const result = await run(ruby, [path.join(__dirname, file), "--no-use-color"], { timeout: 300_000, maxBuffer: 16 << 20 })
            .catch((error: { stdout?: string; stderr?: string; message: string }) => {
                throw new Error(`${file} failed:\n${error.stdout ?? ""}${error.stderr ?? error.message}`);
            });
        const summary = /^\d+ tests, \d+ assertions, (\d+) failures, (\d+) errors, (\d+) pendings, (\d+) omissions, \d+ notifications$/m.exec(result.stdout);
        expect(summary?.[0]).toMatch(/ 0 failures, 0 errors, 0 pendings, 0 omissions/);
        process.stdout.write(`${file}: ${summary?.[0]}\n`);
    }, 300_000);
});
