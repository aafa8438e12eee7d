/**
 * The search indices' retention, as the forwarders keep it: the project's fluentd/targets/<target>/search-retention.conf
 * (and its plugin, fluentd/plugins/in_dle_search_retention.rb) in a real fluentd, against the Elasticsearch stand-in:
 * with basic authentication and an ILM policy as on the local stack, and with SigV4-signed requests and an ISM policy
 * as on the aws stack's OpenSearch domain. A changed dle:searchRetentionDays replaces the policy; an unchanged one is
 * left alone.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describeWithFluentd } from "../support/fluentd";
import { fluentdDir } from "../support/fluentd-config";
import { FluentdProcess, freePort, startFluentd } from "../support/fluentd-process";
import { ElasticsearchStandin, EsStore, startElasticsearchStandin } from "../standins/elasticsearch-standin";
import { setTimeout as sleep } from "timers/promises";

const region = "eu-west-1";
const accessKeyId = "AKIDRETENTION";

describeWithFluentd("search retention, kept by the forwarders' plugin in real fluentd", (fluentd) => {
    let dir: string;
    let standin: ElasticsearchStandin | undefined;
    let process_: FluentdProcess | undefined;

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dle-retention-"));
    });
    afterEach(async () => {
        const state = expect.getState();
        if (state.assertionCalls !== state.numPassingAsserts && process_) process.stdout.write(`\n${process_.tail()}\n`);
        await process_?.stop();
        await standin?.stop();
        process_ = undefined;
        standin = undefined;
    }, 60_000);
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** The search password as the forwarders get it: in a file that SEARCH_PASSWORD_FILE names. */
    let passwordFiles = 0;
    function passwordFile(password: string): Record<string, string> {
        const file = path.join(dir, `search-password-${++passwordFiles}`);
        fs.writeFileSync(file, password, { mode: 0o400 });
        return { SEARCH_PASSWORD_FILE: file };
    }

    /**
     * fluentd running only the target's search-retention.conf (and a monitor, to know it is up), with the forwarder's
     * variables. Each run has a name, config and log file of its own, so that what a run logged is its own evidence.
     */
    let runs = 0;
    async function retention(target: "local" | "aws", days: number, env: Record<string, string>): Promise<FluentdProcess> {
        const monitorPort = await freePort();
        const name = `${target}-${days}-run${++runs}`;
        const config = path.join(dir, `${name}.conf`);
        fs.writeFileSync(config, [
            `<source>\n  @type monitor_agent\n  bind 127.0.0.1\n  port ${monitorPort}\n</source>`,
            `@include ${path.join(fluentdDir, "targets", target, "search-retention.conf")}`,
        ].join("\n"));
        const url = new URL(standin!.url);
        return startFluentd({
            fluentd, name, dir, config,
            env: {
                FLUENTD_MONITOR_PORT: String(monitorPort), FLUENTD_CONF_DIR: fluentdDir,
                SEARCH_SCHEME: "http", SEARCH_HOST: url.hostname, SEARCH_PORT: url.port,
                SEARCH_INDEX_PREFIX: "logstash", SEARCH_RETENTION_DAYS: String(days), ...env,
            },
        });
    }

    async function until(condition: () => boolean, what: string): Promise<void> {
        for (let waited = 0; !condition(); waited += 250) {
            if (waited > 60_000) throw new Error(`not within 60 s: ${what}\n${process_?.tail()}`);
            await sleep(250);
        }
    }

    it("local: puts the ILM policy and names it in the log indices that lack it, an index made before it too", async () => {
        const store = new EsStore();
        store.ensureIndex("logstash-2026.12.01");
        // Not a log index: the policy is not the plugin's to give it.
        store.ensureIndex("other-2026.12.01");
        standin = await startElasticsearchStandin({ username: "elastic", password: "pw", store });
        const basic = { SEARCH_USER: "elastic", ...passwordFile("pw") };
        process_ = await retention("local", 30, basic);
        await until(() => store.indices.get("logstash-2026.12.01")!.settings["index.lifecycle.name"] === "logstash-retention", "the older index named the policy");
        const { policy } = store.ilmPolicies.get("logstash-retention");
        expect(policy.phases.delete).toEqual({ min_age: "30d", actions: { delete: {} } });
        expect(policy._meta.dle_digest).toMatch(/^[0-9a-f]{12}$/);
        expect(store.indices.get("other-2026.12.01")!.settings["index.lifecycle.name"]).toBeUndefined();

        // The same days again: the policy is left alone. Other days: replaced.
        await process_.stop();
        process_ = await retention("local", 30, basic);
        // The restarted process's own log (a file of its own): its check ran, and found the policy as wanted.
        await until(() => process_!.tail().includes("search retention: indices logstash-* are deleted after 30 days"), "the restart's check");
        expect(store.ilmPolicies.get("logstash-retention").version).toBe(1);
        await process_.stop();
        process_ = await retention("local", 7, basic);
        await until(() => store.ilmPolicies.get("logstash-retention").policy.phases.delete.min_age === "7d", "the policy replaced with 7 days");
        expect(store.ilmPolicies.get("logstash-retention").version).toBe(2);
    }, 180_000);

    it("aws: signs for the region and puts the ISM policy, attaching it to the indices made before it; new ones get it by its ism_template", async () => {
        const store = new EsStore();
        store.ensureIndex("logstash-2026.12.01");
        standin = await startElasticsearchStandin({ sigV4: { region, accessKeyId }, store });
        const aws = { SEARCH_REGION: region, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: "standin-secret" };
        process_ = await retention("aws", 30, aws);
        await until(() => store.indices.get("logstash-2026.12.01")!.ismPolicy === "logstash-retention", "the older index managed by the policy");
        const { policy, seqNo } = store.ismPolicies.get("logstash-retention")!;
        expect(policy.states[0].transitions).toEqual([{ state_name: "delete", conditions: { min_index_age: "30d" } }]);
        expect(policy.ism_template).toEqual([{ index_patterns: ["logstash-*"], priority: 100 }]);
        expect(seqNo).toBe(0);
        store.ensureIndex("logstash-2026.12.02");
        expect(store.indices.get("logstash-2026.12.02")!.ismPolicy).toBe("logstash-retention");

        await process_.stop();
        process_ = await retention("aws", 7, aws);
        await until(() => store.ismPolicies.get("logstash-retention")!.policy.states[0].transitions[0].conditions.min_index_age === "7d", "the policy replaced with 7 days");
        // Replaced by the version it read (ISM refuses an update that names none).
        expect(store.ismPolicies.get("logstash-retention")!.seqNo).toBe(1);
        expect(standin.requestLog.filter((r) => r.startsWith("PUT /_plugins/_ism/policies/logstash-retention?if_seq_no=0&if_primary_term=1"))).toHaveLength(1);
    }, 180_000);

    it("says in fluentd's log why it cannot apply the policy, and keeps trying", async () => {
        standin = await startElasticsearchStandin({ username: "elastic", password: "right" });
        process_ = await retention("local", 30, { SEARCH_USER: "elastic", ...passwordFile("wrong") });
        await until(() => /search retention: could not apply policy logstash-retention at http:\/\/127\.0\.0\.1:\d+: GET \/_ilm\/policy\/logstash-retention answered 401/.test(process_!.tail()), "the warning");
        expect(process_.tail()).toContain("trying again in 10 s");
        expect(process_.tail()).not.toContain("wrong");
    }, 120_000);
});
