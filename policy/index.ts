/**
 * dle's policy pack: what AWS and Docker accept that a preview does not check (components/constraints.ts), and the
 * project's invariants. Run it with every preview and update:
 *
 *     (cd policy && npm ci) && pulumi preview --stack aws --policy-pack policy
 *
 * Every policy is mandatory, a violation stopping the update before anything is created, but the FSBP controls that a
 * documented config choice leaves unmet (policy/fsbp.ts): those are advisory, named exceptions that warn.
 */
import { PolicyPack } from "@pulumi/policy";
import { dlePolicies } from "./policies";

new PolicyPack("dle", { policies: dlePolicies, enforcementLevel: "mandatory" });
