#!/usr/bin/env bash
# Private PostgreSQL and Redis instances for this checkout, on their own ports and data
# directories under .local/, so they never touch the machine's own services. Per profile: the
# Postgres primary, a streaming replica of it (stack and e2e), the queue's Redis (BullMQ and
# rate limits: nothing may be evicted) and the application cache's Redis (evicts by LRU).
#
#   services.sh up|down|status|env|ports|reset|failover [--profile stack|test|e2e]
#
# stack: the native dev stack (durable). test: what the test suite uses (fast, disposable).
# e2e: the stack the browser tests run against (stack.sh --profile e2e; fast, disposable).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/redis-sentinel.sh"

readonly DB_USER=headroom
readonly DB_PASSWORD=headroom
readonly DB_NAME=headroom
# The role and slot the replica streams through, as in compose (infra/compose/postgres/).
readonly REPLICATION_USER=replicator
readonly REPLICATION_PASSWORD=replicator
readonly REPLICATION_SLOT=replica_1
# Bounded waits: a healthy start takes one or two seconds here.
readonly PG_START_TIMEOUT=60
readonly READY_TIMEOUT=30

usage() {
  cat >&2 <<'EOF'
usage: services.sh up|down|status|env|ports|reset|failover [--profile stack|test|e2e]

  up      start PostgreSQL (and its replica: stack, e2e) and both Redis servers for the profile
          (installs them first if missing); in the stack, the queue Redis' replica and three
          Sentinels too (redis-sentinel.sh)
  down    stop them all (the replica before its primary)
  status  print whether each is up
  env     print DATABASE_URL, DATABASE_REPLICA_DIRECT_URL, REDIS_URL and CACHE_REDIS_URL lines
          (and REDIS_SENTINELS, REDIS_SENTINEL_NAME and REDIS_PASSWORD in the stack),
          for: set -a; eval "$(services.sh env)"; set +a (the Redis URLs carry their passwords)
  ports   print each service's name and TCP port, one per line
  reset   empty them: a new database, no Redis keys (test and e2e only; they must be up)
  failover --pgbouncer-ini FILE --pgbouncer-url URL
          the replica becomes the primary (postgres-failover.sh: fence, promote, repoint
          that PgBouncer); the next up makes the old primary's directory the new replica

Ports (infra/topology/ports.txt) can be overridden with HEADROOM_PG_PORT,
HEADROOM_PG_REPLICA_PORT, HEADROOM_REDIS_PORT and HEADROOM_CACHE_REDIS_PORT for the stack
profile, HEADROOM_TEST_PG_PORT, HEADROOM_E2E_REDIS_PORT and so on for the others; the
cache's memory with HEADROOM_CACHE_REDIS_MAXMEMORY (HEADROOM_TEST_CACHE_REDIS_MAXMEMORY, ...).
EOF
  exit 2
}

# Sets the profile's ports (from infra/topology/ports.txt), paths and durability.
configure_profile() {
  PROFILE=$1
  case $PROFILE in
    stack)
      # The default seed's whole cache, several times over (docs/configuration.md, "The
      # cache's Redis: maxmemory").
      CACHE_REDIS_MAXMEMORY="$(profile_setting stack CACHE_REDIS_MAXMEMORY 256mb)"
      DURABLE=1
      ;;
    test)
      # Each test fills a few hundred keys under its own prefix; LRU drops old runs' keys.
      CACHE_REDIS_MAXMEMORY="$(profile_setting test CACHE_REDIS_MAXMEMORY 64mb)"
      DURABLE=0
      ;;
    e2e)
      CACHE_REDIS_MAXMEMORY="$(profile_setting e2e CACHE_REDIS_MAXMEMORY 64mb)"
      DURABLE=0
      ;;
    *) die "unknown profile '$PROFILE' (expected stack, test or e2e)" ;;
  esac
  # PG_PORT, REDIS_PORT, ...: infra/topology/ports.txt. PG_REPLICA_PORT is empty in the test
  # profile: the tests that need a replica make a private one (packages/testing/src/postgres-replica.ts).
  load_topology_ports "$PROFILE"
  STATE_DIR="$REPO_ROOT/.local/$PROFILE"
  PG_DATA="$STATE_DIR/postgres"
  PG_REPLICA_DATA="$STATE_DIR/postgres-replica"
  # After a failover (services.sh failover) the replica's directory holds the primary, on the
  # replica's port, and the old primary's directory is fenced; `up` copies the new primary
  # into it, making it the replica on the old primary's port. The roles stay swapped until
  # the next failover swaps them back.
  PG_PRIMARY_FILE="$STATE_DIR/postgres-primary"
  if [[ "$(cat "$PG_PRIMARY_FILE" 2>/dev/null)" == postgres-replica ]] && with_replica; then
    swap_postgres_roles
  fi
  REDIS_DIR="$STATE_DIR/redis"
  CACHE_REDIS_DIR="$STATE_DIR/redis-cache"
}

