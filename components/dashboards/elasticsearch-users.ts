/**
 * What the local stack sets up in Elasticsearch, through Elasticsearch's security API with the superuser: for Kibana,
 * the built-in `kibana_system` user's password (Kibana's own connection, never the superuser's), a role that may read
 * the log indices, and the user people log in to Kibana with; for the canary (components/canary/local.ts), a user that
 * may only read the log indices. Every call is idempotent (set a password, put a role, put a user), so running them
 * again changes nothing but what differs.
 *
 * Run by the local stack's Pulumi dynamic provider, so it uses Node's built-ins only.
 */

export interface Credentials {
    username: string;
    password: string;
}

export interface KibanaAccess {
    /** Elasticsearch as the machine running Pulumi reaches it (its port published on 127.0.0.1). */
    url: string;
    superuser: Credentials;
    /** The password Kibana connects with, as the built-in `kibana_system` user. */
    kibanaSystemPassword: string;
    /** A role that may read (and list the fields of) the log indices, for the login below. */
    readerRole: { name: string; indexPattern: string };
    /** The user people log in to Kibana with: Kibana's own `kibana_admin` role plus the reader role. */
    login: Credentials;
}

export interface RetryOptions {
    /** Attempts while Elasticsearch is starting (connection refused, 503); at least 1. */
    attempts?: number;
    retryDelayMs?: number;
}

/**
 * How long one call may take, answer included: without a bound, an Elasticsearch that accepts the connection and
 * never answers would hang `pulumi up`. Each call is small; 30 s leaves room for a loaded machine.
 */
const callTimeoutMs = 30_000;

/** Kibana's built-in role for using every Kibana feature, without any right on the indices themselves. */
export const kibanaUserRole = "kibana_admin";

async function securityCall(access: Pick<KibanaAccess, "url" | "superuser">, method: string, path: string, body: unknown, options: RetryOptions): Promise<void> {
    const attempts = Math.max(1, options.attempts ?? 1);
    const authorization = `Basic ${Buffer.from(`${access.superuser.username}:${access.superuser.password}`).toString("base64")}`;
    let last = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 5_000));
        let response: Response;
        let text: string;
        try {
            response = await fetch(`${access.url}${path}`, {
                method,
                headers: { authorization, "content-type": "application/json" },
                body: JSON.stringify(body),
                // Bounds the answer's body too.
                signal: AbortSignal.timeout(callTimeoutMs),
            });
            text = await response.text();
        } catch (error) {
            last = (error as Error).name === "TimeoutError"
                ? `no answer within ${callTimeoutMs / 1000} s`
                : `unreachable: ${(error as { cause?: Error }).cause?.message ?? (error as Error).message}`;
            continue;
        }
        if (response.status === 503) {
            last = `answered 503: ${text.slice(0, 300)}`;
            continue;
        }
        if (response.ok) return;
        throw new Error(`Elasticsearch at ${access.url} refused ${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
    }
    throw new Error(`Elasticsearch at ${access.url} did not answer ${method} ${path} after ${attempts} attempt(s): ${last}`);
}

/** Sets `kibana_system`'s password, puts the reader role and puts the login user. */
export async function applyKibanaAccess(access: KibanaAccess, options: RetryOptions = {}): Promise<void> {
    await securityCall(access, "POST", "/_security/user/kibana_system/_password", { password: access.kibanaSystemPassword }, options);
    await securityCall(access, "PUT", `/_security/role/${encodeURIComponent(access.readerRole.name)}`, {
        indices: [{ names: [access.readerRole.indexPattern], privileges: ["read", "view_index_metadata"] }],
    }, options);
    await securityCall(access, "PUT", `/_security/user/${encodeURIComponent(access.login.username)}`, {
        password: access.login.password,
        roles: [kibanaUserRole, access.readerRole.name],
        full_name: "dle dashboards",
    }, options);
}

/** A user that may read the log indices and nothing else, and its role. */
export interface ReaderAccess {
    /** Elasticsearch as the machine running Pulumi reaches it (its port published on 127.0.0.1). */
    url: string;
    superuser: Credentials;
    /** A role with the `read` privilege (search, count) on the log indices only. */
    role: { name: string; indexPattern: string };
    user: Credentials;
}

/** Puts the reader role and its user. */
export async function applyReaderAccess(access: ReaderAccess, options: RetryOptions = {}): Promise<void> {
    await securityCall(access, "PUT", `/_security/role/${encodeURIComponent(access.role.name)}`, {
        indices: [{ names: [access.role.indexPattern], privileges: ["read"] }],
    }, options);
    await securityCall(access, "PUT", `/_security/user/${encodeURIComponent(access.user.username)}`, {
        password: access.user.password,
        roles: [access.role.name],
        full_name: "dle canary (read-only)",
    }, options);
}
