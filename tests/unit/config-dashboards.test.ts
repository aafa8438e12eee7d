/**
 * The dashboards' stack config: Kibana's image (pinned, at the Elasticsearch image's version) and its port.
 */
import { ConfigKey, defaults, parseStackConfig } from "../../components/config";

const parse = (values: Partial<Record<ConfigKey, string>>) => parseStackConfig((key) => values[key]);

describe("dashboards config", () => {
    it("defaults to Kibana at the Elasticsearch version, on port 5601", () => {
        const config = parse({});
        expect(config.images.kibana).toBe("kibana:8.19.20");
        expect(config.images.elasticsearch).toBe(defaults.elasticsearchImage);
        expect(config.ports.kibana).toBe(5601);
    });

    it("takes another version of both together", () => {
        const config = parse({ elasticsearchImage: "elasticsearch:8.19.21", kibanaImage: "kibana:8.19.21", kibanaPort: "15601" });
        expect([config.images.kibana, config.ports.kibana]).toEqual(["kibana:8.19.21", 15601]);
    });

    it.each<[string, Partial<Record<ConfigKey, string>>, string]>([
        ["a Kibana of another version than Elasticsearch", { kibanaImage: "docker.elastic.co/kibana/kibana:8.19.21" },
            "Invalid stack config `dle:kibanaImage`: expected the tag of dle:elasticsearchImage (8.19.20): Kibana runs only against its own version, got \"docker.elastic.co/kibana/kibana:8.19.21\"."],
        ["Elasticsearch moved without Kibana", { elasticsearchImage: "elasticsearch:9.1.0" }, "`dle:kibanaImage`: expected the tag of dle:elasticsearchImage (9.1.0)"],
        ["a floating Kibana tag", { kibanaImage: "kibana:latest" }, "`dle:kibanaImage`: expected an image reference with a pinned tag"],
        ["a Kibana port out of range", { kibanaPort: "0" }, "`dle:kibanaPort`: expected an integer port from 1 to 65535"],
        ["Kibana on another part's port", { kibanaPort: "9200" }, "`dle:searchPort`: expected a port no other part publishes (dle:kibanaPort also uses it)"],
    ])("refuses %s, naming the key", (_case, values, message) => {
        expect(() => parse(values)).toThrow(message);
    });
});
