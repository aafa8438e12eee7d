/**
 * A bad aws setting in the stack config stops the program itself (and so `pulumi preview --stack aws`)
 * before any resource is created, with a message naming the key.
 */
import { installMocks, programLoadTimeoutMs } from "../support/mocks";

const resources = installMocks({ target: "aws", openSearchInstances: "3" });

it("fails the aws program with an error naming the config key", () => {
    expect(() => require("../../index")).toThrow("Invalid stack config `dle:openSearchInstances`: expected an even number of data nodes from 2 to 10 (one per AZ, alike), got \"3\".");
    expect(resources).toEqual([]);
}, programLoadTimeoutMs);
