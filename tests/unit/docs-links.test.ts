/**
 * Every relative link in README.md and docs/*.md leads to a file that exists, and every `#anchor` to a heading of
 * that page, by GitHub's heading-slug rules: pages move, headings get renamed, and a broken link shows nowhere else.
 */
import * as fs from "fs";
import * as path from "path";

const root = path.join(__dirname, "../..");
const pages = ["README.md", ...fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** The page without its fenced code blocks and code spans, where nothing is a link or a heading. */
function prose(markdown: string): string[] {
    let fenced = false;
    return markdown.split("\n").map((line) => {
        if (/^\s*```/.test(line)) {
            fenced = !fenced;
            return "";
        }
        return fenced ? "" : line.replace(/(`+)[^`]*?\1/g, "");
    });
}

/**
 * A heading's anchor as GitHub makes it (github-slugger): the text as rendered, lowercased, without anything but
 * letters, marks, digits, `_`, `-` and spaces, spaces as `-`; a repeated anchor gets `-1`, `-2`, ….
 */
function slugs(headings: string[]): string[] {
    const seen = new Map<string, number>();
    return headings.map((heading) => {
        const text = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1");
        const slug = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
        const n = seen.get(slug);
        seen.set(slug, (n ?? -1) + 1);
        return n === undefined ? slug : `${slug}-${n + 1}`;
    });
}

/** A page's headings' anchors (code spans count as their text, so they are read from the raw line). */
function anchorsOf(page: string): Set<string> {
    const raw = fs.readFileSync(path.join(root, page), "utf8").split("\n");
    const kept = prose(raw.join("\n"));
    const headings = raw.filter((_, i) => kept[i] !== "" && /^#{1,6} /.test(raw[i])).map((line) => line.replace(/^#{1,6} +/, "").replace(/ +#+ *$/, "").trim());
    return new Set(slugs(headings));
}

/** The targets of a page's links and images that are not absolute URLs. */
function relativeLinks(page: string): string[] {
    const lines = prose(fs.readFileSync(path.join(root, page), "utf8"));
    return lines.flatMap((line) => [...line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]))
        .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** What is wrong with one link of `page`, if anything. */
function problem(page: string, target: string): string | undefined {
    const [file, anchor] = target.split("#", 2);
    const resolved = file === "" ? page : path.normalize(path.join(path.dirname(page), decodeURIComponent(file)));
    if (!fs.existsSync(path.join(root, resolved))) return `${page}: (${target}): no file ${resolved}`;
    if (anchor === undefined) return undefined;
    if (!resolved.endsWith(".md")) return `${page}: (${target}): an anchor into ${resolved}, which has no headings`;
    return anchorsOf(resolved).has(anchor) ? undefined : `${page}: (${target}): no heading in ${resolved} has the anchor #${anchor}`;
}

describe("the documentation's links", () => {
    it("makes anchors as GitHub does", () => {
        expect(slugs(["`nginx_access`", "Rough cost per hour (us-east-1 on-demand, default sizes)", "Deploy: one command", "Locally", "Locally", "See [the stack](local.md)"]))
            .toEqual(["nginx_access", "rough-cost-per-hour-us-east-1-on-demand-default-sizes", "deploy-one-command", "locally", "locally-1", "see-the-stack"]);
    });

    it("finds the links of every page", () => {
        expect(pages).toEqual(expect.arrayContaining(["README.md", "docs/configuration.md", "docs/benchmark.md"]));
        expect(relativeLinks("README.md").length).toBeGreaterThan(10);
        expect(relativeLinks("docs/benchmark.md")).toContain("../tests/bench/failover-trial.svg");
    });

    it("leads every relative link to a file that exists and every anchor to a heading there", () => {
        expect(pages.flatMap((page) => relativeLinks(page).map((target) => problem(page, target)).filter((p) => p !== undefined))).toEqual([]);
    });

    it("links every page of docs/ from the README", () => {
        const linked = new Set(relativeLinks("README.md").map((target) => target.split("#")[0]));
        expect(pages.filter((page) => page !== "README.md" && !linked.has(page))).toEqual([]);
    });
});
