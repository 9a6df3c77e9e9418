#!/usr/bin/env bash
# Makes the streaming replica the primary when the primary has died: fence the old primary,
# promote the replica, repoint PgBouncer at it. The one failover procedure of the native
# topology: `npm run stack:failover-postgres` (stack.sh, through services.sh failover) runs it
# on the stack's servers, and load-tests/faults/postgres-failover.fault.test.ts runs it on
# private ones, so the rehearsed procedure and the measured one are the same code.
#
#   postgres-failover.sh --old-primary-data DIR --replica-data DIR --replica-url URL \
#                        --pgbouncer-ini FILE --pgbouncer-url URL
#
#   --old-primary-data  the dead (or failing) primary's data directory, on this machine
#   --replica-data      the hot standby's data directory
#   --replica-url       a superuser's URL of the standby (postgresql://user:pw@host:port/db)
#   --pgbouncer-ini     PgBouncer's rendered configuration (infra/pgbouncer/pgbouncer.ini.template)
#   --pgbouncer-url     the apps' URL through PgBouncer, to see writes reach the new primary
#
# Each step is printed with the milliseconds it took, and the last line is the total. What a
# failover may lose (replication is asynchronous), and how to rebuild a replica afterwards:
# docs/high-availability.md.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# pg_ctl's wait for the old primary to stop and for the promotion to finish; both take well
# under a second here.
readonly PG_CTL_TIMEOUT_SECONDS=30
# How long PgBouncer gets to reread its file and hand a write to the new primary.
readonly PGBOUNCER_REPOINT_TIMEOUT_SECONDS=15
# Left in the old primary's directory: services.sh never starts a fenced directory again, it
# copies the new primary over it (docs/high-availability.md, "Rebuilding the replica").
readonly FENCE_MARKER=headroom.fenced

usage() {
  sed -n '8,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

now_ms() {
  date +%s%3N
}

# step NAME STARTED_MS: one line per step, for the operator and for the fault test's log.
step() {
  printf 'failover: %-44s %6d ms\n' "$1" "$(($(now_ms) - $2))"
}

as_pg_owner() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# psql_at URL SQL: one value, unaligned.
psql_at() {
  "$PG_BIN/psql" -X -q -tA -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# Whether the postmaster of data directory $1 runs. Not `pg_ctl status`: a postmaster killed
# whose parent never reaps it (an orphan under a container's init that reaps nothing) stays a
# zombie, which pg_ctl takes for a running server and then waits forever to stop.
postmaster_running() {
  local pid state
  [[ -r $1/postmaster.pid ]] || return 1
  read -r pid <"$1/postmaster.pid"
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/stat ]] || return 1
  state="$(sed -E 's/^[0-9]+ \(.*\) ([A-Z]).*/\1/' "/proc/$pid/stat")"
  [[ $state != Z && $state != X ]]
}

# 1. The old primary must never take a write again: a client or a PgBouncer still pointing at it
# would otherwise write to a server nobody reads (split brain). If it still runs (it answers
# but is failing, or an operator moves the primary on purpose), it is stopped at once
# (immediate: no checkpoint, every session cut). standby.signal makes it start read-only if
# someone starts it by hand, and the marker tells services.sh to copy the new primary over it.
fence_old_primary() {
  local started
  started="$(now_ms)"
  if [[ ! -d $OLD_PRIMARY_DATA ]]; then
    step "fenced: old primary's directory is gone" "$started"
    return 0
  fi
  if postmaster_running "$OLD_PRIMARY_DATA"; then
    as_pg_owner "$PG_BIN/pg_ctl" -D "$OLD_PRIMARY_DATA" -m immediate -w \
      -t "$PG_CTL_TIMEOUT_SECONDS" stop >/dev/null
    step "fenced: old primary was running, stopped" "$started"
  else
    step "fenced: old primary not running" "$started"
  fi
  as_pg_owner touch "$OLD_PRIMARY_DATA/standby.signal" "$OLD_PRIMARY_DATA/$FENCE_MARKER"
}

