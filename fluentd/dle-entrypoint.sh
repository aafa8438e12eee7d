#!/bin/sh
# dle: writes PEM files handed over in the environment, then runs the image's own entrypoint.
# On the aws stack Fargate cannot upload files into a container, so ECS passes each container's certificate and
# private key (the key from Secrets Manager) and the CA certificate as variables, while fluentd's TLS settings
# read files. Each *_PEM variable is written to the file its *_PATH variable (read by the configs)
# names, readable by this user only, and removed from the environment fluentd gets. The local stack uploads
# the files instead and sets no *_PEM variable: then this script writes nothing.
# The names are defined in components/fluentd-env.ts (pemContentEnv); tests/unit/dle-entrypoint.test.ts checks this
# list against it.
set -eu
umask 077

# write_pem CONTENT_VARIABLE PATH_VARIABLE
write_pem() {
  eval "pem=\${$1:-}"
  if [ -n "$pem" ]; then
    eval "file=\${$2:?$1 is set but $2, the file to write it to, is not}"
    mkdir -p "$(dirname "$file")"
    printf '%s\n' "$pem" > "$file"
    unset "$1"
  fi
  unset pem
}

write_pem FORWARD_TLS_CA_PEM FORWARD_TLS_CA_PATH
write_pem FORWARD_TLS_CERT_PEM FORWARD_TLS_CERT_PATH
write_pem FORWARD_TLS_KEY_PEM FORWARD_TLS_KEY_PATH

exec /bin/entrypoint.sh "$@"
