#!/usr/bin/env bash
# The streaming replica's entrypoint (docker-compose.yml, postgres-replica; runs as postgres).
# First start: copy the primary with pg_basebackup through the slot primary-init.sh made.
# --write-recovery-conf leaves standby.signal and primary_conninfo in the copy, so the server
# the image's own entrypoint starts next is a hot standby streaming WAL from the primary.
# Later starts find the copy and go straight to the image's entrypoint.
set -Eeuo pipefail

for name in PGDATA PRIMARY_HOST PRIMARY_PORT REPLICATION_USER REPLICATION_PASSWORD REPLICATION_SLOT; do
  if [[ -z ${!name:-} ]]; then
    echo "replica: $name must be set" >&2
    exit 1
  fi
done

if [[ ! -s $PGDATA/PG_VERSION ]]; then
  # Copied aside and renamed when complete: a copy cut short (the primary went away, the
  # container was stopped) is thrown away on the next start, never taken for a data directory.
  partial="$PGDATA.partial"
  rm -rf "$partial"
  echo "replica: copying the primary from $PRIMARY_HOST:$PRIMARY_PORT through slot $REPLICATION_SLOT"
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup --no-password \
    --host="$PRIMARY_HOST" --port="$PRIMARY_PORT" --username="$REPLICATION_USER" \
    --pgdata="$partial" --wal-method=stream --slot="$REPLICATION_SLOT" \
    --write-recovery-conf --checkpoint=fast
  # An empty directory in the way is removed; anything else there stops the start (rmdir fails).
  if [[ -e $PGDATA ]]; then rmdir "$PGDATA"; fi
  mv "$partial" "$PGDATA"
fi

exec docker-entrypoint.sh "$@"