with_replica() {
  [[ -n $PG_REPLICA_PORT ]]
}

swap_postgres_roles() {
  local data=$PG_DATA port=$PG_PORT
  PG_DATA=$PG_REPLICA_DATA PG_PORT=$PG_REPLICA_PORT
  PG_REPLICA_DATA=$data PG_REPLICA_PORT=$port
}

# --- PostgreSQL -------------------------------------------------------------------------

# initdb and pg_ctl refuse to run as root, so as root they run as the postgres OS user
# that Debian's package creates.
as_pg_owner() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_initialized() {
  [[ -s $PG_DATA/PG_VERSION ]]
}

pg_init() {
  local bin_major data_major staging pwfile
  bin_major="$("$PG_BIN/postgres" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
  if pg_initialized; then
    data_major="$(cat "$PG_DATA/PG_VERSION")"
    if [[ $data_major != "$bin_major" ]]; then
      die "$(rel "$PG_DATA") was created by PostgreSQL $data_major, but the installed server is $bin_major; remove it (rm -rf $(rel "$PG_DATA")) to start over"
    fi
    return 0
  fi

  log "postgres ($PROFILE): creating cluster in $(rel "$PG_DATA")"
  mkdir -p "$STATE_DIR"
  ensure_user_can_reach postgres "$STATE_DIR"
  # initdb runs into a staging dir and is renamed at the end, so an interrupted run never
  # leaves a half-made cluster where the next up would trip over it.
  staging="$PG_DATA.initdb"
  rm -rf "$staging"
  mkdir -m 700 "$staging"
  pwfile="$(mktemp)"
  printf '%s\n' "$DB_PASSWORD" >"$pwfile"
  if is_root; then
    chown postgres:postgres "$staging" "$pwfile"
  fi
  # The bootstrap superuser is headroom itself; password auth on TCP only (the socket is
  # turned off in headroom.conf).
  if ! as_pg_owner "$PG_BIN/initdb" -D "$staging" -U "$DB_USER" --pwfile="$pwfile" \
    --auth-host=scram-sha-256 --auth-local=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$STATE_DIR/initdb.log" 2>&1; then
    rm -f "$pwfile"
    cat "$STATE_DIR/initdb.log" >&2
    die "initdb failed (log above, also in $(rel "$STATE_DIR")/initdb.log)"
  fi
  rm -f "$pwfile"
  echo "include = 'headroom.conf'" >>"$staging/postgresql.conf"
  mv -T "$staging" "$PG_DATA"
}

# Rewritten on every up so that a changed port or setting here takes effect on the next
# start (or, for settings Postgres reloads, at once) without recreating the cluster.
write_pg_conf() {
  {
    pg_conf_common "$PG_PORT"
    cat <<'EOF'
# Streaming replication (wal_level = replica and max_wal_senders = 10 are Postgres 15's
# defaults). A replica's slot keeps the WAL it has not received, up to this much; past it the
# primary lets go, rather than fill its disk for a replica gone for good (as in compose).
max_slot_wal_keep_size = 1GB
EOF
  } | install_pg_conf "$PG_DATA/headroom.conf"
}

# pg_conf_common PORT: what the primary and its replica share. A hot standby refuses to start
# with a smaller max_connections than its primary's, so the two never differ.
pg_conf_common() {
  cat <<EOF
# Written by infra/native/services.sh on every up; edits here are overwritten.
listen_addresses = '127.0.0.1'
port = $1
# TCP only: no socket in /var/run/postgresql, which belongs to the machine's own cluster.
unix_socket_directories = ''
# Room for the API's pool, the worker's, vitest workers in parallel and a psql or two.
max_connections = 200
shared_buffers = 256MB
timezone = 'UTC'
# Per-statement counts and times, for the dashboard's slow-statements panel (the Postgres
# exporter reads them: infra/postgres-exporter/queries.yaml). Loaded at server start: a server
# running from before takes it at its next restart. track = top: statements the apps send,
# not those run inside functions.
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
EOF
  if ((DURABLE)); then
    echo "# stack profile: fsync stays on; this data should survive a power cut."
  else
    cat <<'EOF'
# test and e2e profiles: the data is recreated by every run, so crash safety buys nothing and
# costs a disk flush per commit. These three make migrations and seeding several times
# faster. Never copy them to a database whose data matters.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi
}

