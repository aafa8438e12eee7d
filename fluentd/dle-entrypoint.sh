#!/bin/sh
# dle: writes the files handed over in the environment, then runs the image's own entrypoint.
# On the aws stack Fargate cannot upload files into a container, so ECS passes each container's TLS certificate and
# private key, the CA certificate and the credentials (the key and the credentials from Secrets Manager) as variables,
# while fluentd's configs read files. Each content variable is written to the file its path variable (read by the
# configs) names, readable by this user only, and removed from the environment fluentd gets. The local stack uploads
# the files instead and sets no content variable: then this script writes nothing.
# The names are defined in components/fluentd-env.ts (fileContentEnv); tests/unit/dle-entrypoint.test.ts checks this
# list against it.
set -eu
umask 077

# write_file CONTENT_VARIABLE PATH_VARIABLE
write_file() {
  eval "content=\${$1:-}"
  if [ -n "$content" ]; then
    eval "file=\${$2:?$1 is set but $2, the file to write it to, is not}"
    mkdir -p "$(dirname "$file")"
    printf '%s\n' "$content" > "$file"
    unset "$1"
  fi
  unset content
}

write_file FORWARD_TLS_CA_PEM FORWARD_TLS_CA_PATH
write_file FORWARD_TLS_CERT_PEM FORWARD_TLS_CERT_PATH
write_file FORWARD_TLS_KEY_PEM FORWARD_TLS_KEY_PATH
write_file FORWARD_SHARED_KEY FORWARD_SHARED_KEY_FILE
write_file STORE_CONNECTION_STRING STORE_CONNECTION_STRING_FILE
write_file SEARCH_PASSWORD SEARCH_PASSWORD_FILE
write_file ARCHIVE_ACCESS_KEY_ID ARCHIVE_ACCESS_KEY_ID_FILE
write_file ARCHIVE_SECRET_ACCESS_KEY ARCHIVE_SECRET_ACCESS_KEY_FILE

exec /bin/entrypoint.sh "$@"
