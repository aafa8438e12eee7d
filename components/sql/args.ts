/**
 * What the sql part's component (index.ts) and its targets (aws.ts, local.ts) share: its Args and the names both
 * targets use. Both import this module; index.ts imports them, never the reverse.
 */
import { StackConfig } from "../config";
import { Platform } from "../platform";

export interface SqlArgs {
    config: StackConfig;
    /** The target's shared resources; its `kind` selects the implementation. */
    platform: Platform;
}

/**
 * The user the forwarders write as: the database's owner (RDS's master user, the image's POSTGRES_USER), since they
 * apply its migrations (fluentd/sql/) before their first write.
 */
export const sqlOwner = "dle";