# install_pg_conf FILE: writes stdin to FILE, owned by the server's user.
install_pg_conf() {
  cat >"$1"
  if is_root; then
    chown postgres:postgres "$1"
  fi
}

pg_running() {
  [[ -n ${PG_BIN:-} ]] && pg_initialized &&
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_accepts_connections() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 1
}

psql_headroom() {
  PGPASSWORD=$DB_PASSWORD "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
    -U "$DB_USER" "$@"
}

ensure_database() {
  local exists
  exists="$(psql_headroom -d postgres -tAc "select 1 from pg_database where datname = '$DB_NAME'")"
  if [[ $exists != 1 ]]; then
    psql_headroom -d postgres -c "create database $DB_NAME"
  fi
  # The apps' statement and idle-in-transaction timeouts, on their role: PgBouncer would drop
  # them from a connection URL (the file says why each value). Applied on every up; idempotent.
  psql_headroom -d postgres -f "$REPO_ROOT/infra/postgres/app-role-timeouts.sql"
  # The view the Postgres exporter reads slow statements from (docs/observability.md).
  psql_headroom -d "$DB_NAME" -f "$REPO_ROOT/infra/postgres/pg-stat-statements.sql"
}

pg_up() {
  pg_init
  if pg_running; then
    write_pg_conf
    # Settings Postgres can change while running take effect now; the rest at the next start.
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" reload >/dev/null
    echo "postgres ($PROFILE): already running on 127.0.0.1:$PG_PORT"
  else
    if port_in_use "$PG_PORT"; then
      die "port $PG_PORT is taken by another process; set $(profile_variable "$PROFILE" PG_PORT) to use another"
    fi
    write_pg_conf
    # 9>&-: the server must not inherit the profile lock (see lock_profile).
    if ! as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" \
      -w -t "$PG_START_TIMEOUT" start >/dev/null 9>&-; then
      tail -n 20 "$PG_DATA/server.log" >&2 || true
      die "postgres ($PROFILE) did not start (log: $(rel "$PG_DATA")/server.log)"
    fi
    echo "postgres ($PROFILE): started on 127.0.0.1:$PG_PORT, data in $(rel "$PG_DATA")"
  fi
  if ! wait_until "$READY_TIMEOUT" pg_accepts_connections; then
    die "postgres ($PROFILE) is not accepting connections on 127.0.0.1:$PG_PORT after ${READY_TIMEOUT}s"
  fi
  ensure_database
}

pg_down() {
  if ! pg_running; then
    echo "postgres ($PROFILE): not running"
    return 0
  fi
  # fast: roll back open transactions and stop now, rather than wait for clients to leave.
  as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
  echo "postgres ($PROFILE): stopped"
}

# --- PostgreSQL replica (stack and e2e) ----------------------------------------------------
# A hot standby streaming the primary's WAL, as compose's postgres-replica: a copy made with
# pg_basebackup through a replication slot, standby.signal, and primary_conninfo in its own
# headroom.conf. The API reads from it through PgBouncer (docs/database.md, "Read replicas").

replica_initialized() {
  [[ -s $PG_REPLICA_DATA/PG_VERSION ]]
}

replica_running() {
  [[ -n ${PG_BIN:-} ]] && replica_initialized &&
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_REPLICA_DATA" status >/dev/null 2>&1
}

replica_accepts_connections() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_REPLICA_PORT" -t 1
}

# Whether the replica receives the primary's WAL now. A standby cut off from its primary
# still accepts connections, serving older and older data.
replica_streaming() {
  [[ "$(PGPASSWORD=$DB_PASSWORD "$PG_BIN/psql" -X -h 127.0.0.1 -p "$PG_REPLICA_PORT" \
    -U "$DB_USER" -d postgres -tAc 'select status from pg_stat_wal_receiver' 2>/dev/null)" == streaming ]]
}

