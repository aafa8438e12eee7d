import { AwsPlatform } from "./aws";
import { LocalPlatform } from "./local";

/** What a whole target needs once; each part builds on it and dispatches on its `kind`. */
export type Platform = LocalPlatform | AwsPlatform;

/** A part's Args with the platform narrowed to one target: what that target's implementation receives. */
export type On<A extends { platform: Platform }, P extends Platform> = A & { platform: P };
