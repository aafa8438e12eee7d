#!/bin/sh
# dle: puts the files fluentd's configs read in place, readable by fluentd's user only, then runs the image's own
# entrypoint as that user (DLE_FLUENTD_USER: fluent, or root for FireLens, whose socket is in /var/run).
#
# The files: the forward protocol's TLS certificates and key, and the credentials (the shared key, the sinks'
# passwords, the local credentials endpoint's token). The local stack uploads them, and the Docker provider may give
# an upload any owner; on the aws stack Fargate cannot upload files, so ECS passes each as a variable (the key and the
# credentials from Secrets Manager), which this script writes to the file its path variable names and removes from
# fluentd's environment.
# Started as root (the image's user), it hands every file to fluentd's user, mode 0400, then drops to that user;
# started as another user, it only checks that each file is readable, and stops naming the one that is not.
# Last, it takes the buffer directory's lock, which fluentd then holds until it exits: one fluentd per directory.
# The names are defined in components/fluentd-env.ts (fileContentEnv); tests/integration/dle-entrypoint.test.ts checks the
# lists below against it and runs this script.
set -eu
umask 077

run_as=${DLE_FLUENTD_USER:-fluent}
is_root=false
[ "$(id -u)" = 0 ] && is_root=true

fail() {
  echo "dle-entrypoint: $*" >&2
  exit 1
}

# as_run_as COMMAND...: runs COMMAND as fluentd's user, with its primary and supplementary groups.
if $is_root; then
  id "$run_as" >/dev/null 2>&1 || fail "DLE_FLUENTD_USER names $run_as, which is no user of this image"
  run_uid=$(id -u "$run_as")
  run_gid=$(id -g "$run_as")
fi
as_run_as() {
  setpriv --reuid="$run_uid" --regid="$run_gid" --init-groups -- "$@"
}

# hand_over PATH: makes PATH fluentd's user's (when this script is root).
hand_over() {
  if $is_root; then chown "$run_as:" "$1"; fi
}

# write_file CONTENT_VARIABLE PATH_VARIABLE
write_file() {
  eval "content=\${$1:-}"
  if [ -n "$content" ]; then
    eval "file=\${$2:?$1 is set but $2, the file to write it to, is not}"
    dir=$(dirname "$file")
    if [ ! -d "$dir" ]; then
      mkdir -p "$dir"
      hand_over "$dir"
    fi
    printf '%s\n' "$content" > "$file"
    unset "$1"
  fi
  unset content
}

# check_file PATH_VARIABLE: the file it names (if it names one) exists and, in the end, is fluentd's user's to read.
check_file() {
  eval "file=\${$1:-}"
  [ -n "$file" ] || return 0
  [ -f "$file" ] || fail "$1 names $file, which does not exist"
  if $is_root; then
    hand_over "$file"
    chmod 0400 "$file"
    [ "$run_as" = root ] || as_run_as test -r "$file" ||
      fail "$1 names $file, which $run_as cannot read even as its owner: a directory above it is closed to $run_as"
  elif [ ! -r "$file" ]; then
    fail "$1 names $file, which uid $(id -u) cannot read (owner uid $(stat -c %u "$file"), mode $(stat -c %a "$file")): start the container as root, or upload the file owned by uid $(id -u)"
  fi
}

write_file FORWARD_TLS_CA_PEM FORWARD_TLS_CA_PATH
write_file FORWARD_TLS_CERT_PEM FORWARD_TLS_CERT_PATH
write_file FORWARD_TLS_KEY_PEM FORWARD_TLS_KEY_PATH
write_file FORWARD_SHARED_KEY FORWARD_SHARED_KEY_FILE
write_file STORE_CONNECTION_STRING STORE_CONNECTION_STRING_FILE
write_file SEARCH_PASSWORD SEARCH_PASSWORD_FILE
write_file ARCHIVE_CREDENTIALS_TOKEN AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
write_file SQL_PASSWORD SQL_PASSWORD_FILE

check_file FORWARD_TLS_CA_PATH
check_file FORWARD_TLS_CERT_PATH
check_file FORWARD_TLS_KEY_PATH
check_file FORWARD_SHARED_KEY_FILE
check_file STORE_CONNECTION_STRING_FILE
check_file SEARCH_PASSWORD_FILE
check_file AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
check_file SQL_PASSWORD_FILE

# One fluentd per buffer directory: two would both restore its chunks at start and append to the same files. On AWS,
# with the buffers on EFS, ECS may start a forwarder's replacement task while the old one still flushes them
# (components/forwarder-pair/aws.ts): the new one waits here until the old fluentd has exited. The lock is on the
# descriptor, which stays open through the exec below, so fluentd itself holds it (and EFS lets it go if the old task
# vanishes without a word, once its NFS lease runs out).
if [ -n "${FLUENTD_BUFFER_DIR:-}" ]; then
  lock="$FLUENTD_BUFFER_DIR/.dle-fluentd.lock"
  exec 9>>"$lock"
  if ! flock -n 9; then
    echo "dle-entrypoint: another fluentd holds $lock; waiting for it to stop" >&2
    flock 9
  fi
fi

# Next, the image's own entrypoint (it adds fluentd's config and plugin directory), as fluentd's user.
set -- /bin/entrypoint.sh "$@"
if $is_root && [ "$run_as" != root ]; then
  HOME=$(getent passwd "$run_as" | cut -d: -f6)
  export HOME
  set -- setpriv --reuid="$run_uid" --regid="$run_gid" --init-groups -- "$@"
fi
exec "$@"
