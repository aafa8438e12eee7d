#!/usr/bin/env bash
# Runs a real PostgreSQL 17 for the sql sink's tests, on loopback only: postgres-server.sh DIR PORT PASSWORD.
# The server's data is in DIR/data (made by initdb on the first run, with the user `dle` and PASSWORD, which clients
# must give: scram-sha-256), its socket and log in DIR. It execs postgres, which runs until it is signalled (SIGINT:
# a fast shutdown; DIR/data stays, so a second run starts the same database again). Run as root, it runs PostgreSQL
# as `nobody`, since PostgreSQL refuses to run as root.
# PostgreSQL 17 is Debian trixie's postgresql-17: in the Ruby root that install-fluentd.sh builds (run this through
# .fluentd/bin/in-root), or the machine's own (install-test-tools.sh installs it where the machine has the package).
set -euo pipefail
dir="$1" port="$2" password="$3"
bin=/usr/lib/postgresql/17/bin
[ -x "$bin/postgres" ] || { echo "postgres-server: no PostgreSQL 17 at $bin (tests/support/install-test-tools.sh installs it)" >&2; exit 3; }
as=()
if [ "$(id -u)" = 0 ]; then
    chown -R nobody:nogroup "$dir"
    as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
if [ ! -f "$dir/data/PG_VERSION" ]; then
    pwfile="$dir/password"
    (umask 077; printf '%s\n' "$password" >"$pwfile")
    [ "${#as[@]}" = 0 ] || chown nobody:nogroup "$pwfile"
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U dle --auth=scram-sha-256 --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$pwfile"
fi
# On loopback only, its socket in DIR; the log in DIR/postgres.log.
exec "${as[@]}" "$bin/postgres" -D "$dir/data" -c listen_addresses=127.0.0.1 -p "$port" -c unix_socket_directories="$dir" \
    -c logging_collector=off >>"$dir/postgres.log" 2>&1