# The replication role and the slot, on the primary; nothing when they exist.
ensure_replication_role() {
  psql_headroom -d postgres -v role="$REPLICATION_USER" -v password="$REPLICATION_PASSWORD" \
    >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I WITH LOGIN REPLICATION PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SQL
}

# The slot's wal_status on the primary (reserved, extended, unreserved, lost), or nothing.
replication_slot_state() {
  psql_headroom -d postgres -tAc \
    "select wal_status from pg_replication_slots where slot_name = '$REPLICATION_SLOT'"
}

# The cluster's identity: initdb picks it, and every copy of the cluster keeps it.
primary_system_identifier() {
  psql_headroom -d postgres -tAc 'select system_identifier from pg_control_system()'
}

replica_system_identifier() {
  as_pg_owner env LC_ALL=C "$PG_BIN/pg_controldata" "$PG_REPLICA_DATA" |
    sed -n 's/^Database system identifier: *//p'
}

# Why the replica's copy cannot follow the primary, or nothing when it can: it was copied
# from an earlier primary (.local/<profile>/postgres was deleted and made again), or the slot
# it streams through is gone or lost (the primary dropped WAL the replica had not received).
replica_unusable_reason() {
  local slot
  # Left by postgres-failover.sh: this copy was the primary, and may hold commits the new
  # primary never received (a diverged timeline); it is never started again as it is.
  if [[ -e $PG_REPLICA_DATA/headroom.fenced ]]; then
    echo "it was the primary until a failover"
    return 0
  fi
  if [[ "$(replica_system_identifier)" != "$(primary_system_identifier)" ]]; then
    echo "it is a copy of an earlier primary"
    return 0
  fi
  slot="$(replication_slot_state)"
  if [[ -z $slot ]]; then
    echo "the primary has no slot $REPLICATION_SLOT"
  elif [[ $slot == lost ]]; then
    echo "the primary dropped WAL it had not received (slot $REPLICATION_SLOT is lost)"
  fi
}

# A new copy of the primary, made aside and renamed when complete (as compose's
# replica-entrypoint.sh does): a copy cut short is never taken for a data directory. The slot
# is made afresh, so it holds WAL from where this copy starts and nothing older.
replica_create() {
  local staging="$PG_REPLICA_DATA.partial" backup_log="$STATE_DIR/pg_basebackup.log"
  log "postgres-replica ($PROFILE): copying the primary into $(rel "$PG_REPLICA_DATA")"
  ensure_replication_role
  psql_headroom -d postgres -v slot="$REPLICATION_SLOT" >/dev/null <<'SQL'
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = :'slot';
SELECT pg_create_physical_replication_slot(:'slot', true);
SQL
  rm -rf "$staging"
  mkdir -m 700 "$staging"
  if is_root; then
    chown postgres:postgres "$staging"
  fi
  if ! as_pg_owner env PGPASSWORD="$REPLICATION_PASSWORD" "$PG_BIN/pg_basebackup" \
    --no-password --host=127.0.0.1 --port="$PG_PORT" --username="$REPLICATION_USER" \
    --pgdata="$staging" --wal-method=stream --slot="$REPLICATION_SLOT" --checkpoint=fast \
    >"$backup_log" 2>&1; then
    cat "$backup_log" >&2
    die "pg_basebackup failed (log above, also in $(rel "$backup_log"))"
  fi
  # The primary's own log came with the copy.
  rm -f "$staging/server.log"
  as_pg_owner touch "$staging/standby.signal"
  mv -T "$staging" "$PG_REPLICA_DATA"
}

# Rewritten on every up, like the primary's: a moved primary port reaches primary_conninfo.
write_replica_conf() {
  {
    pg_conf_common "$PG_REPLICA_PORT"
    cat <<EOF
# A hot standby (standby.signal) of the primary on 127.0.0.1:$PG_PORT.
primary_conninfo = 'host=127.0.0.1 port=$PG_PORT user=$REPLICATION_USER password=$REPLICATION_PASSWORD application_name=$REPLICATION_SLOT'
primary_slot_name = '$REPLICATION_SLOT'
EOF
  } | install_pg_conf "$PG_REPLICA_DATA/headroom.conf"
}

