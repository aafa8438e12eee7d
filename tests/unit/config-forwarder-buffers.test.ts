/**
 * Where the forwarders' file buffers live on AWS (dle:forwarderBufferStorage) and whether they are backed up
 * (dle:forwarderBufferBackup): the defaults, overrides, and an error naming the key and the allowed values.
 */
import { ConfigKey, parseStackConfig } from "../../components/config";

const parse = (values: Partial<Record<ConfigKey, string>>) => parseStackConfig((key) => values[key]);

describe("the forwarders' buffer storage in the stack config", () => {
    it("defaults to EFS, backed up", () => {
        const { aws } = parse({});
        expect([aws.forwarderBufferStorage, aws.forwarderBufferBackup]).toEqual(["efs", true]);
    });

    it("takes the task's ephemeral storage instead, and its size", () => {
        const { aws } = parse({ forwarderBufferStorage: "ephemeral", forwarderEphemeralStorageGb: "50" });
        expect([aws.forwarderBufferStorage, aws.forwarderEphemeralStorageGb]).toEqual(["ephemeral", 50]);
    });

    it("takes the backup off", () => {
        expect(parse({ forwarderBufferBackup: "false" }).aws.forwarderBufferBackup).toBe(false);
    });

    it.each<[string, Partial<Record<ConfigKey, string>>, string]>([
        ["a storage it does not offer", { forwarderBufferStorage: "ebs" }, "Invalid stack config `dle:forwarderBufferStorage`: expected one of \"efs\", \"ephemeral\", got \"ebs\"."],
        ["a storage in capitals", { forwarderBufferStorage: "EFS" }, "Invalid stack config `dle:forwarderBufferStorage`: expected one of \"efs\", \"ephemeral\", got \"EFS\"."],
        ["a backup that is not a boolean", { forwarderBufferBackup: "daily" }, "Invalid stack config `dle:forwarderBufferBackup`: expected true or false, got \"daily\"."],
    ])("rejects %s, naming the key", (_, values, message) => {
        expect(() => parse(values)).toThrow(message);
    });
});
