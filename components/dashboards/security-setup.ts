/**
 * Fine-grained access control of the aws stack's OpenSearch domain, set up by its master user (the dashboards importer's
 * role, mapped by the domain to all_access): dle's roles (components/search/opensearch-roles.json), each mapped to the
 * IAM principals that use it, and audit logging turned on (the domain publishes the audit logs to CloudWatch Logs).
 * Requests to the security plugin's REST API, signed with SigV4 like the saved objects' import. Part of the importer's
 * Lambda package: Node's built-ins only.
 */
import { DashboardsTarget, ImportOptions, dashboardsRequest } from "./saved-objects-import";

/** An OpenSearch security role: what its users may do on the cluster and on which indices. */
export interface SecurityRole {
    description?: string;
    cluster_permissions: string[];
    index_permissions: { index_patterns: string[]; allowed_actions: string[] }[];
}

export interface SecuritySetup {
    /** dle's roles, by name, created or replaced. */
    roles: Record<string, SecurityRole>;
    /** Role name → the IAM role ARNs (backend roles) and IAM user ARNs (users) mapped to it; the mapping is replaced. */
    mappings: Record<string, { backendRoles: string[]; users: string[] }>;
}

/** One request of the set-up, in the order they are made: the roles before the mappings that name them, audit last. */
export function securityRequests(setup: SecuritySetup): { method: string; path: string; body: unknown }[] {
    return [
        ...Object.entries(setup.roles).map(([name, role]) => ({ method: "PUT", path: `/_plugins/_security/api/roles/${encodeURIComponent(name)}`, body: role })),
        ...Object.entries(setup.mappings).map(([name, m]) => ({
            method: "PUT",
            path: `/_plugins/_security/api/rolesmapping/${encodeURIComponent(name)}`,
            body: { backend_roles: m.backendRoles, users: m.users, hosts: [] },
        })),
        // Audit logging is off until turned on here (OpenSearch's audit logs); which categories, the plugin's defaults.
        { method: "PATCH", path: "/_plugins/_security/api/audit", body: [{ op: "add", path: "/config/enabled", value: true }] },
    ];
}

/**
 * Makes every request of the set-up against the domain (`target.url`: its endpoint, without a path). A 403 or 503 while
 * fine-grained access control comes up after the domain is created means "not yet" (`retry`); any other answer than
 * 200 or 201 stops it, naming the request and the answer.
 */
export async function applySecurity(target: DashboardsTarget, setup: SecuritySetup, retry: ImportOptions = {}): Promise<{ requests: number }> {
    const requests = securityRequests(setup);
    const attempts = Math.max(1, retry.attempts ?? 1);
    const retryStatuses = retry.retryStatuses ?? [502, 503, 504];
    for (const request of requests) {
        let last = "";
        for (let attempt = 1; ; attempt++) {
            if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, retry.retryDelayMs ?? 5_000));
            const answer = await dashboardsRequest(target, request.method, request.path, Buffer.from(JSON.stringify(request.body)), { "content-type": "application/json" })
                .catch((error: Error) => ({ status: 0, text: `unreachable: ${(error as { cause?: Error }).cause?.message ?? error.message}` }));
            if (answer.status === 200 || answer.status === 201) break;
            last = `${answer.status} ${answer.text.slice(0, 300)}`;
            if (!(answer.status === 0 || retryStatuses.includes(answer.status)) || attempt >= attempts) {
                throw new Error(`Setting up the domain's access control at ${target.url} failed: ${request.method} ${request.path} answered ${last}`);
            }
        }
    }
    return { requests: requests.length };
}
