/**
 * The monitoring's stack config: pinned images, ports that clash with no other part, and the alarm e-mail address.
 */
import { ConfigKey, defaults, parseStackConfig } from "../../components/config";

const parse = (values: Partial<Record<ConfigKey, string>>) => parseStackConfig((key) => values[key]);

describe("the monitoring's stack config", () => {
    it("defaults to pinned images, Prometheus on 9090 and Grafana on 3000, and no alarm e-mail", () => {
        const config = parse({});
        expect(config.images).toMatchObject({
            prometheus: defaults.prometheusImage, grafana: defaults.grafanaImage,
            blackbox: defaults.blackboxImage, cloudwatchAgent: defaults.cloudwatchAgentImage,
        });
        expect([config.ports.prometheus, config.ports.grafana]).toEqual([9090, 3000]);
        expect(config.aws.alarmEmail).toBeUndefined();
    });

    it("takes an alarm e-mail address", () => {
        expect(parse({ alarmEmail: "ops@example.com" }).aws.alarmEmail).toBe("ops@example.com");
    });

    it("names `dle:alarmEmail` when it is not an address", () => {
        expect(() => parse({ alarmEmail: "ops at example" })).toThrow('Invalid stack config `dle:alarmEmail`: expected empty or an e-mail address like "ops@example.com", got "ops at example".');
    });

    it("refuses a floating monitoring image tag, naming the key", () => {
        expect(() => parse({ grafanaImage: "grafana/grafana:latest" })).toThrow("`dle:grafanaImage`");
        expect(() => parse({ cloudwatchAgentImage: "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:latest" })).toThrow("`dle:cloudwatchAgentImage`");
    });

    it("refuses Grafana on a port another part publishes", () => {
        expect(() => parse({ grafanaPort: "9200" })).toThrow("`dle:searchPort`");
    });
});