replica_up() {
  local reason
  with_replica || return 0
  if replica_initialized; then
    reason="$(replica_unusable_reason)"
    if [[ -n $reason ]]; then
      log "postgres-replica ($PROFILE): $(rel "$PG_REPLICA_DATA") cannot follow the primary ($reason); making a new copy"
      replica_down >/dev/null
      rm -rf "$PG_REPLICA_DATA"
    fi
  fi
  if ! replica_initialized; then
    replica_create
  fi
  write_replica_conf
  if replica_running; then
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_REPLICA_DATA" reload >/dev/null
    echo "postgres-replica ($PROFILE): already running on 127.0.0.1:$PG_REPLICA_PORT"
  else
    if port_in_use "$PG_REPLICA_PORT"; then
      die "port $PG_REPLICA_PORT is taken by another process; set $(profile_variable "$PROFILE" PG_REPLICA_PORT) to use another"
    fi
    # 9>&-: as for the primary (see lock_profile).
    if ! as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_REPLICA_DATA" -l "$PG_REPLICA_DATA/server.log" \
      -w -t "$PG_START_TIMEOUT" start >/dev/null 9>&-; then
      tail -n 20 "$PG_REPLICA_DATA/server.log" >&2 || true
      die "postgres-replica ($PROFILE) did not start (log: $(rel "$PG_REPLICA_DATA")/server.log)"
    fi
    echo "postgres-replica ($PROFILE): started on 127.0.0.1:$PG_REPLICA_PORT, data in $(rel "$PG_REPLICA_DATA")"
  fi
  if ! wait_until "$READY_TIMEOUT" replica_accepts_connections; then
    die "postgres-replica ($PROFILE) is not accepting connections on 127.0.0.1:$PG_REPLICA_PORT after ${READY_TIMEOUT}s"
  fi
  if ! wait_until "$READY_TIMEOUT" replica_streaming; then
    tail -n 20 "$PG_REPLICA_DATA/server.log" >&2 || true
    die "postgres-replica ($PROFILE) is not streaming from the primary after ${READY_TIMEOUT}s (log: $(rel "$PG_REPLICA_DATA")/server.log; rm -rf $(rel "$PG_REPLICA_DATA") makes a new copy at the next up)"
  fi
}

replica_down() {
  with_replica || return 0
  if ! replica_running; then
    echo "postgres-replica ($PROFILE): not running"
    return 0
  fi
  as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_REPLICA_DATA" -m fast -w stop >/dev/null
  echo "postgres-replica ($PROFILE): stopped"
}

# --- Redis ------------------------------------------------------------------------------
# Two servers per profile, because their data wants opposite things when memory runs out:
#   redis        BullMQ's queues and the rate limits. A dropped key is a lost job, so
#                noeviction: when full, writes fail loudly. Durable in the stack profile.
#   redis-cache  the application cache. Every key can be rebuilt from Postgres, so when full
#                it evicts the least recently used key (allkeys-lru) to stay within
#                CACHE_REDIS_MAXMEMORY. Nothing on disk: a restart starts cold, as a cache may.
# In the stack, the queues' Redis also has a replica, redis-replica, and Sentinels
# (redis-sentinel.sh). The functions take the server's name: redis, redis-replica or redis-cache.

redis_port() {
  case $1 in
    redis-cache) echo "$CACHE_REDIS_PORT" ;;
    redis-replica) echo "$REDIS_REPLICA_PORT" ;;
    *) echo "$REDIS_PORT" ;;
  esac
}

redis_dir() {
  case $1 in
    redis-cache) echo "$CACHE_REDIS_DIR" ;;
    redis-replica) echo "$STATE_DIR/redis-replica" ;;
    *) echo "$REDIS_DIR" ;;
  esac
}

# Each server's password (requirepass), made once per profile and kept beside its data
# directory, readable by its owner only: no Redis here answers a client without it, as none
# does in compose. Read it with `cat .local/<profile>/<name>.password`, or let redis-cli do so:
#   REDISCLI_AUTH="$(cat .local/stack/redis-cache.password)" redis-cli -p 16380 FLUSHALL
redis_password() {
  # The queue's servers share one: either may be the primary the other follows (masterauth).
  local file="$STATE_DIR/${1/#redis-replica/redis}.password"
  if [[ ! -s $file ]]; then
    mkdir -p "$STATE_DIR"
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$file")
  fi
  cat "$file"
}

# Whether the running server asks for the password. One started before servers had passwords
# keeps running without one, so that clients connected to it are not cut off; it gets its
# password at its next start, and `env` prints the URL it answers to meanwhile.
redis_requires_password() {
  [[ "$(redis-cli -h 127.0.0.1 -p "$(redis_port "$1")" ping 2>/dev/null)" == NOAUTH* ]]
}

