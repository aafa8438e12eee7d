/**
 * The verification suite's canary check (tests/verify/canary.ts): the queries it asks Prometheus and CloudWatch (here
 * a recording stand-in for each; the same check against a real Prometheus scraping the real canary is in
 * tests/e2e/canary.test.ts), and what it fails on.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { assertCanaryFoundEverything, canaryFromCloudWatch, canaryFromPrometheus } from "./canary";

describe("the canary's figures over a run", () => {
    it("asks Prometheus for each sink's increase over the run, with the login, and reads it per sink", async () => {
        const asked: { query: string; authorization?: string }[] = [];
        const server = http.createServer((request, response) => {
            const query = new URL(request.url!, "http://x").searchParams.get("query")!;
            asked.push({ query, authorization: request.headers.authorization });
            const value = query.includes("missing") ? { store: "2.0000001", search: "0" } : { store: "40", search: "41.99" };
            response.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: Object.entries(value).map(([sink, v]) => ({ metric: { sink }, value: [0, v] })) } }));
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const rows = await canaryFromPrometheus(url, "admin", "pw", 300.2);
        server.close();
        expect(asked.map((a) => a.query)).toEqual([
            'sum by (sink) (increase(dle_canary_received_total{job="canary"}[301s]))',
            'sum by (sink) (increase(dle_canary_missing_total{job="canary"}[301s]))',
        ]);
        expect(asked[0].authorization).toBe(`Basic ${Buffer.from("admin:pw").toString("base64")}`);
        expect(rows).toEqual([{ sink: "search", received: 42, missing: 0 }, { sink: "store", received: 40, missing: 2 }]);
    });

    it("sums the canary's CloudWatch figures per sink over the run", async () => {
        const sent: GetMetricDataCommand[] = [];
        const client = {
            send: async (command: GetMetricDataCommand) => {
                sent.push(command);
                return { MetricDataResults: [{ Id: "received0", Values: [60, 59] }, { Id: "missing0", Values: [0, 1] }, { Id: "received1", Values: [60] }] };
            },
        };
        const start = new Date("2026-12-01T10:00:00Z");
        const rows = await canaryFromCloudWatch("dle/canary", "prod", "eu-west-1", ["store", "archive"], start, new Date("2026-12-01T10:05:00Z"), client as never);
        expect(rows).toEqual([{ sink: "store", received: 119, missing: 1 }, { sink: "archive", received: 60, missing: 0 }]);
        const input = sent[0].input;
        expect(input.StartTime).toEqual(start);
        expect(input.MetricDataQueries!.map((q) => `${q.Id} ${q.MetricStat!.Metric!.MetricName} ${q.MetricStat!.Metric!.Dimensions!.map((d) => `${d.Name}=${d.Value}`).join(",")} ${q.MetricStat!.Stat}`)).toEqual([
            "received0 Received Stack=prod,Sink=store Sum", "missing0 Missing Stack=prod,Sink=store Sum",
            "received1 Received Stack=prod,Sink=archive Sum", "missing1 Missing Stack=prod,Sink=archive Sum",
        ]);
    });

    it("passes when every sink found events and missed none, and names each sink that did not", () => {
        const all = (missing: number) => ["store", "search", "archive"].map((sink) => ({ sink, received: 10, missing: sink === "search" ? missing : 0 }));
        expect(() => assertCanaryFoundEverything(all(0))).not.toThrow();
        expect(() => assertCanaryFoundEverything(all(3))).toThrow("The canary did not find every event of the run in every sink:\nsearch: 3 canary event(s) missing (found 10)");
        expect(() => assertCanaryFoundEverything(all(0).slice(0, 2))).toThrow("archive: no canary figures (is the canary running, and its metrics collected?)");
        expect(() => assertCanaryFoundEverything([...all(0).slice(0, 2), { sink: "archive", received: 0, missing: 0 }])).toThrow("archive: no canary event found during the run");
    });
});
