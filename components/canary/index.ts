import * as path from "path";

/** The canary's image build context (its Dockerfile and service/), shared by both targets. */
export const canaryDir = __dirname;
/** The service's source: run by the image, and by the tests. */
export const canaryServer = path.join(__dirname, "service", "server.ts");