# redis-cli against server NAME, authenticated when the server asks for it.
redis_cli() {
  local name=$1
  shift
  if redis_requires_password "$name"; then
    REDISCLI_AUTH="$(redis_password "$name")" redis-cli -h 127.0.0.1 -p "$(redis_port "$name")" "$@"
  else
    redis-cli -h 127.0.0.1 -p "$(redis_port "$name")" "$@"
  fi
}

# The URL a client connects with: the password in it when the server asks for one.
redis_url() {
  local name=$1 port
  port="$(redis_port "$name")"
  if redis_pid "$name" >/dev/null && ! redis_requires_password "$name"; then
    echo "redis://127.0.0.1:$port"
  else
    echo "redis://:$(redis_password "$name")@127.0.0.1:$port"
  fi
}

# The memory settings, as `name value` words: passed as --name value at start, and applied
# with CONFIG SET to a server already running, so a changed size needs no restart.
redis_memory_settings() {
  if [[ $1 == redis-cache ]]; then
    echo maxmemory "$CACHE_REDIS_MAXMEMORY" maxmemory-policy allkeys-lru
  else
    # Redis' own default, stated so that no configuration change can make the queue evict.
    # No maxmemory natively (the machine's memory is the limit); compose sets one below its
    # container's limit.
    echo maxmemory-policy noeviction
  fi
}

# The pid of our redis-server, if it is alive. Checking the process name guards against a
# stale pid file whose number was reused by something else.
redis_pid() {
  live_pid "$(redis_dir "$1")/redis.pid" 'redis-server*'
}

redis_ping() {
  [[ "$(redis_cli "$1" ping 2>/dev/null)" == PONG ]]
}

