#!/usr/bin/env bash
# The native stack: the API, the web origin and the edge on this machine against private
# Postgres and Redis, with no Docker. Works from a fresh clone: it provisions Node 24, installs
# dependencies, builds the site, migrates and seeds before starting anything.
#
#   stack.sh start   [--profile P]   the API in the foreground (Ctrl-C stops it; the rest stays up)
#   stack.sh up      [--profile P]   everything in the background; returns once all is healthy
#   stack.sh down    [--profile P]   stop the API, the edge, the web origin and the services
#   stack.sh status  [--profile P]   each part and its health
#
# Profiles: `stack` (the default) is the dev stack behind http://127.0.0.1:8080. `e2e` is what
# the browser tests run against (apps/web/e2e): other ports, its own Postgres and Redis, and a
# fresh empty database at every `up`.
#
#   browser -> edge (nginx, proxy_cache) -> /api/  -> API (Fastify)
#                                        -> else   -> web origin (nginx, apps/web/dist)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$REPO_ROOT/infra/native/node-runtime.sh"

readonly SERVICES="$REPO_ROOT/infra/native/services.sh"
readonly NGINX="$REPO_ROOT/infra/native/nginx.sh"
readonly WEB_DIST="$REPO_ROOT/apps/web/dist"
# A cold start (tsx compiling TypeScript, Prisma connecting) takes a few seconds here.
readonly READY_TIMEOUT=60
# The API drains in-flight requests for up to SHUTDOWN_TIMEOUT_MS (10 s by default) after
# SIGTERM, so it gets a little more than that before SIGKILL.
readonly STOP_TIMEOUT=15

usage() {
  echo "usage: stack.sh start|up|down|status [--profile stack|e2e]" >&2
  exit 2
}

# Ports, paths and the API's settings for the profile. HEADROOM_*_PORT move a port when it
# clashes with something else on the machine.
configure_profile() {
  PROFILE=$1
  case $PROFILE in
    stack)
      EDGE_PORT=${HEADROOM_EDGE_PORT:-8080}
      API_PORT=${HEADROOM_API_PORT:-3000}
      WEB_PORT=${HEADROOM_WEB_PORT:-8082}
      METRICS_PORT=${HEADROOM_METRICS_PORT:-9464}
      ;;
    e2e)
      EDGE_PORT=${HEADROOM_EDGE_PORT:-58080}
      API_PORT=${HEADROOM_API_PORT:-53000}
      WEB_PORT=${HEADROOM_WEB_PORT:-58082}
      METRICS_PORT=${HEADROOM_METRICS_PORT:-59464}
      ;;
    *) die "unknown profile '$PROFILE' (expected stack or e2e)" ;;
  esac
  STATE_DIR="$REPO_ROOT/.local/$PROFILE"
  API_PID_FILE="$STATE_DIR/api.pid"
  API_LOG="$STATE_DIR/api.log"
  JWT_SECRET_FILE="$STATE_DIR/jwt-secret"
  EDGE_DIR="$STATE_DIR/nginx/edge"
  WEB_DIR="$STATE_DIR/nginx/web-origin"
  SITE_URL="http://127.0.0.1:$EDGE_PORT"
  API_URL="http://127.0.0.1:$API_PORT/api"
}

rel() {
  printf '%s\n' "${1#"$REPO_ROOT"/}"
}

# A random secret made once per checkout and reused, so that tokens issued before a
# restart stay valid. Only for this local stack; deployments bring their own.
jwt_secret() {
  if [[ ! -s $JWT_SECRET_FILE ]]; then
    mkdir -p "$STATE_DIR"
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$JWT_SECRET_FILE")
  fi
  cat "$JWT_SECRET_FILE"
}

# The site is rebuilt when anything it is built from is newer than the last build (Vite
# writes dist/index.html at every build). The build also enforces the JavaScript budget.
build_site() {
  local stamp="$WEB_DIST/index.html" newer=""
  if [[ -f $stamp ]]; then
    newer="$(find "$REPO_ROOT/apps/web/src" "$REPO_ROOT/apps/web/build" \
      "$REPO_ROOT/apps/web/index.html" "$REPO_ROOT/apps/web/vite.config.ts" \
      "$REPO_ROOT/apps/web/package.json" "$REPO_ROOT/package-lock.json" \
      -newer "$stamp" -print -quit)"
    if [[ -z $newer ]]; then
      log "==> site: apps/web/dist is up to date"
      return 0
    fi
  fi
  log "==> site: building apps/web"
  npm run --silent build -w @headroom/web
}

# Everything the API needs before it can start, each step a no-op when already done.
prepare() {
  cd "$REPO_ROOT"
  ensure_node_modules
  log "==> prisma client"
  npm run --silent db:generate
  build_site
  log "==> services"
  bash "$SERVICES" up --profile "$PROFILE"
  if [[ $PROFILE == e2e ]]; then
    bash "$SERVICES" reset --profile "$PROFILE"
  fi
  set -a
  eval "$(bash "$SERVICES" env --profile "$PROFILE")"
  set +a
  log "==> migrations"
  npm run --silent db:migrate
  if [[ $PROFILE == stack ]]; then
    log "==> seed (skipped when the database already has data)"
    # The workspace script directly: the root alias db:seed is itself `npm run seed -w ...`,
    # whose npm would take a trailing --if-empty as one of its own options.
    npm run --silent seed -w @headroom/db -- --if-empty
  fi

  export PORT=$API_PORT HOST=127.0.0.1 METRICS_PORT
  # Requests reach the API through the edge: one proxy hop whose X-Forwarded-For is trusted,
  # so rate limits and logs see the browser's address, not the edge's.
  export TRUSTED_PROXY_HOPS=1
  if [[ $PROFILE == e2e ]]; then
    # As vitest's testEnv: cheap password hashing, limits no browser test reaches, a secret
    # for this run only.
    export NODE_ENV=test LOG_LEVEL=warn PASSWORD_HASH_MEMORY_KIB=1024 PASSWORD_HASH_ITERATIONS=1 \
      LOGIN_RATE_LIMIT_MAX=100000 REGISTER_RATE_LIMIT_MAX=100000
    JWT_SECRET="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
  else
    export NODE_ENV=development
    JWT_SECRET="$(jwt_secret)"
  fi
  export JWT_SECRET
}