# 2. pg_ctl promote ends recovery: the standby replays what it has received, switches to a new
# timeline and accepts writes. -w waits until it does.
promote_replica() {
  local started received
  started="$(now_ms)"
  [[ "$(psql_at "$REPLICA_URL" 'select pg_is_in_recovery()')" == t ]] ||
    die "the server at $(redact "$REPLICA_URL") is not a standby; nothing to promote"
  # What the replica had received when the primary died: a commit acknowledged past this point
  # is lost (asynchronous replication).
  received="$(psql_at "$REPLICA_URL" 'select coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())')"
  as_pg_owner "$PG_BIN/pg_ctl" -D "$REPLICA_DATA" -w -t "$PG_CTL_TIMEOUT_SECONDS" promote >/dev/null
  [[ "$(psql_at "$REPLICA_URL" 'select pg_is_in_recovery()')" == f ]] ||
    die "the replica did not leave recovery after pg_ctl promote"
  step "promoted: replica is the primary (WAL to $received)" "$started"
}

# 3. Both of PgBouncer's databases point at the new primary: `headroom` for writes, and
# `headroom_replica` for the API's replica reads until a new replica exists (the API's read
# routing sees a server that is not a standby and sends those reads to the primary's pool).
# SIGHUP is PgBouncer's RELOAD: it rereads the file, keeps every client connection (the apps'
# pools never notice) and replaces the server connections of a database whose address changed.
# A restart would drop every client connection and refuse new ones while it starts.
repoint_pgbouncer() {
  local started port pid_file pid
  started="$(now_ms)"
  port="$(url_port "$REPLICA_URL")"
  # Rewritten in place (not replaced), so the file keeps its owner and mode.
  sed -E "s/^(headroom(_replica)? = host=)[^ ]+ port=[0-9]+/\\1127.0.0.1 port=$port/" \
    "$PGBOUNCER_INI" >"$PGBOUNCER_INI.failover"
  cat "$PGBOUNCER_INI.failover" >"$PGBOUNCER_INI"
  rm -f "$PGBOUNCER_INI.failover"
  pid_file="$(sed -n 's/^pidfile = //p' "$PGBOUNCER_INI")"
  pid="$(live_pid "$pid_file" pgbouncer)" || die "PgBouncer is not running (pid file $pid_file)"
  kill -HUP "$pid"
  # Done when a transaction through PgBouncer reaches a server that takes writes.
  wait_until "$PGBOUNCER_REPOINT_TIMEOUT_SECONDS" writes_through_pgbouncer ||
    die "PgBouncer does not reach the new primary ${PGBOUNCER_REPOINT_TIMEOUT_SECONDS}s after its reload"
  step "pgbouncer reloaded: both databases -> :$port" "$started"
}

writes_through_pgbouncer() {
  [[ "$(psql_at "$PGBOUNCER_URL" 'select not pg_is_in_recovery()' 2>/dev/null)" == t ]]
}

# url_port URL: the port in postgresql://user:password@host:PORT/database.
url_port() {
  local port=${1##*:}
  printf '%s\n' "${port%%/*}"
}

redact() {
  printf '%s\n' "$1" | sed -E 's#//([^:/@]+):[^@]*@#//\1:***@#'
}

main() {
  local started
  OLD_PRIMARY_DATA="" REPLICA_DATA="" REPLICA_URL="" PGBOUNCER_INI="" PGBOUNCER_URL=""
  while (($# > 0)); do
    (($# >= 2)) || usage
    case $1 in
      --old-primary-data) OLD_PRIMARY_DATA=$2 ;;
      --replica-data) REPLICA_DATA=$2 ;;
      --replica-url) REPLICA_URL=$2 ;;
      --pgbouncer-ini) PGBOUNCER_INI=$2 ;;
      --pgbouncer-url) PGBOUNCER_URL=$2 ;;
      *) usage ;;
    esac
    shift 2
  done
  [[ -n $OLD_PRIMARY_DATA && -n $REPLICA_DATA && -n $REPLICA_URL && -n $PGBOUNCER_INI && -n $PGBOUNCER_URL ]] ||
    usage
  PG_BIN="$(find_pg_bindir)" || die "PostgreSQL server binaries not found"
  started="$(now_ms)"
  fence_old_primary
  promote_replica
  repoint_pgbouncer
  step "done: writes go to the new primary" "$started"
}

main "$@"
