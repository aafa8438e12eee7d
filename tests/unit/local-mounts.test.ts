/**
 * A local container's root filesystem is read-only: what it is given as uploads must land in one of its volumes, where
 * Docker accepts the copy, and the program says which file does not before anything is created.
 */
import { localMountProblems } from "../../components/platform/local-container";

describe("localMountProblems", () => {
    it("accepts uploads under a writable path or a named volume", () => {
        expect(localMountProblems("web", {
            writablePaths: ["/etc/nginx", "/tmp"],
            uploads: [{ file: "/etc/nginx/nginx.conf", content: "x" }, { file: "/etc/nginx/html/index.html", content: "x" }],
            secretFiles: { owner: "nobody", imageEntrypoint: ["run"], files: [{ file: "/tmp/key", content: "k" }] },
        })).toEqual([]);
    });

    it("names each upload that lies in no volume, and a directory that only shares a prefix with one", () => {
        expect(localMountProblems("web", {
            writablePaths: ["/etc/nginx"],
            uploads: [{ file: "/etc/nginx.conf", content: "x" }],
            secretFiles: { owner: "nobody", imageEntrypoint: ["run"], files: [{ file: "/etc/dle/password", content: "k" }] },
        })).toEqual([
            "The container `web` uploads /etc/nginx.conf, which is in no volume: its root filesystem is read-only, where Docker refuses an upload. Add its directory to `writablePaths`.",
            "The container `web` uploads /etc/dle/password, which is in no volume: its root filesystem is read-only, where Docker refuses an upload. Add its directory to `writablePaths`.",
        ]);
    });

    it("refuses a relative writable path and one mounted twice", () => {
        expect(localMountProblems("agent", { writablePaths: ["tmp", "/buffer", "/buffer"] })).toEqual([
            "The container `agent` mounts tmp twice or by a relative path: each volume and writable path must be absolute and mounted once.",
            "The container `agent` mounts /buffer twice or by a relative path: each volume and writable path must be absolute and mounted once.",
        ]);
    });
});
