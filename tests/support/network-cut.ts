/**
 * A network that fails silently between the agent and a forwarder: every packet to and from a TCP port on loopback
 * dropped by iptables, new connections and open ones alike, so that nothing is refused or reset (no RST), as when a
 * link or a host goes away. Needs iptables and the right to change its rules (root); without them, `findIptables`
 * says why and the scenarios that need a cut skip.
 */
import { execFileSync } from "child_process";
import { findOnPath } from "./tools";

export interface NetworkCut {
    cut(): void;
    /** Undoes the cut; harmless when it is not in place. */
    heal(): void;
}

/** iptables, when this user may list its rules; otherwise the reason it cannot be used. */
export function findIptables(): { iptables?: string; reason?: string } {
    const iptables = findOnPath("iptables");
    if (iptables === undefined) return { reason: "no iptables on PATH" };
    try {
        execFileSync(iptables, ["-w", "-S", "INPUT"], { stdio: "ignore", timeout: 10_000 });
        return { iptables };
    } catch {
        return { reason: "iptables may not be changed by this user" };
    }
}

export function loopbackCut(iptables: string, port: number): NetworkCut {
    const rules = [["--dport", String(port)], ["--sport", String(port)]].map((match) => ["INPUT", "-i", "lo", "-p", "tcp", ...match, "-j", "DROP"]);
    return {
        cut: () => rules.forEach((rule) => execFileSync(iptables, ["-w", "-I", ...rule], { stdio: "ignore" })),
        heal: () => rules.forEach((rule) => {
            try {
                execFileSync(iptables, ["-w", "-D", ...rule], { stdio: "ignore" });
            } catch {
                // not in place
            }
        }),
    };
}
