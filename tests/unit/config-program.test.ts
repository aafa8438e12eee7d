/**
 * A bad stack config stops the program itself (and so `pulumi preview`) before any resource is created.
 */
import { installMocks, programLoadTimeoutMs } from "../support/mocks";

const resources = installMocks({ target: "local", agentPort: "0" });

it("fails the program with an error naming the config key", () => {
    expect(() => require("../../index")).toThrow("Invalid stack config `dle:agentPort`: expected an integer port from 1 to 65535, got \"0\".");
    expect(resources).toEqual([]);
}, programLoadTimeoutMs);
