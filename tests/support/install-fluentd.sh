#!/usr/bin/env bash
# Installs dle's fluentd for the tests and the benchmark: exactly fluentd/Gemfile.lock (fluentd, the plugins, every
# dependency and the `test` group's test-unit), with bundler in frozen mode, into .fluentd/ (ignored by git). It is the
# one place that knows how Ruby and the locked gems get onto a machine; .ci/run calls it.
#
# The lock needs Ruby >= 3.3. Where the machine's Ruby is older (Debian bookworm has 3.1), it builds a Debian trixie
# root (Ruby 3.3) with mmdebstrap, once, and runs Ruby from that root through a mount namespace that binds the root's
# /usr and /etc over the host's while keeping the caller's /etc/hosts, resolv.conf and CA bundle (RubyGems is reached
# through a CA that only the host's bundle holds; a test may give fluentd an /etc/hosts of its own).
#
# It leaves .fluentd/bin/fluentd (what the tests run, preloading jemalloc as the official image does) and
# .fluentd/bin/ruby (the same Ruby with the locked gems, for the plugins' own tests). A second run with an unchanged
# lock takes seconds. Debian only, as root where the trixie root must be built.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
home="${DLE_FLUENTD_HOME:-$repo/.fluentd}"
root="$home/ruby-root"
bin="$home/bin"
lock="$repo/fluentd/Gemfile.lock"
# Debian's packages the root holds: Ruby and what the lock's native extensions compile with (libpq-dev: the pg gem),
# the allocator the official image preloads, and PostgreSQL 17, the major the stack pins, that the sql sink's tests
# start (tests/support/postgres.ts).
root_packages="ruby,ruby-dev,gcc,make,libc6-dev,libpq-dev,bundler,libjemalloc2,ca-certificates,postgresql-17"
started=$SECONDS

