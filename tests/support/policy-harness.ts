/**
 * Runs the policy pack's policies (policy/policies.ts, imported as they are) over what a mocked program registered,
 * the way the engine hands resources to a policy pack: each resource with its inputs, secrets unwrapped, to every
 * resource policy; the whole stack, with parents and dependencies as resources, to every stack policy.
 */
import { PolicyResource, PolicyResourceOptions, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { dlePolicies } from "../../policy/policies";
import { RecordedResource, unwrapSecrets } from "./mocks";

/** One violation: the policy, the resource (by name), the message, and whether it stops an update. */
export interface Violation {
    /** The policy's own enforcement level (the pack's, mandatory, when it sets none), as the engine applies it. */
    level: "mandatory" | "advisory";
    policy: string;
    resource: string;
    message: string;
}

/** Thrown by `notApplicable`, as the engine's own version does: the policy does not apply to this resource. */
class NotApplicable extends Error {}

const options = (parent?: string): PolicyResourceOptions => ({
    protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, parent,
});

/** A recorded resource's URN; records made by hand (without one) get one in the mock runtime's form. */
const urnOf = (r: RecordedResource) => r.urn ?? `urn:pulumi:test::dle::${r.type}::${r.name}`;

const typeCheck = (type: string) => ({
    isType: (resourceClass: { __pulumiType?: string }) => resourceClass.__pulumiType === type,
});

/** The stack as stack policies see it: every resource, its parent and dependencies resolved to resources. */
function policyResources(resources: RecordedResource[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const converted = resources.map((r) => {
        const resource = {
            type: r.type, name: r.name, urn: urnOf(r), props: unwrapSecrets(r.inputs) as Record<string, unknown>, opts: options(r.parent),
            dependencies: [] as PolicyResource[], propertyDependencies: {} as Record<string, PolicyResource[]>,
            isType: typeCheck(r.type).isType,
            asType: (resourceClass: { __pulumiType?: string }) => (resourceClass.__pulumiType === r.type ? unwrapSecrets(r.inputs) : undefined),
        } as unknown as PolicyResource;
        byUrn.set(resource.urn, resource);
        return { record: r, resource };
    });
    const resolve = (urns: string[] = []) => urns.map((urn) => byUrn.get(urn)).filter((r): r is PolicyResource => r !== undefined);
    for (const { record, resource } of converted) {
        resource.dependencies = resolve(record.dependencies);
        resource.propertyDependencies = Object.fromEntries(Object.entries(record.propertyDependencies ?? {}).map(([input, urns]) => [input, resolve(urns)]));
        resource.parent = record.parent === undefined ? undefined : byUrn.get(record.parent);
    }
    return converted.map((c) => c.resource);
}

/** Every violation the given policies (by default the whole pack) find in the recorded resources. */
export async function policyViolations(resources: RecordedResource[], policies = dlePolicies): Promise<Violation[]> {
    const violations: Violation[] = [];
    const stack = policyResources(resources);
    const byUrn = new Map(stack.map((r) => [r.urn, r]));
    const notApplicable = (): never => { throw new NotApplicable(); };
    for (const policy of policies) {
        const level = policy.enforcementLevel === "advisory" ? "advisory" : "mandatory";
        const report = (resource: string) => (message: string, urn?: string) =>
            violations.push({ level, policy: policy.name, resource: urn === undefined ? resource : byUrn.get(urn)?.name ?? urn, message });
        try {
            if ("validateStack" in policy) {
                await (policy as StackValidationPolicy).validateStack({ resources: stack, stackTags: new Map(), getConfig: <T>() => ({}) as T, notApplicable }, report("(stack)"));
                continue;
            }
            const validations = [(policy as ResourceValidationPolicy).validateResource ?? []].flat();
            for (const r of stack) {
                const args: ResourceValidationArgs = {
                    type: r.type, props: r.props, urn: r.urn, name: r.name, opts: r.opts, stackTags: new Map(),
                    isType: r.isType, asType: r.asType as ResourceValidationArgs["asType"], getConfig: <T>() => ({}) as T, notApplicable,
                };
                for (const validate of validations) {
                    try {
                        await validate(args, report(r.name));
                    } catch (error) {
                        if (!(error instanceof NotApplicable)) throw error;
                    }
                }
            }
        } catch (error) {
            if (!(error instanceof NotApplicable)) throw error;
        }
    }
    return violations;
}

/** The violations as lines, for a readable failure: `<policy> <resource>: <message>`, an advisory one marked `(advisory)`. */
export const asLines = (violations: Violation[]): string[] =>
    violations.map((v) => `${v.level === "advisory" ? "(advisory) " : ""}${v.policy} ${v.resource}: ${v.message}`);

/** Only the violations that stop an update. */
export const mandatory = (violations: Violation[]): Violation[] => violations.filter((v) => v.level === "mandatory");

/**
 * The recorded resources with one of them changed: a deep copy, whose resource of `type` named `name` has had `change`
 * applied to its inputs (secrets unwrapped) and, when given, to the whole record (its dependencies, say).
 */
export function withChange(
    resources: RecordedResource[],
    type: string,
    name: string,
    change: (inputs: Record<string, unknown>, record: RecordedResource) => void,
): RecordedResource[] {
    const copy = resources.map((r) => ({ ...r, inputs: structuredClone(unwrapSecrets(r.inputs)) as Record<string, unknown> }));
    const target = copy.find((r) => r.type === type && r.name === name);
    if (target === undefined) throw new Error(`no ${type} ${name} was registered`);
    change(target.inputs, target);
    return copy;
}

/** A task definition's containers, changed by `change` and written back as the JSON the input is. */
export function changeContainers(inputs: Record<string, unknown>, change: (containers: Record<string, unknown>[]) => void): void {
    const containers = JSON.parse(inputs.containerDefinitions as string) as Record<string, unknown>[];
    change(containers);
    inputs.containerDefinitions = JSON.stringify(containers);
}
