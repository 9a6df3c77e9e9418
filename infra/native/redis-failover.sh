#!/usr/bin/env bash
# Rehearses a failover of the queues' Redis in the running native stack, with the apps left
# alone: kills the primary (SIGKILL: a crash), waits for the Sentinels to promote the replica,
# and measures how long API process 1 answered readyz (which pings Redis) with 503; then
# starts the old primary again, which comes back as a replica of the new one
# (services.sh up, redis-sentinel.sh). The API and worker processes keep running throughout:
# they reach the new primary through the Sentinels.
#
#   bash infra/native/redis-failover.sh [--profile stack]      (npm run stack:failover-redis)
#
# Under write load, with every event checked: load-tests/faults/redis-failover.fault.test.ts,
# whose figures docs/high-availability.md quotes.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly SERVICES="$REPO_ROOT/infra/native/services.sh"
readonly STACK="$REPO_ROOT/infra/native/stack.sh"
readonly SENTINEL_MASTER_NAME=queue
# Promotion takes Sentinel's down-after (infra/redis-sentinel/sentinel.conf) and a second or
# two more; past this something is wrong (no quorum, no replica in sync).
readonly PROMOTION_TIMEOUT=30
# readyz must answer 200 this long without a 503 before the outage counts as over.
readonly STEADY_SECONDS=2
readonly PROBE_INTERVAL=0.1

profile=stack
while (($# > 0)); do
  case $1 in
    --profile) (($# >= 2)) || die "--profile needs a value"; profile=$2; shift 2 ;;
    --profile=*) profile=${1#--profile=}; shift ;;
    *) die "usage: redis-failover.sh [--profile stack]" ;;
  esac
done

# part_port NAME: NAME's port in `stack.sh ports`.
part_port() {
  bash "$STACK" ports --profile "$profile" | awk -v name="$1" '$1 == name { print $2 }'
}

# Every Sentinel's port: any one of them that answers names the primary, as for the apps, so
# a rehearsal with a Sentinel down (the quorum is 2 of 3) still runs.
mapfile -t sentinel_ports < <(bash "$STACK" ports --profile "$profile" |
  awk '$1 ~ /^redis-sentinel-[0-9]+$/ { print $2 }')
((${#sentinel_ports[@]} > 0)) || die "the $profile profile has no Sentinels (infra/topology/ports.txt)"
api_port="$(part_port api-1)"
password_file="$REPO_ROOT/.local/$profile/redis.password"
[[ -s $password_file ]] || die "no $(rel "$password_file"): is the $profile stack up? (npm run stack:up)"
export REDISCLI_AUTH
REDISCLI_AUTH="$(cat "$password_file")"

# The primary's port as the first Sentinel that answers names it; empty when none answers.
primary_port() {
  local port answer
  for port in "${sentinel_ports[@]}"; do
    answer="$(redis-cli -h 127.0.0.1 -p "$port" --raw sentinel get-master-addr-by-name \
      "$SENTINEL_MASTER_NAME" 2>/dev/null | sed -n 2p)" || answer=""
    if [[ -n $answer ]]; then
      echo "$answer"
      return 0
    fi
  done
}

role_of() {
  redis-cli -h 127.0.0.1 -p "$1" --raw role 2>/dev/null | head -n 1
}

readyz() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$api_port/api/readyz" || true
}

now_ms() { date +%s%3N; }

old_port="$(primary_port)"
[[ -n $old_port ]] ||
  die "no Sentinel (:${sentinel_ports[*]}) names a primary '$SENTINEL_MASTER_NAME'; npm run stack:status"
[[ "$(readyz)" == 200 ]] || die "api-1 (:$api_port) is not ready before the failover; npm run stack:status"
old_pid="$(redis-cli -h 127.0.0.1 -p "$old_port" info server | sed -n 's/^process_id:\([0-9]*\).*/\1/p')"
[[ -n $old_pid ]] || die "the primary :$old_port does not answer"

log "killing the queues' primary :$old_port (pid $old_pid)"
killed_at="$(now_ms)"
kill -KILL "$old_pid"

promoted_at="" first_503="" last_503="" steady_since=""
while :; do
  now="$(now_ms)"
  if [[ -z $promoted_at ]]; then
    new_port="$(primary_port)"
    if [[ -n $new_port && $new_port != "$old_port" ]]; then promoted_at=$now; fi
    if ((now - killed_at > PROMOTION_TIMEOUT * 1000)); then
      die "the Sentinels did not promote a replica within ${PROMOTION_TIMEOUT}s (bash $SERVICES status)"
    fi
  fi
  if [[ "$(readyz)" == 200 ]]; then
    steady_since=${steady_since:-$now}
    if [[ -n $promoted_at ]] && ((now - steady_since >= STEADY_SECONDS * 1000)); then break; fi
  else
    first_503=${first_503:-$now}
    last_503=$now
    steady_since=""
  fi
  sleep "$PROBE_INTERVAL"
done

seconds() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
outage=0
if [[ -n $last_503 ]]; then outage=$((last_503 - killed_at)); fi
echo "redis failover ($profile): primary :$old_port killed; the Sentinels promoted :$new_port after $(seconds $((promoted_at - killed_at))) s; api-1 readyz answered 503 until $(seconds "$outage") s after the kill; the API and worker processes were not restarted"

log "starting :$old_port again, as a replica of :$new_port"
bash "$SERVICES" up --profile "$profile" >/dev/null
old_primary_follows() { [[ "$(role_of "$old_port")" == slave ]]; }
wait_until 30 old_primary_follows ||
  die ":$old_port came back but is not a replica ($(role_of "$old_port"))"
echo "redis failover ($profile): :$old_port is a replica of :$new_port; npm run stack:status shows each server's role"
