/**
 * What a fluentd dry run of the project's configs may print: warnings that are understood (each with the reason it is
 * accepted), and never a credential. Any other warning (a parameter a new fluentd or plugin release deprecates, a
 * changed default it warns about) fails the dry-run tests, so it is read and dealt with.
 */
const acceptedWarnings: [RegExp, string][] = [
    [/<secondary> with 'retry_forever', only unrecoverable errors are moved to secondary/,
        "intended: the sinks retry forever, and only chunks retrying cannot cure go to the error path"],
    [/'force_path_style' parameter is deprecated/,
        "S3-compatible servers (the local archive) serve buckets by path; fluent-plugin-s3 still supports it"],
    [/For security reason, setting private_key_passphrase is recommended when cert_path is specified/,
        "the key has no passphrase: one would sit beside the key in the same secret store"],
    [/failed to resolve node name when configured server="(primary|secondary)"/,
        "a dry run of the agent outside its network: the forwarders' names resolve only there (ignore_network_errors_at_startup)"],
    [/detached forwarding server '(primary|secondary)' .*reason="its name does not resolve"|using standby node (forwarder-secondary|secondary\.dle-log-forwarder\.[a-z0-9-]+\.internal):/,
        "the same: dle_forward (fluentd/plugins/out_dle_forward.rb) detaches a server whose name does not resolve, and brings the standby in"],
];

/** The [warn] lines of a fluentd log that no accepted warning explains. */
export function unexpectedWarnings(log: string): string[] {
    return log.split("\n").filter((line) => /\[warn\]:/.test(line) && !acceptedWarnings.some(([pattern]) => pattern.test(line)));
}
