/**
 * One failover trial as a picture: events stored per second through the primary and through the secondary, with the
 * stop and the restore marked. Drawn with Vega-Lite, rendered to SVG by Vega's headless view (no canvas needed).
 *
 * The benchmark draws it when $DLE_BENCH_SVG names a file; from a saved run:
 *   npx tsx tests/bench/picture.ts <DLE_BENCH_JSON file> <svg file> [trial number, from 1]
 */
import * as fs from "fs";
import type { Trial } from "./phases";

const restoredBy: Record<Trial["how"], string> = { SIGSTOP: "resumed (SIGCONT)", SIGKILL: "restarted", "network cut": "reconnected" };
const stoppedBy: Record<Trial["how"], string> = { SIGSTOP: "paused (SIGSTOP)", SIGKILL: "killed (SIGKILL)", "network cut": "cut off (packets dropped)" };

export async function failoverSvg(trial: Trial, rate: number): Promise<string> {
    const vega = await import("vega");
    const vegaLite = await import("vega-lite");
    const restored = (trial.restoredAt - trial.stoppedAt) / 1000;
    const marks = [
        { seconds: 0, label: `primary ${stoppedBy[trial.how]}` },
        { seconds: restored, label: `primary ${restoredBy[trial.how]}` },
    ];
    const x = { field: "seconds", type: "quantitative" as const, title: "seconds since the primary was stopped" };
    const spec = {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title: {
            text: `Failover at ${rate.toLocaleString("en-US")} events/s: the primary ${stoppedBy[trial.how]}, then ${restoredBy[trial.how]}`,
            subtitle: `gap to the first event through the secondary ${trial.gapSeconds?.toFixed(1) ?? "-"} s; back through the primary ${trial.returnSeconds?.toFixed(1) ?? "-"} s after the restore; ` +
                `lost ${trial.delivery.lost}, duplicates ${trial.delivery.duplicates}`,
        },
        width: 720,
        height: 280,
        config: { background: "white", font: "sans-serif", title: { fontSize: 15, subtitleFontSize: 11 }, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, titleFontSize: 12 } },
        layer: [
            {
                data: { values: trial.timeline },
                // Stacked: the height is all that was stored in that second, the colours who carried it.
                mark: { type: "area", interpolate: "step-after", opacity: 0.85 },
                encoding: {
                    x,
                    y: { field: "eventsPerSecond", type: "quantitative", title: "events stored per second (store)" },
                    color: { field: "forwarder", type: "nominal", title: "through", scale: { domain: ["primary", "secondary"], range: ["#1f6fb4", "#e8741c"] } },
                },
            },
            { data: { values: marks }, mark: { type: "rule", strokeDash: [5, 4], color: "#555" }, encoding: { x } },
            { data: { values: marks }, mark: { type: "text", align: "left", baseline: "top", dx: 4, dy: 4, fontSize: 11, color: "#333" }, encoding: { x, y: { value: 0 }, text: { field: "label" } } },
        ],
    };
    const view = new vega.View(vega.parse(vegaLite.compile(spec as never).spec), { renderer: "none" });
    return view.toSVG();
}

if (require.main === module) {
    const [json, svg, n = "1"] = process.argv.slice(2);
    if (json === undefined || svg === undefined) throw new Error("usage: picture.ts <DLE_BENCH_JSON file> <svg file> [trial number]");
    const saved = JSON.parse(fs.readFileSync(json, "utf8"));
    const trial: Trial | undefined = saved.phases?.failover?.trials?.[Number(n) - 1];
    if (trial === undefined) throw new Error(`${json} has no failover trial ${n}`);
    void failoverSvg(trial, saved.settings.rate).then((text) => fs.writeFileSync(svg, text));
}
