/**
 * The local stack's container credentials endpoint (./endpoint.ts) as a process: `node server.ts`, which Node.js runs
 * as it is (its built-in TypeScript type stripping). Its settings are the variables of `endpointVariables`; each
 * missing one stops it at start, named.
 */
import { endpointVariables, startCredentialsEndpoint } from "./endpoint.ts";

function setting(name: keyof typeof endpointVariables): string {
    const variable = endpointVariables[name];
    const value = process.env[variable];
    if (value === undefined || value === "") {
        process.stderr.write(`${JSON.stringify({ level: "fatal", message: `${variable} is not set` })}\n`);
        process.exit(1);
    }
    return value;
}

startCredentialsEndpoint({
    port: Number(setting("port")),
    path: setting("path"),
    tokenFile: setting("tokenFile"),
    credentialsFile: setting("credentialsFile"),
    profile: setting("profile"),
}).then((endpoint) => {
    process.stderr.write(`${JSON.stringify({ level: "info", message: `serving credentials on port ${endpoint.port} at ${setting("path")}` })}\n`);
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void endpoint.close().then(() => process.exit(0)));
}, (error: Error) => {
    process.stderr.write(`${JSON.stringify({ level: "fatal", message: error.message })}\n`);
    process.exit(1);
});
