#!/usr/bin/env bash
# Replication set-up on the primary, run once by the postgres image when it creates the data
# directory (mounted into /docker-entrypoint-initdb.d/ by docker-compose.yml). It makes:
#   - REPLICATION_USER, a role that may stream WAL and nothing else;
#   - REPLICATION_SLOT, a physical slot the replica streams through, so the primary keeps
#     every WAL segment the replica has not received yet (bounded by max_slot_wal_keep_size,
#     set on the primary's command line, so a replica gone for good cannot fill the disk);
#   - a pg_hba.conf line letting that role open replication connections with its password
#     (the image's own "host all all all" line does not cover them: "all" excludes replication).
# A data directory made before this script existed has none of this: see docs/deployment.md.
set -Eeuo pipefail

for name in POSTGRES_USER POSTGRES_DB PGDATA REPLICATION_USER REPLICATION_PASSWORD REPLICATION_SLOT; do
  if [[ -z ${!name:-} ]]; then
    echo "primary-init: $name must be set" >&2
    exit 1
  fi
done

psql --no-psqlrc --set=ON_ERROR_STOP=1 --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" \
  --set=role="$REPLICATION_USER" --set=password="$REPLICATION_PASSWORD" \
  --set=slot="$REPLICATION_SLOT" <<'SQL'
CREATE ROLE :"role" WITH LOGIN REPLICATION PASSWORD :'password';
SELECT pg_create_physical_replication_slot(:'slot');
SQL

echo "host replication $REPLICATION_USER all scram-sha-256" >>"$PGDATA/pg_hba.conf"
echo "primary-init: role $REPLICATION_USER and slot $REPLICATION_SLOT ready for the replica"