# The web origin and the edge, from the same templates docker-compose.yml uses.
front_up() {
  log "==> web origin and edge (nginx)"
  WEB_LISTEN="127.0.0.1:$WEB_PORT" WEB_ROOT="$WEB_DIST" \
    bash "$NGINX" up web-origin "$WEB_DIR"
  EDGE_LISTEN="127.0.0.1:$EDGE_PORT" EDGE_ORIGIN_UPSTREAM="127.0.0.1:$WEB_PORT" \
    EDGE_API_UPSTREAM="127.0.0.1:$API_PORT" EDGE_CACHE_DIR="$EDGE_DIR/cache" \
    bash "$NGINX" up edge "$EDGE_DIR"
}

front_down() {
  bash "$NGINX" down edge "$EDGE_DIR"
  bash "$NGINX" down web-origin "$WEB_DIR"
}

print_locations() {
  cat <<EOF
site     $SITE_URL/                 (the edge: the one front door)
api      $SITE_URL/api              (through the edge; the API itself: $API_URL)
docs     $SITE_URL/api/docs
origin   http://127.0.0.1:$WEB_PORT/                 (the web origin behind the edge)
metrics  http://127.0.0.1:$METRICS_PORT/metrics
logs     $(if [[ -f $API_PID_FILE ]]; then rel "$API_LOG"; else echo "api: this terminal"; fi), $(rel "$STATE_DIR")/nginx/*/logs/
$(bash "$SERVICES" env --profile "$PROFILE")
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

http_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true
}

# Healthy means: the API answers readyz itself and through the edge, and the edge serves the
# site (index.html from the origin).
stack_ready() {
  [[ "$(http_code "$API_URL/readyz")" == 200 ]] &&
    [[ "$(http_code "$SITE_URL/api/readyz")" == 200 ]] &&
    [[ "$(http_code "$SITE_URL/")" == 200 ]]
}

require_curl() {
  command -v curl >/dev/null 2>&1 || die "curl is needed to check the stack's health (apt-get install -y curl)"
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
  front_up
  echo
  print_locations
  echo "The edge and the web origin keep running after Ctrl-C; npm run stack:down stops them."
  echo
  exec npm start -w @headroom/api
}

cmd_up() {
  local pgid deadline
  require_curl
  if pgid="$(api_pgid)"; then
    echo "stack ($PROFILE): already up (api process group $pgid, readyz $(http_code "$API_URL/readyz"))"
    print_locations
    return 0
  fi
  port_in_use "$API_PORT" && die "port $API_PORT is taken by another process (stack.sh start in another terminal?)"
  prepare
  front_up

  log "==> api (background, log in $(rel "$API_LOG"))"
  mkdir -p "$STATE_DIR"
  # setsid gives the API its own process group, so down can signal all of it; nohup and
  # </dev/null keep it alive after this terminal closes.
  setsid nohup npm start -w @headroom/api >"$API_LOG" 2>&1 </dev/null &
  echo $! >"$API_PID_FILE"
  # Not this shell's job any more: no "Killed" notice if down has to SIGKILL it.
  disown

  deadline=$((SECONDS + READY_TIMEOUT))
  until stack_ready; do
    if ! api_pgid >/dev/null; then
      tail -n 40 "$API_LOG" >&2
      rm -f "$API_PID_FILE"
      die "the API exited during start-up (last lines of $(rel "$API_LOG") above)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$API_LOG" >&2
      log "api readyz $(http_code "$API_URL/readyz"); through the edge $(http_code "$SITE_URL/api/readyz"); site $(http_code "$SITE_URL/")"
      # Stopped rather than left half-started, so the next up starts clean.
      stop_api >&2
      die "the stack was not ready after ${READY_TIMEOUT}s (last lines of $(rel "$API_LOG") above)"
    fi
    sleep 0.5
  done
  echo "stack ($PROFILE): up"
  print_locations
}

cmd_down() {
  stop_api
  front_down
  bash "$SERVICES" down --profile "$PROFILE"
}

cmd_status() {
  local pgid code state=down detail
  code="$(http_code "$API_URL/readyz")"
  detail="readyz $code, through the edge $(http_code "$SITE_URL/api/readyz")"
  if pgid="$(api_pgid)"; then
    state=up
    detail="$detail, process group $pgid"
  elif [[ $code != 000 ]]; then
    # Something answers on the port: most likely `stack.sh start` in another terminal.
    state=up
    detail="$detail, not started by stack.sh up"
  fi
  printf '%-10s %-5s %-22s %s\n' api "$state" "127.0.0.1:$API_PORT" "$detail"
  bash "$NGINX" status edge "$EDGE_DIR"
  bash "$NGINX" status web-origin "$WEB_DIR"
  bash "$SERVICES" status --profile "$PROFILE"
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
    start) cmd_start ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *) usage ;;
  esac
}

main "$@"
