#!/usr/bin/env bash
# Private PostgreSQL and Redis instances for this checkout, on their own ports and data
# directories under .local/, so they never touch the machine's own services.
#
#   services.sh up|down|status|env|ports|reset [--profile stack|test|e2e]
#
# stack: the native dev stack (durable). test: what the test suite uses (fast, disposable).
# e2e: the stack the browser tests run against (stack.sh --profile e2e; fast, disposable).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly DB_USER=headroom
readonly DB_PASSWORD=headroom
readonly DB_NAME=headroom
# Bounded waits: a healthy start takes one or two seconds here.
readonly PG_START_TIMEOUT=60
readonly READY_TIMEOUT=30

usage() {
  cat >&2 <<'EOF'
usage: services.sh up|down|status|env|ports|reset [--profile stack|test|e2e]

  up      start PostgreSQL and Redis for the profile (installs them first if missing)
  down    stop both
  status  print whether each is up
  env     print DATABASE_URL and REDIS_URL lines, for: set -a; eval "$(services.sh env)"; set +a
  ports   print each service's name and TCP port, one per line
  reset   empty both: a new database, no Redis keys (test and e2e only; they must be up)

Ports can be overridden with HEADROOM_PG_PORT and HEADROOM_REDIS_PORT for the stack profile,
HEADROOM_TEST_PG_PORT, HEADROOM_E2E_REDIS_PORT and so on for the others.
EOF
  exit 2
}

# Sets the profile's ports, paths and durability.
configure_profile() {
  PROFILE=$1
  case $PROFILE in
    stack)
      PG_PORT="$(profile_setting stack PG_PORT 15432)"
      REDIS_PORT="$(profile_setting stack REDIS_PORT 16379)"
      DURABLE=1
      ;;
    test)
      PG_PORT="$(profile_setting test PG_PORT 15442)"
      REDIS_PORT="$(profile_setting test REDIS_PORT 16389)"
      DURABLE=0
      ;;
    e2e)
      PG_PORT="$(profile_setting e2e PG_PORT 15452)"
      REDIS_PORT="$(profile_setting e2e REDIS_PORT 16399)"
      DURABLE=0
      ;;
    *) die "unknown profile '$PROFILE' (expected stack, test or e2e)" ;;
  esac
  STATE_DIR="$REPO_ROOT/.local/$PROFILE"
  PG_DATA="$STATE_DIR/postgres"
  REDIS_DIR="$STATE_DIR/redis"
  REDIS_PID_FILE="$REDIS_DIR/redis.pid"
  REDIS_LOG="$REDIS_DIR/redis.log"
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
# start without recreating the cluster.
write_pg_conf() {
  local conf="$PG_DATA/headroom.conf"
  {
    cat <<EOF
# Written by infra/native/services.sh on every up; edits here are overwritten.
listen_addresses = '127.0.0.1'
port = $PG_PORT
# TCP only: no socket in /var/run/postgresql, which belongs to the machine's own cluster.
unix_socket_directories = ''
# Room for the API's pool, the worker's, vitest workers in parallel and a psql or two.
max_connections = 200
shared_buffers = 256MB
timezone = 'UTC'
EOF
    if ((DURABLE)); then
      echo "# stack profile: fsync stays on; this data should survive a power cut."
    else
      cat <<'EOF'
# test profile: the data is recreated by every run, so crash safety buys nothing and
# costs a disk flush per commit. These three make migrations and seeding several times
# faster. Never copy them to a database whose data matters.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    fi
  } >"$conf"
  if is_root; then
    chown postgres:postgres "$conf"
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
}

