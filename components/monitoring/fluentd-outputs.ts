/**
 * The @ids of fluentd outputs that monitoring names, as fluentd/agent.conf and fluentd/forwarder.conf give them. A
 * module of its own, without Pulumi, so that the verification suite (tests/verify) reads the same names as the
 * stack's alarms and dashboard.
 */
import type { FluentdRole } from "./args";

/**
 * The output each fluentd always has, whose metrics arrive once per scrape while the fluentd answers (the @ids of
 * fluentd/agent.conf and fluentd/forwarder.conf): the CloudWatch counterpart of Prometheus's `up`.
 */
export const mainOutputs: Record<FluentdRole, string> = { agent: "forward_to_forwarders", primary: "store", secondary: "store" };
/** The error-path outputs (the @ERROR labels' @ids in fluentd/agent.conf and fluentd/forwarder.conf). */
export const errorPathOutputs: Record<FluentdRole, string> = { agent: "rejected", primary: "rejected_records", secondary: "rejected_records" };
