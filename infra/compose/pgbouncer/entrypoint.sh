#!/usr/bin/env bash
# PgBouncer's entrypoint in compose (the Dockerfile's `pgbouncer` target): renders
# infra/pgbouncer/pgbouncer.ini.template, the file the native stack renders too, and runs
# pgbouncer in the foreground, as PID 1, logging to stderr (docker compose logs pgbouncer).
set -Eeuo pipefail

TEMPLATE=${PGBOUNCER_TEMPLATE:-/etc/pgbouncer/pgbouncer.ini.template}
# Exactly the variables the template's header lists (compose.test.ts holds the two lists
# together): envsubst leaves anything else that looks like $NAME as it is.
VARIABLES=(PGBOUNCER_LISTEN_ADDR PGBOUNCER_LISTEN_PORT POSTGRES_HOST POSTGRES_PORT
  POSTGRES_REPLICA_HOST POSTGRES_REPLICA_PORT PGBOUNCER_AUTH_FILE PGBOUNCER_DATA_DIR)

for name in "${VARIABLES[@]}"; do
  if [[ -z ${!name:-} ]]; then
    echo "pgbouncer-entrypoint: $name must be set" >&2
    exit 1
  fi
done

mkdir -p "$PGBOUNCER_DATA_DIR"
# Credentials from the environment (compose passes POSTGRES_PASSWORD and
# PGBOUNCER_STATS_PASSWORD from .env) rather than a mounted file: the auth file is written here,
# readable by this user only. A `"` inside a name or password is doubled, as PgBouncer's auth
# file format requires. The second line is the stats role the template names in stats_users
# (headroom_stats), for the exporter: a password of its own, never the apps'.
if [[ -n ${PGBOUNCER_AUTH_USER:-} ]]; then
  if [[ -z ${PGBOUNCER_AUTH_PASSWORD:-} ]]; then
    echo "pgbouncer-entrypoint: PGBOUNCER_AUTH_PASSWORD must be set with PGBOUNCER_AUTH_USER" >&2
    exit 1
  fi
  (
    # Inside the subshell, before the file is opened: the umask applies to it.
    umask 077
    {
      printf '"%s" "%s"\n' "${PGBOUNCER_AUTH_USER//\"/\"\"}" "${PGBOUNCER_AUTH_PASSWORD//\"/\"\"}"
      if [[ -n ${PGBOUNCER_STATS_PASSWORD:-} ]]; then
        printf '"headroom_stats" "%s"\n' "${PGBOUNCER_STATS_PASSWORD//\"/\"\"}"
      fi
    } >"$PGBOUNCER_AUTH_FILE"
  )
elif [[ -n ${PGBOUNCER_STATS_PASSWORD:-} ]]; then
  echo "pgbouncer-entrypoint: PGBOUNCER_STATS_PASSWORD is written with PGBOUNCER_AUTH_USER's line: set both" >&2
  exit 1
fi
# A restarted container keeps its files, and its new PID 1 would pass for the pgbouncer the
# old pid file names: pgbouncer would refuse to start, thinking it already runs.
rm -f "$PGBOUNCER_DATA_DIR/pgbouncer.pid"
# The template names a log file for the native stack, where pgbouncer runs as a daemon. Here
# stderr already carries every line; a file would only grow inside the container.
ln -sf /dev/null "$PGBOUNCER_DATA_DIR/pgbouncer.log"

envsubst "$(printf '${%s} ' "${VARIABLES[@]}")" <"$TEMPLATE" >"$PGBOUNCER_DATA_DIR/pgbouncer.ini"
exec pgbouncer "$PGBOUNCER_DATA_DIR/pgbouncer.ini"