redis_up() {
  local name=$1 pid port dir index primary persistence=() settings=() memory=()
  port="$(redis_port "$name")"
  dir="$(redis_dir "$name")"
  primary="$(queue_replica_of "$name")"
  read -ra settings <<<"$(redis_memory_settings "$name")"
  if pid="$(redis_pid "$name")"; then
    redis_cli "$name" config set "${settings[@]}" >/dev/null
    echo "$name ($PROFILE): already running on 127.0.0.1:$port (pid $pid)"
  else
    if port_in_use "$port"; then
      local variable=REDIS_PORT
      [[ $name == redis-cache ]] && variable=CACHE_REDIS_PORT
      die "port $port is taken by another process; set $(profile_variable "$PROFILE" "$variable") to use another"
    fi
    mkdir -p "$dir"
    rm -f "$dir/redis.pid"
    if [[ $name != redis-cache ]] && ((DURABLE)); then
      # The append-only file keeps every write, so queued jobs (BullMQ) survive a restart.
      persistence=(--appendonly yes)
    else
      # Test data and cached copies are thrown away: no snapshots, no append-only file.
      persistence=(--save '' --appendonly no)
    fi
    for ((index = 0; index < ${#settings[@]}; index += 2)); do
      memory+=("--${settings[index]}" "${settings[index + 1]}")
    done
    # The password comes in on standard input (`redis-server -` reads configuration there as
    # well as from its arguments), so it is not in the process list for every user to read.
    # A queue server behind Sentinels follows the current primary unless it is the primary; it
    # authenticates to it with the shared password (masterauth).
    {
      printf 'requirepass %s\n' "$(redis_password "$name")"
      if with_sentinels && [[ $name != redis-cache ]]; then
        printf 'masterauth %s\n' "$(redis_password "$name")"
        if [[ -n $primary ]]; then printf 'replicaof 127.0.0.1 %s\n' "$primary"; fi
      fi
    } | redis-server - --port "$port" --bind 127.0.0.1 --dir "$dir" --daemonize yes \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "${persistence[@]}" "${memory[@]}" 9>&-
    echo "$name ($PROFILE): started on 127.0.0.1:$port${primary:+ as a replica of :$primary}, data in $(rel "$dir")"
  fi
  if ! wait_until "$READY_TIMEOUT" redis_ping "$name"; then
    tail -n 20 "$dir/redis.log" >&2 || true
    die "$name ($PROFILE) is not answering PING on 127.0.0.1:$port after ${READY_TIMEOUT}s"
  fi
}

redis_down() {
  local name=$1 pid mode=()
  if ! pid="$(redis_pid "$name")"; then
    echo "$name ($PROFILE): not running"
    return 0
  fi
  # The stack's queue: a plain SHUTDOWN flushes the append-only file to disk before exiting.
  # The rest keep nothing, so NOSAVE skips any snapshot.
  if [[ $name == redis-cache ]] || ((!DURABLE)); then mode=(nosave); fi
  redis_cli "$name" shutdown "${mode[@]}" >/dev/null 2>&1 || true
  if ! wait_until 10 test ! -e "/proc/$pid"; then
    log "$name ($PROFILE): did not stop after SHUTDOWN, sending SIGTERM to $pid"
    kill "$pid" 2>/dev/null || true
    wait_until 10 test ! -e "/proc/$pid" || die "$name ($PROFILE) pid $pid would not stop"
  fi
  rm -f "$(redis_dir "$name")/redis.pid"
  echo "$name ($PROFILE): stopped"
}

# --- Commands ---------------------------------------------------------------------------

# One up or down at a time per profile: vitest workers, stack.sh and a person may all
# call up at once. The lock is fd 9, held until this script exits; the servers are started
# with 9>&- because a daemon that inherited it would hold the lock for its whole life.
lock_profile() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/.services.lock"
  flock -w 120 9 || die "timed out waiting for another services.sh on profile $PROFILE"
}

cmd_up() {
  local missing
  missing="$(missing_service_packages)"
  if [[ -n $missing ]]; then
    # shellcheck disable=SC2086 # one package name per word
    apt_install $missing
  fi
  PG_BIN="$(find_pg_bindir)" || die "PostgreSQL server binaries not found after install"
  cmd_ports | while read -r name port; do warn_if_ephemeral_port "$name" "$port"; done
  lock_profile
  # The replica copies the primary and streams from it, so it starts after it.
  pg_up
  replica_up
  for name in $(queue_servers_in_start_order); do redis_up "$name"; done
  redis_up redis-cache
  sentinels_up
}

cmd_down() {
  PG_BIN="$(find_pg_bindir || true)"
  lock_profile
  # The replica first: stopped before its primary, it does not spend the primary's shutdown
  # retrying to reconnect.
  replica_down
  pg_down
  if command -v redis-cli >/dev/null 2>&1; then
    sentinels_down
    if with_sentinels; then redis_down redis-replica; fi
    redis_down redis
    redis_down redis-cache
  fi
}

status_line() {
  printf '%-16s %-5s 127.0.0.1:%-6s %s\n' "$@"
}

cmd_status() {
  local state name detail
  PG_BIN="$(find_pg_bindir || true)"
  state=down
  if pg_running && pg_accepts_connections; then state=up; fi
  status_line postgres "$state" "$PG_PORT" "$(rel "$PG_DATA")"
  if with_replica; then
    state=down detail=""
    if replica_running && replica_accepts_connections; then
      state=up detail=", not streaming"
      if replica_streaming; then detail=", streaming"; fi
    fi
    status_line postgres-replica "$state" "$PG_REPLICA_PORT" "$(rel "$PG_REPLICA_DATA")$detail"
  fi
  for name in $(queue_servers_in_start_order) redis-cache; do
    state=down detail=""
    if command -v redis-cli >/dev/null 2>&1 && redis_pid "$name" >/dev/null && redis_ping "$name"; then
      state=up
      if with_sentinels && [[ $name != redis-cache ]]; then
        detail=", $(redis_cli "$name" --raw role 2>/dev/null | head -n 1)"
      fi
    fi
    status_line "$name" "$state" "$(redis_port "$name")" "$(rel "$(redis_dir "$name")")$detail"
  done
  sentinel_status | while read -r name state port detail; do
    status_line "$name" "$state" "$port" "$detail"
  done
}

# Whether the replica has replayed the primary's WAL up to LSN.
replica_replayed() {
  [[ "$(PGPASSWORD=$DB_PASSWORD "$PG_BIN/psql" -X -h 127.0.0.1 -p "$PG_REPLICA_PORT" \
    -U "$DB_USER" -d postgres -tAc "select pg_last_wal_replay_lsn() >= '$1'::pg_lsn" 2>/dev/null)" == t ]]
}

# Every run of the browser tests starts from nothing: no users, articles or rate-limit keys
# left by the previous one. Refused for the stack profile, whose data is someone's work.
cmd_reset() {
  ((!DURABLE)) || die "reset empties the database; it is only for the test and e2e profiles"
  PG_BIN="$(find_pg_bindir)" || die "PostgreSQL server binaries not found"
  lock_profile
  pg_accepts_connections || die "postgres ($PROFILE) is not running; run: services.sh up --profile $PROFILE"
  local lsn
  psql_headroom -d postgres -c "drop database if exists $DB_NAME with (force)"
  ensure_database
  if with_replica && replica_running; then
    # The new database reaches the replica through WAL; what starts next (migrations, the API
    # reading from the replica) must find it there too.
    lsn="$(psql_headroom -d postgres -tAc 'select pg_current_wal_insert_lsn()')"
    wait_until "$READY_TIMEOUT" replica_replayed "$lsn" ||
      die "postgres-replica ($PROFILE) has not replayed the reset after ${READY_TIMEOUT}s"
  fi
  redis_cli redis flushall >/dev/null
  redis_cli redis-cache flushall >/dev/null
  echo "postgres, redis and redis-cache ($PROFILE): emptied"
}

cmd_env() {
  echo "DATABASE_URL=postgresql://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
  if with_replica; then
    echo "DATABASE_REPLICA_DIRECT_URL=postgresql://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_REPLICA_PORT/$DB_NAME"
  fi
  # Behind Sentinels, REDIS_URL is the current primary, for tools (redis-cli, the exporter, npm
  # run jobs); the apps take REDIS_SENTINELS instead, and stack.sh passes them no REDIS_URL.
  echo "REDIS_URL=$(redis_url "$(queue_primary_name)")"
  echo "CACHE_REDIS_URL=$(redis_url redis-cache)"
  sentinel_env
}

cmd_ports() {
  topology_ports "$PROFILE" services.sh
}

# The replica becomes the primary: infra/native/postgres-failover.sh fences the primary,
# promotes the replica and repoints the PgBouncer whose configuration and URL are given (the
# stack's: stack.sh failover-postgres), then the swap is recorded for every later command.
# The old primary's directory is made a replica of the new primary at the next `up`.
cmd_failover() {
  local next=postgres-replica status=0
  with_replica || die "the $PROFILE profile has no replica to promote"
  [[ -n $PGBOUNCER_INI && -n $PGBOUNCER_URL ]] || usage
  PG_BIN="$(find_pg_bindir)" || die "PostgreSQL server binaries not found"
  lock_profile
  replica_running || die "postgres-replica ($PROFILE) is not running; there is nothing to promote"
  bash "$REPO_ROOT/infra/native/postgres-failover.sh" \
    --old-primary-data "$PG_DATA" --replica-data "$PG_REPLICA_DATA" \
    --replica-url "postgresql://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_REPLICA_PORT/postgres" \
    --pgbouncer-ini "$PGBOUNCER_INI" --pgbouncer-url "$PGBOUNCER_URL" || status=$?
  # Recorded once the replica is promoted (promotion removes its standby.signal), even if a
  # later step failed: from then on it is the primary, whatever PgBouncer says.
  if [[ ! -e $PG_REPLICA_DATA/standby.signal ]]; then
    [[ $PG_DATA == "$STATE_DIR/postgres-replica" ]] && next=postgres
    echo "$next" >"$PG_PRIMARY_FILE"
  fi
  ((status == 0)) || die "the failover stopped before its end (output above)"
  echo "postgres ($PROFILE): the primary is now $(rel "$PG_REPLICA_DATA") on 127.0.0.1:$PG_REPLICA_PORT; \`up\` rebuilds the replica in $(rel "$PG_DATA")"
}

main() {
  (($# >= 1)) || usage
  local command=$1 profile=stack
  PGBOUNCER_INI="" PGBOUNCER_URL=""
  shift
  while (($# > 0)); do
    case $1 in
      --profile) (($# >= 2)) || usage; profile=$2; shift 2 ;;
      --profile=*) profile=${1#--profile=}; shift ;;
      # failover only: the PgBouncer to repoint.
      --pgbouncer-ini) (($# >= 2)) || usage; PGBOUNCER_INI=$2; shift 2 ;;
      --pgbouncer-url) (($# >= 2)) || usage; PGBOUNCER_URL=$2; shift 2 ;;
      *) usage ;;
    esac
  done
  configure_profile "$profile"
  case $command in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    ports) cmd_ports ;;
    reset) cmd_reset ;;
    failover) cmd_failover ;;
    *) usage ;;
  esac
}

main "$@"