say() { printf 'install-fluentd: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

ruby_meets_lock() { # $1: a ruby; true when it is 3.3 or later
    "$1" -e 'exit(Gem::Version.new(RUBY_VERSION) >= Gem::Version.new("3.3") ? 0 : 1)' 2>/dev/null
}

mkdir -p "$bin"

# Where Ruby comes from: the machine's, when it meets the lock; else the trixie root's.
if command -v ruby >/dev/null && ruby_meets_lock "$(command -v ruby)"; then
    rm -f "$bin/in-root"
    printf '#!/bin/sh\nexec "$@"\n' >"$bin/in-root"
else
    if [ ! -x "$root/usr/bin/ruby" ] || [ "$(cat "$root/.packages" 2>/dev/null)" != "$root_packages" ]; then
        [ "$(id -u)" = 0 ] || die "the machine's Ruby is older than 3.3 (the lock needs it) and building a Ruby 3.3 root needs root"
        command -v mmdebstrap >/dev/null || { say "installing mmdebstrap"; apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null; }
        mirror="$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
            sed -n 's/^URIs: *\(\S*debian\)$/\1/p; s/^deb \(\S*debian\) .*/\1/p' | head -n1 || true)"
        [ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources"
        say "building a Debian trixie root with Ruby 3.3 in $root (from $mirror)"
        rm -rf "$root"
        mmdebstrap --quiet --variant=essential --include="$root_packages" \
            --aptopt='APT::Install-Recommends "false"' --dpkgopt='path-exclude=/usr/share/doc/*' \
            --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
            trixie "$root" "$mirror" >/dev/null
        printf '%s' "$root_packages" >"$root/.packages"
    fi
    # The files the caller's /etc must lend the root, bound over the root's own copies before the root's /etc is
    # bound over the host's (a plain bind of /etc would hide a hosts file a test bound over the host's).
    for f in hosts resolv.conf ssl/certs/ca-certificates.crt; do
        mkdir -p "$(dirname "$root/etc/$f")"
        [ -f "$root/etc/$f" ] && [ ! -L "$root/etc/$f" ] || { rm -f "$root/etc/$f"; : >"$root/etc/$f"; }
    done
    # unshare execs in place: Ruby keeps the wrapper's PID, so the tests' signals reach fluentd itself.
    cat >"$bin/in-root" <<WRAPPER
#!/bin/sh
# Runs a command with the Ruby 3.3 root's /usr and /etc (tests/support/install-fluentd.sh made it), the rest of the
# machine as it is.
exec unshare -m --propagation private /bin/sh -c '
for f in hosts resolv.conf ssl/certs/ca-certificates.crt; do
    [ -e "/etc/\$f" ] && mount --bind "/etc/\$f" "$root/etc/\$f"
done
mount --rbind "$root/etc" /etc && mount --bind "$root/usr" /usr && exec "\$@"' in-root "\$@"
WRAPPER
    chmod 755 "$bin/in-root"
fi
in_root="$bin/in-root"

# The gems: exactly the lock, frozen (a Gemfile that no longer matches its lock stops here), with the test group.
export BUNDLE_GEMFILE="$repo/fluentd/Gemfile" BUNDLE_FROZEN=true BUNDLE_PATH="$home/bundle" \
    BUNDLE_APP_CONFIG="$home/bundle-config" BUNDLE_WITH=test BUNDLE_JOBS="$(nproc)" BUNDLE_RETRY=2 LANG=C.UTF-8
stamp="$home/bundle/.lock.sha256"
lock_sum="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ] || ! "$in_root" bundle check >/dev/null 2>&1; then
    say "installing the gems of fluentd/Gemfile.lock into $home/bundle"
    log="$home/bundle-install.log"
    if ! "$in_root" bundle install >"$log" 2>&1; then
        # bundler says a missing version in several ways; one line names the gem and the version.
        missing="$(sed -n -E 's/.*locked to ([A-Za-z0-9_.-]+) \(([^)]+)\).*/\1 \2/p
            s/.*Could not find ([A-Za-z0-9_.-]+)-([0-9][^ ]*) in .*/\1 \2/p' "$log" | head -n1)"
        [ -z "$missing" ] || die "fluentd/Gemfile.lock pins $missing, which the registry does not serve (bundler's output: $log)"
        die "bundle install failed: $(grep -v '^\s*$' "$log" | tail -n1) (bundler's output: $log)"
    fi
    printf '%s' "$lock_sum" >"$stamp"
fi

fluentd_bin="$("$in_root" bundle exec ruby -e 'print Gem.bin_path("fluentd", "fluentd")')"
jemalloc="$("$in_root" sh -c 'for f in /usr/lib/*-linux-gnu/libjemalloc.so.2 /usr/lib/libjemalloc.so.2; do [ -e "$f" ] && { echo "$f"; break; }; done')"

# ruby: the root's Ruby with exactly the locked gems on its load path (bundler/setup, as the image's RUBYOPT does).
# fluentd: the same, preloading jemalloc as the official image does (LD_PRELOAD set inside, so that only Ruby gets it).
for cmd in ruby fluentd; do
    {
        printf '#!/bin/sh\n# dle'"'"'s %s from fluentd/Gemfile.lock (tests/support/install-fluentd.sh made this file).\n' "$cmd"
        # fluentd loads the gems the image installs (the default group); the plugins' tests add the test group.
        [ "$cmd" = fluentd ] && groups="BUNDLE_WITHOUT=test" || groups="BUNDLE_WITH=test"
        printf 'export BUNDLE_GEMFILE=%q BUNDLE_PATH=%q BUNDLE_APP_CONFIG=%q BUNDLE_FROZEN=true %s\n' \
            "$BUNDLE_GEMFILE" "$BUNDLE_PATH" "$BUNDLE_APP_CONFIG" "$groups"
        printf 'export LANG="${LANG:-C.UTF-8}"\n'
        if [ "$cmd" = fluentd ]; then
            printf 'exec %q env LD_PRELOAD=%q ruby -rbundler/setup %q "$@"\n' "$in_root" "$jemalloc" "$fluentd_bin"
        else
            printf 'exec %q ruby -rbundler/setup "$@"\n' "$in_root"
        fi
    } >"$bin/$cmd"
    chmod 755 "$bin/$cmd"
done

say "$("$bin/ruby" -e 'print "ruby #{RUBY_VERSION}, bundler #{Bundler::VERSION}"'), $("$bin/fluentd" --version), jemalloc ${jemalloc:-absent}, in $((SECONDS - started)) s"
say "the tests find it with: export FLUENTD=$bin/fluentd (or PATH=$bin:\$PATH)"
