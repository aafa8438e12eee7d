/**
 * Every policy of the pack, in one list: index.ts serves them to `pulumi preview --policy-pack policy`, and the tests
 * run the same list over the resources the mocked program registers.
 */
import { PolicyPackArgs } from "@pulumi/policy";
import { awsApiPolicies } from "./aws-api";
import { dockerPolicies } from "./docker";
import { fsbpPolicies } from "./fsbp";
import { invariantPolicies } from "./invariants";

export const dlePolicies: PolicyPackArgs["policies"] = [...awsApiPolicies, ...dockerPolicies, ...invariantPolicies, ...fsbpPolicies];