pg_up() {
  pg_init
  if pg_running; then
    write_pg_conf
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

# --- Redis ------------------------------------------------------------------------------

# The pid of our redis-server, if it is alive. Checking the process name guards against a
# stale pid file whose number was reused by something else.
redis_pid() {
  live_pid "$REDIS_PID_FILE" 'redis-server*'
}

redis_ping() {
  [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
}

redis_up() {
  local pid persistence
  if pid="$(redis_pid)"; then
    echo "redis ($PROFILE): already running on 127.0.0.1:$REDIS_PORT (pid $pid)"
  else
    if port_in_use "$REDIS_PORT"; then
      die "port $REDIS_PORT is taken by another process; set $(profile_variable "$PROFILE" REDIS_PORT) to use another"
    fi
    mkdir -p "$REDIS_DIR"
    rm -f "$REDIS_PID_FILE"
    if ((DURABLE)); then
      # The append-only file keeps every write, so queued jobs (BullMQ) survive a restart.
      persistence=(--appendonly yes)
    else
      # Test data is thrown away: no snapshots, no append-only file, no disk writes.
      persistence=(--save '' --appendonly no)
    fi
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" \
      --daemonize yes --pidfile "$REDIS_PID_FILE" --logfile "$REDIS_LOG" "${persistence[@]}" 9>&-
    echo "redis ($PROFILE): started on 127.0.0.1:$REDIS_PORT, data in $(rel "$REDIS_DIR")"
  fi
  if ! wait_until "$READY_TIMEOUT" redis_ping; then
    tail -n 20 "$REDIS_LOG" >&2 || true
    die "redis ($PROFILE) is not answering PING on 127.0.0.1:$REDIS_PORT after ${READY_TIMEOUT}s"
  fi
}

redis_down() {
  local pid mode=()
  if ! pid="$(redis_pid)"; then
    echo "redis ($PROFILE): not running"
    return 0
  fi
  # stack: a plain SHUTDOWN flushes the append-only file to disk before exiting.
  # test: nothing to keep, so NOSAVE skips any snapshot.
  if ((!DURABLE)); then mode=(nosave); fi
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown "${mode[@]}" >/dev/null 2>&1 || true
  if ! wait_until 10 test ! -e "/proc/$pid"; then
    log "redis ($PROFILE): did not stop after SHUTDOWN, sending SIGTERM to $pid"
    kill "$pid" 2>/dev/null || true
    wait_until 10 test ! -e "/proc/$pid" || die "redis ($PROFILE) pid $pid would not stop"
  fi
  rm -f "$REDIS_PID_FILE"
  echo "redis ($PROFILE): stopped"
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
  pg_up
  redis_up
}

cmd_down() {
  PG_BIN="$(find_pg_bindir || true)"
  lock_profile
  pg_down
  if command -v redis-cli >/dev/null 2>&1; then
    redis_down
  fi
}

cmd_status() {
  local state
  PG_BIN="$(find_pg_bindir || true)"
  state=down
  if pg_running && pg_accepts_connections; then state=up; fi
  printf '%-9s %-5s 127.0.0.1:%-6s %s\n' postgres "$state" "$PG_PORT" "$(rel "$PG_DATA")"
  state=down
  if command -v redis-cli >/dev/null 2>&1 && redis_pid >/dev/null && redis_ping; then state=up; fi
  printf '%-9s %-5s 127.0.0.1:%-6s %s\n' redis "$state" "$REDIS_PORT" "$(rel "$REDIS_DIR")"
}

# Every run of the browser tests starts from nothing: no users, articles or rate-limit keys
# left by the previous one. Refused for the stack profile, whose data is someone's work.
cmd_reset() {
  ((!DURABLE)) || die "reset empties the database; it is only for the test and e2e profiles"
  PG_BIN="$(find_pg_bindir)" || die "PostgreSQL server binaries not found"
  lock_profile
  pg_accepts_connections || die "postgres ($PROFILE) is not running; run: services.sh up --profile $PROFILE"
  psql_headroom -d postgres -c "drop database if exists $DB_NAME with (force)"
  ensure_database
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" flushall >/dev/null
  echo "postgres and redis ($PROFILE): emptied"
}

cmd_env() {
  echo "DATABASE_URL=postgresql://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
}

cmd_ports() {
  echo "postgres $PG_PORT"
  echo "redis $REDIS_PORT"
}

main() {
  (($# >= 1)) || usage
  local command=$1 profile=stack
  shift
  while (($# > 0)); do
    case $1 in
      --profile) (($# >= 2)) || usage; profile=$2; shift 2 ;;
      --profile=*) profile=${1#--profile=}; shift ;;
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
    *) usage ;;
  esac
}

main "$@"
