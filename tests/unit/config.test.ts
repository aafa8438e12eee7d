/**
 * The typed stack config: defaults, overrides, and an error naming the key for each kind of bad value.
 */
import { ConfigKey, defaults, parseStackConfig } from "../../components/config";

const parse = (values: Partial<Record<ConfigKey, string>>) => parseStackConfig((key) => values[key]);

describe("stack config", () => {
    it("defaults to the seed's layout", () => {
        const config = parse({});
        expect(config.target).toBe("local");
        expect(config.store).toEqual({ database: "applogs", collection: "docker", retentionDays: 30 });
        expect(config.search.indexPrefix).toBe("logstash");
        expect(config.archive).toEqual({ bucket: "applogs", keyPrefix: "logs/" });
        expect(config.failover.hardTimeoutSeconds).toBe(5);
        expect(config.ports).toEqual({ webapp: 8000, search: 9200, archive: 9000, store: 27017, agent: 24224 });
    });

    it("takes a user's override", () => {
        const config = parse({ webappPort: "8080", failoverTimeoutSeconds: "10", storeCollection: "nginx" });
        expect(config.ports.webapp).toBe(8080);
        expect(config.failover.hardTimeoutSeconds).toBe(10);
        expect(config.store.collection).toBe("nginx");
    });

    it.each<[string, Partial<Record<ConfigKey, string>>, string]>([
        ["an unknown target", { target: "gcp" }, "Invalid stack config `dle:target`: expected one of \"local\", \"aws\", got \"gcp\"."],
        ["a port out of range", { webappPort: "70000" }, "Invalid stack config `dle:webappPort`: expected an integer port from 1 to 65535, got \"70000\"."],
        ["a port that is not a number", { storePort: "mongo" }, "`dle:storePort`: expected an integer port from 1 to 65535"],
        ["a non-positive interval", { agentFlushSeconds: "0" }, "`dle:agentFlushSeconds`: expected a positive whole number of seconds"],
        ["a negative timeout", { failoverTimeoutSeconds: "-5" }, "`dle:failoverTimeoutSeconds`: expected a positive whole number of seconds"],
        ["a fractional interval", { forwarderFlushSeconds: "1.5" }, "`dle:forwarderFlushSeconds`: expected a positive whole number of seconds"],
        ["an image without a tag", { nginxImage: "nginx" }, "`dle:nginxImage`: expected an image reference with a pinned tag"],
        ["a floating tag", { fluentdImage: "fluent/fluentd:stable" }, "`dle:fluentdImage`: expected an image reference with a pinned tag"],
        ["a malformed tag", { mongoImage: "mongo:7.0 .14" }, "`dle:mongoImage`: expected an image reference with a pinned tag"],
        ["a bad bucket name", { archiveBucket: "App_Logs" }, "`dle:archiveBucket`: expected an S3 bucket name"],
        ["an index prefix with capitals", { searchIndexPrefix: "Logstash" }, "`dle:searchIndexPrefix`: expected a lowercase index prefix"],
        ["a key prefix without a trailing slash", { archiveKeyPrefix: "logs" }, "`dle:archiveKeyPrefix`: expected empty or a key prefix ending in /"],
        ["two parts on one port", { searchPort: "8000" }, "`dle:webappPort`: expected a port no other part publishes (dle:searchPort also uses it)"],
        ["heartbeats slower than the failover timeout", { heartbeatIntervalSeconds: "5" }, "`dle:heartbeatIntervalSeconds`: expected fewer seconds than dle:failoverTimeoutSeconds (5)"],
    ])("rejects %s, naming the key", (_, values, message) => {
        expect(() => parse(values)).toThrow(message);
    });

    it("accepts every default, so a fresh stack needs no config", () => {
        expect(() => parseStackConfig((key) => defaults[key])).not.toThrow();
    });
});
