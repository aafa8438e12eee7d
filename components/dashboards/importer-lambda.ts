/**
 * The aws stack's importer: a Lambda function in the VPC's private subnets that sets up the domain's fine-grained access
 * control (`DOMAIN_URL`: dle's roles, their mappings, audit logging; its role is the domain's master user), then imports
 * the saved objects it is invoked with into the domain's OpenSearch Dashboards (`DASHBOARDS_URL`), signing with its
 * role's credentials.
 * The stack invokes it (aws.lambda.Invocation) whenever the objects or this code change; an import that fails
 * fails the invocation, and so the deploy, with the reason.
 */
import { DashboardsAuth, ImportOptions, importSavedObjects } from "./saved-objects-import";
import { SecuritySetup, applySecurity } from "./security-setup";

/** What the stack sends: the NDJSON to import, and the access control to set up first (none on a domain without it). */
export interface ImportEvent {
    objects: string;
    security?: SecuritySetup;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
    const value = env[name];
    if (!value) throw new Error(`The dashboards importer needs the environment variable ${name}`);
    return value;
}

/** A role's new permissions take a little while to reach the domain: a 403 then means "not yet", for a minute. */
export const lambdaRetry: ImportOptions = { attempts: 6, retryDelayMs: 10_000, retryStatuses: [403, 502, 503, 504] };

/** Lambda's entry point (its second argument, the invocation context, is not needed). */
export function handler(event: ImportEvent): Promise<{ imported: number }> {
    return importEvent(event, process.env);
}

/** Imports `event.objects` as the function's environment `env` says. */
export async function importEvent(event: ImportEvent, env: NodeJS.ProcessEnv, retry = lambdaRetry): Promise<{ imported: number }> {
    if (typeof event?.objects !== "string" || event.objects.trim() === "") {
        throw new Error("The dashboards importer was invoked without `objects` (the saved objects' NDJSON)");
    }
    // The function's role, as Lambda hands it to every function in its environment.
    const auth: DashboardsAuth = {
        kind: "aws-sigv4",
        region: required(env, "AWS_REGION"),
        credentials: {
            accessKeyId: required(env, "AWS_ACCESS_KEY_ID"),
            secretAccessKey: required(env, "AWS_SECRET_ACCESS_KEY"),
            sessionToken: env.AWS_SESSION_TOKEN,
        },
    };
    // Before the import: the saved objects go through the same access control.
    if (event.security !== undefined) await applySecurity({ url: required(env, "DOMAIN_URL"), product: "opensearch-dashboards", auth }, event.security, retry);
    const { successCount } = await importSavedObjects({ url: required(env, "DASHBOARDS_URL"), product: "opensearch-dashboards", auth }, event.objects, retry);
    return { imported: successCount };
}
