/**
 * What the search part's component (index.ts) and its targets (aws.ts, local.ts) share: its Args, what a
 * target returns, and the helpers both targets use. Both import this module; index.ts imports them, never the reverse.
 */
import { StackConfig } from "../config";
import { Platform } from "../platform";

export interface SearchArgs {
    config: StackConfig;
    /** The target's shared resources; its `kind` selects the implementation. */
    platform: Platform;
}
