#!/usr/bin/env bash
# Installs every tool the tests run, on Debian as root: Debian's packages, a running Docker engine, then dle's fluentd
# from the lock (install-fluentd.sh). `npm run test:tools` and .ci/run call it; a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/../.."

# nginx checks the webapp's config and serves it; unshare and ip give it a private loopback. openssl makes the
# forward protocol's test certificates. prometheus brings promtool (the alert rule tests, the dashboard's PromQL
# checks) and the Prometheus server of the end-to-end metrics test, whose login's bcrypt hash python3 makes. iptables
# cuts the network between the agent and the primary in the failover scenarios. mmdebstrap builds the Ruby 3.3 root
# where the machine's Ruby is older than the lock needs. docker.io is the engine whose fluentd log driver the docker
# tests run, and busybox-static the one file of their containers' image (no registry can be pulled from).
packages=(nginx-light curl iproute2 util-linux openssl prometheus python3 iptables mmdebstrap docker.io busybox-static)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "install-test-tools: installing ${missing[*]} needs root" >&2; exit 1; }
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Docker engine: started here where none answers (there may be no init system to start it).
if ! docker version >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || { echo "install-test-tools: no Docker daemon answers, and starting dockerd needs root" >&2; exit 1; }
    echo "install-test-tools: starting dockerd (its log: /var/log/dle-dockerd.log)" >&2
    nohup dockerd >/var/log/dle-dockerd.log 2>&1 &
    for _ in $(seq 1 60); do docker version >/dev/null 2>&1 && break; sleep 1; done
    docker version >/dev/null 2>&1 || { echo "install-test-tools: dockerd did not answer within 60 s: see /var/log/dle-dockerd.log" >&2; exit 1; }
fi

# PostgreSQL 17, which the sql sink's tests start (tests/support/postgres-server.sh): Debian's postgresql-17, where the
# machine's Debian has it (trixie); on an older one install-fluentd.sh puts it in the Ruby root it builds.
if [ ! -x /usr/lib/postgresql/17/bin/postgres ] && apt-cache show postgresql-17 >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || { echo "install-test-tools: installing postgresql-17 needs root" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-17 >/dev/null
fi

bash tests/support/install-fluentd.sh
