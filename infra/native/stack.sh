#!/usr/bin/env bash
# The native dev stack: the API on this machine against private Postgres and Redis, with no
# Docker. Works from a fresh clone: it provisions Node 24, installs dependencies, migrates
# and seeds before starting anything.
#
#   stack.sh start    run the API in the foreground (Ctrl-C stops it; services stay up)
#   stack.sh up       run the API in the background and wait until it is ready
#   stack.sh down     stop the API and the services
#   stack.sh status   each part and its health
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$REPO_ROOT/infra/native/node-runtime.sh"

readonly SERVICES="$REPO_ROOT/infra/native/services.sh"
readonly STATE_DIR="$REPO_ROOT/.local/stack"
readonly API_PID_FILE="$STATE_DIR/api.pid"
readonly API_LOG="$STATE_DIR/api.log"
readonly JWT_SECRET_FILE="$STATE_DIR/jwt-secret"
readonly API_PORT=${HEADROOM_API_PORT:-8080}
readonly METRICS_PORT=${HEADROOM_METRICS_PORT:-9464}
readonly API_URL="http://127.0.0.1:$API_PORT/api"
# A cold start (tsx compiling TypeScript, Prisma connecting) takes a few seconds here.
readonly READY_TIMEOUT=60
# The API drains in-flight requests for up to SHUTDOWN_TIMEOUT_MS (10 s by default) after
# SIGTERM, so it gets a little more than that before SIGKILL.
readonly STOP_TIMEOUT=15

# A random secret made once per checkout and reused, so that tokens issued before a
# restart stay valid. Only for this local stack; deployments bring their own.
jwt_secret() {
  if [[ ! -s $JWT_SECRET_FILE ]]; then
    mkdir -p "$STATE_DIR"
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$JWT_SECRET_FILE")
  fi
  cat "$JWT_SECRET_FILE"
}

# Everything the API needs before it can start, each step a no-op when already done.
prepare() {
  cd "$REPO_ROOT"
  ensure_node_modules
  log "==> prisma client"
  npm run --silent db:generate
  log "==> services"
  bash "$SERVICES" up --profile stack
  set -a
  eval "$(bash "$SERVICES" env --profile stack)"
  set +a
  log "==> migrations"
  npm run --silent db:migrate
  log "==> seed (skipped when the database already has data)"
  # The workspace script directly: the root alias db:seed is itself `npm run seed -w ...`,
  # whose npm would take a trailing --if-empty as one of its own options.
  npm run --silent seed -w @headroom/db -- --if-empty

  export PORT=$API_PORT HOST=127.0.0.1 METRICS_PORT NODE_ENV=development
  JWT_SECRET="$(jwt_secret)"
  export JWT_SECRET
}

print_locations() {
  cat <<EOF
api      $API_URL
docs     $API_URL/docs
metrics  http://127.0.0.1:$METRICS_PORT/metrics
logs     $(if [[ -f $API_PID_FILE ]]; then echo ".local/stack/api.log"; else echo "this terminal"; fi)
$(bash "$SERVICES" env --profile stack)
EOF
}

# The API runs in its own process group (setsid), led by npm; the pid file holds the
# group id. A group outlives its leader, so "running" means any member is alive.
api_pgid() {
  local pgid
  [[ -f $API_PID_FILE ]] || return 1
  pgid="$(cat "$API_PID_FILE")"
  [[ $pgid =~ ^[0-9]+$ ]] || return 1
  kill -0 -- "-$pgid" 2>/dev/null || return 1
  printf '%s\n' "$pgid"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

readyz_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$API_URL/readyz" || true
}

require_curl() {
  command -v curl >/dev/null 2>&1 || die "curl is needed to check the API's health (apt-get install -y curl)"
}

# SIGTERM to the whole group reaches the node process once (npm forwards it only to the
# shell running the script, which does not pass it on), then SIGKILL if it overstays.
stop_api() {
  local pgid deadline
  if ! pgid="$(api_pgid)"; then
    rm -f "$API_PID_FILE"
    echo "api: not running"
    return 0
  fi
  kill -TERM -- "-$pgid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 -- "-$pgid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "api: still running ${STOP_TIMEOUT}s after SIGTERM, sending SIGKILL"
      kill -KILL -- "-$pgid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$API_PID_FILE"
  echo "api: stopped"
}

cmd_start() {
  local pgid
  if pgid="$(api_pgid)"; then
    die "the API is already running in the background (process group $pgid); run: npm run stack:down"
  fi
  port_in_use "$API_PORT" && die "port $API_PORT is taken by another process (stack.sh start in another terminal?)"
  prepare
  echo
  print_locations
  echo
  exec npm start -w @headroom/api
}

cmd_up() {
  local pgid code deadline
  require_curl
  if pgid="$(api_pgid)"; then
    echo "stack: already up (api process group $pgid, readyz $(readyz_code))"
    print_locations
    return 0
  fi
  port_in_use "$API_PORT" && die "port $API_PORT is taken by another process (stack.sh start in another terminal?)"
  prepare

  log "==> api (background, log in .local/stack/api.log)"
  # setsid gives the API its own process group, so down can signal all of it; nohup and
  # </dev/null keep it alive after this terminal closes.
  setsid nohup npm start -w @headroom/api >"$API_LOG" 2>&1 </dev/null &
  echo $! >"$API_PID_FILE"
  # Not this shell's job any more: no "Killed" notice if down has to SIGKILL it.
  disown

  deadline=$((SECONDS + READY_TIMEOUT))
  until curl -fsS -o /dev/null --max-time 2 "$API_URL/readyz" 2>/dev/null; do
    if ! api_pgid >/dev/null; then
      tail -n 40 "$API_LOG" >&2
      rm -f "$API_PID_FILE"
      die "the API exited during start-up (last lines of .local/stack/api.log above)"
    fi
    if ((SECONDS >= deadline)); then
      code="$(readyz_code)"
      tail -n 40 "$API_LOG" >&2
      # Stopped rather than left half-started, so the next up starts clean.
      stop_api >&2
      die "the API was not ready after ${READY_TIMEOUT}s (readyz: $code; last lines of .local/stack/api.log above)"
    fi
    sleep 0.5
  done
  echo "stack: up"
  print_locations
}

cmd_down() {
  stop_api
  bash "$SERVICES" down --profile stack
}

cmd_status() {
  local pgid code state=down detail
  code="$(readyz_code)"
  detail="readyz $code"
  if pgid="$(api_pgid)"; then
    state=up
    detail="$detail, process group $pgid"
  elif [[ $code != 000 ]]; then
    # Something answers on the port: most likely `stack.sh start` in another terminal.
    state=up
    detail="$detail, not started by stack.sh up"
  fi
  printf '%-9s %-5s %-23s %s\n' api "$state" "$API_URL" "$detail"
  bash "$SERVICES" status --profile stack
}

case ${1:-} in
  start) cmd_start ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: stack.sh start|up|down|status" >&2
    exit 2
    ;;
esac
