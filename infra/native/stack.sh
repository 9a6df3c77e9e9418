#!/usr/bin/env bash
# The native stack: the whole Headroom topology on one machine, with no Docker, from the same
# nginx, PgBouncer and Prometheus configuration files docker-compose.yml uses. Works from a
# fresh clone: it provisions Node 24, installs dependencies, builds the site, migrates and
# seeds before starting anything.
#
#   stack.sh start   [--profile P]   everything, then follow the app logs (Ctrl-C stops the apps)
#   stack.sh up      [--profile P]   everything in the background; returns once all is healthy
#   stack.sh down    [--profile P]   stop everything, services included
#   stack.sh status  [--profile P]   each part and its health
#   stack.sh ports   [--profile P]   each part's name and TCP port, one per line
#   stack.sh rolling-restart [--profile P]   replace the API processes one at a time, no downtime
#   stack.sh failover-postgres [--profile P]   the replica becomes the primary (the primary died)
#   stack.sh deploy REF [--force-contract] [--profile P]   run the git REF: build it in its own
#                                    work tree, migrate (expand only), roll every process over
#   stack.sh rollback [--profile P]  back to the release that ran before the last deploy
#
# Profiles: `stack` (the default) is the dev stack behind http://127.0.0.1:8080. `e2e` is what
# the browser tests run against (apps/web/e2e): other ports, its own Postgres and Redis, and a
# fresh empty database at every `up`.
#
#   browser -> edge :8080 (nginx, proxy_cache) -> /api/ -> lb :8081 (nginx) -> api-1 :3001
#                                              |                             -> api-2 :3002 ...
#                                              -> else  -> web origin :8082 (nginx, apps/web/dist)
#   api-N, worker-N -> PgBouncer :16432 (transaction pooling) -> Postgres :15432
#   api-N (reads)   -> PgBouncer :16432/headroom_replica -> replica :15433 (streams from :15432)
#   api-N, worker-N -> Redis :16379 (queues), found through its Sentinels :16382-16384, which
#                      promote its replica :16381 if it fails; and the cache's Redis :16380
#   worker-N LISTENs on Postgres directly
#   Prometheus :19090 scrapes every api-N and worker-N -> Alertmanager :19093 -> alert sink :19094
#   Prometheus scrapes the exporters of Postgres :19187, Redis :19121 and the cache's Redis :19122,
#   and PgBouncer's :19127 (infra/pgbouncer/exporter.ts: the admin console, as headroom_stats)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly SERVICES="$REPO_ROOT/infra/native/services.sh"
readonly NGINX="$REPO_ROOT/infra/native/nginx.sh"
readonly WEB_DIST="$REPO_ROOT/apps/web/dist"
# A cold start (tsx compiling TypeScript, Prisma connecting) takes a few seconds here.
readonly READY_TIMEOUT=60
# The API drains in-flight requests for up to SHUTDOWN_TIMEOUT_MS (10 s) after SIGTERM and the
# worker waits for running jobs up to its SHUTDOWN_TIMEOUT_MS (25 s): each gets a little more.
readonly API_STOP_TIMEOUT=15
readonly WORKER_STOP_TIMEOUT=30
# PgBouncer starts in well under a second; a safe shutdown waits for open transactions.
readonly PGBOUNCER_START_TIMEOUT=10
readonly PGBOUNCER_STOP_TIMEOUT=10
# How Alertmanager batches notifications (infra/alertmanager/native.yml.template): the same
# values as compose's alertmanager.yml, whose comments say why.
readonly ALERTMANAGER_GROUP_WAIT=10s
readonly ALERTMANAGER_GROUP_INTERVAL=1m
readonly ALERTMANAGER_REPEAT_INTERVAL=4h
# How long the load balancer skips a replica after a failed request (nginx fail_timeout). A
# rolling restart takes each replica out of the load balancer before stopping it, so none is
# marked failed by it (infra/native/test/rolling-restart waits this long between replicas).
readonly LB_FAIL_TIMEOUT_SECONDS=2
# Requests the load balancer has in flight at one replica at most (nginx max_conns); past it,
# with every replica full, it answers 503 itself, for microseconds of nginx instead of a queue in
# front of the API's event loop, which its own shedding cannot see (docs/reliability.md, "A
# spike of 20x"). Overridable for a measurement: HEADROOM_LB_MAX_CONNS_PER_REPLICA.
readonly LB_MAX_CONNS_PER_REPLICA=${HEADROOM_LB_MAX_CONNS_PER_REPLICA:-32}
# How long a deploy waits for the load balancer's old nginx workers to finish their requests
# after a reload (proxy_read_timeout is 30 s; an API request is bounded well below by the API's
# own deadlines, docs/reliability.md).
readonly LB_RELOAD_TIMEOUT=30
# Each deployed git commit gets a work tree of its own, built once (docs/deployment.md).
readonly DEPLOY_DIR="$REPO_ROOT/.local/deploy"
# Written into a release's work tree when its build finished.
readonly RELEASE_BUILT_STAMP=.local/release-built
# migrate-cli.ts deploy --expand-only exits with this when a pending migration is a contract step.
readonly MIGRATE_REFUSED_CONTRACT=3

usage() {
  echo "usage: stack.sh start|up|down|status|ports|rolling-restart|rollback [--profile stack|e2e]" >&2
  echo "       stack.sh failover-postgres [--profile stack|e2e]" >&2
  echo "       stack.sh deploy REF [--force-contract] [--profile stack|e2e]" >&2
  exit 2
}

# Ports, paths, replica counts and the apps' settings for the profile. The ports are in
# infra/topology/ports.txt; HEADROOM_*_PORT move one when it clashes with something else on the
# machine (HEADROOM_E2E_*_PORT for e2e; see profile_setting in lib.sh).
configure_profile() {
  PROFILE=$1
  case $PROFILE in
    stack)
      # Two API processes on a 2-core machine: one per core (docs/capacity.md).
      API_REPLICAS="$(profile_setting "$PROFILE" API_REPLICAS 2)"
      WORKER_REPLICAS="$(profile_setting "$PROFILE" WORKER_REPLICAS 1)"
      WITH_PROMETHEUS=1
      ;;
    e2e)
      API_REPLICAS="$(profile_setting "$PROFILE" API_REPLICAS 1)"
      WORKER_REPLICAS="$(profile_setting "$PROFILE" WORKER_REPLICAS 1)"
      WITH_PROMETHEUS=0
      ;;
    *) die "unknown profile '$PROFILE' (expected stack or e2e)" ;;
  esac
  # EDGE_PORT, LB_PORT, API_BASE_PORT, ...; empty for the parts the profile has none of (e2e
  # runs no Prometheus). API process N listens on API_BASE_PORT + N, its metrics on
  # API_METRICS_BASE_PORT + N.
  load_topology_ports "$PROFILE"
  # off: the API processes run without the application cache (every read from Postgres), to
  # measure the database path alone (load-tests/README.md); the worker's relay still invalidates.
  API_CACHE="$(profile_setting "$PROFILE" API_CACHE on)"
  # The demo data set (1,000 users sharing one known password) goes into the dev stack's empty
  # database: this profile runs on a developer's machine, on loopback only. HEADROOM_SEED_DEMO=off
  # starts it empty; e2e always starts empty. docker-compose.yml seeds only with --profile demo.
  SEED_DEMO=off
  [[ $PROFILE == stack ]] && SEED_DEMO="$(profile_setting "$PROFILE" SEED_DEMO on)"
  [[ $SEED_DEMO == on || $SEED_DEMO == off ]] || die "$(profile_variable "$PROFILE" SEED_DEMO) must be on or off"
  [[ $API_CACHE == on || $API_CACHE == off ]] || die "$(profile_variable "$PROFILE" API_CACHE) must be on or off"
  [[ $API_REPLICAS =~ ^[1-9][0-9]*$ ]] || die "$(profile_variable "$PROFILE" API_REPLICAS) must be a positive number"
  [[ $WORKER_REPLICAS =~ ^[0-9]+$ ]] || die "$(profile_variable "$PROFILE" WORKER_REPLICAS) must be a number"
  STATE_DIR="$REPO_ROOT/.local/$PROFILE"
  PROCS_DIR="$STATE_DIR/procs"
  JWT_SECRET_FILE="$STATE_DIR/jwt-secret"
  EDGE_DIR="$STATE_DIR/nginx/edge"
  WEB_DIR="$STATE_DIR/nginx/web-origin"
  LB_DIR="$STATE_DIR/nginx/lb"
  PGBOUNCER_DIR="$STATE_DIR/pgbouncer"
  PGBOUNCER_STATS_PASSWORD_FILE="$STATE_DIR/pgbouncer-stats.password"
  PROMETHEUS_DIR="$STATE_DIR/prometheus"
  ALERTMANAGER_DIR="$STATE_DIR/alertmanager"
  ALERTS_FILE="$STATE_DIR/alerts/notifications.jsonl"
  MAIL_DIR="$STATE_DIR/mail"
  SITE_URL="http://127.0.0.1:$EDGE_PORT"
  LB_URL="http://127.0.0.1:$LB_PORT"
  # What runs: a deployed release (stack.sh deploy) or, without one, this checkout.
  RELEASE_FILE="$STATE_DIR/release"
  PREVIOUS_RELEASE_FILE="$STATE_DIR/release.previous"
  APP_TREE="$(release_field "$RELEASE_FILE" tree || echo "$REPO_ROOT")"
}

api_port() { echo $((API_BASE_PORT + $1)); }
api_metrics_port() { echo $((API_METRICS_BASE_PORT + $1)); }
worker_metrics_port() { echo $((WORKER_METRICS_BASE_PORT + $1)); }

# A random secret made once per checkout and reused, so that tokens issued before a
# restart stay valid. Only for this local stack; deployments bring their own. The e2e
# profile makes a new one at every `up` (its database is new too).
jwt_secret() {
  if [[ $PROFILE == e2e || ! -s $JWT_SECRET_FILE ]]; then
    mkdir -p "$STATE_DIR"
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$JWT_SECRET_FILE")
  fi
  cat "$JWT_SECRET_FILE"
}

# The password of PgBouncer's stats role (headroom_stats: stats_users in pgbouncer.ini.template),
# made once per profile and kept, readable by its owner only, as services.sh keeps each Redis
# password. Only the exporter uses it: the apps' role administers nothing.
pgbouncer_stats_password() {
  if [[ ! -s $PGBOUNCER_STATS_PASSWORD_FILE ]]; then
    mkdir -p "$STATE_DIR"
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$PGBOUNCER_STATS_PASSWORD_FILE")
  fi
  cat "$PGBOUNCER_STATS_PASSWORD_FILE"
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

install_topology_packages() {
  local missing=()
  mapfile -t missing < <(missing_service_packages; missing_web_packages; missing_topology_packages)
  if ((${#missing[@]} > 0)); then apt_install "${missing[@]}"; fi
  return 0
}

# The services' URLs: DIRECT_DATABASE_URL (the primary), DATABASE_URL and DATABASE_REPLICA_URL
# (the primary and the replica through PgBouncer), REDIS_URL, CACHE_REDIS_URL, and
# POSTGRES_PORT and POSTGRES_REPLICA_PORT for PgBouncer's configuration.
load_service_urls() {
  set -a
  eval "$(bash "$SERVICES" env --profile "$PROFILE")"
  set +a
  DIRECT_DATABASE_URL=$DATABASE_URL
  POSTGRES_PORT="$(url_port "$DIRECT_DATABASE_URL")"
  POSTGRES_REPLICA_PORT="$(url_port "$DATABASE_REPLICA_DIRECT_URL")"
  DATABASE_URL="postgresql://headroom:headroom@127.0.0.1:$PGBOUNCER_PORT/headroom"
  DATABASE_REPLICA_URL="postgresql://headroom:headroom@127.0.0.1:$PGBOUNCER_PORT/headroom_replica"
}

# url_port URL: the port in postgresql://user:password@host:PORT/database.
url_port() {
  local port=${1##*:}
  printf '%s\n' "${port%%/*}"
}

# Everything the apps need before they can start, each step a no-op when already done.
# Node 24 on PATH (downloaded once if the machine's is older), for the commands that run node.
use_node_runtime() {
  source "$REPO_ROOT/infra/native/node-runtime.sh"
}

prepare() {
  cd "$REPO_ROOT"
  use_node_runtime
  ensure_node_modules
  install_topology_packages
  log "==> prisma client"
  npm run --silent db:generate
  build_site
  log "==> services"
  bash "$SERVICES" up --profile "$PROFILE"
  if [[ $PROFILE == e2e ]]; then
    bash "$SERVICES" reset --profile "$PROFILE"
  fi
  load_service_urls
  # Migrations run on the primary itself: they hold an advisory lock for the whole run, which
  # needs one session (PgBouncer's transaction pooling does not keep one).
  log "==> migrations"
  DATABASE_URL=$DIRECT_DATABASE_URL npm run --silent db:migrate
  if [[ $SEED_DEMO == on ]]; then
    log "==> demo data (skipped when the database already has data; HEADROOM_SEED_DEMO=off to skip)"
    DATABASE_URL=$DIRECT_DATABASE_URL npm run --silent db:seed -- --if-empty
  fi
  JWT_SECRET="$(jwt_secret)"
}

# The environment every app process gets, one NAME=value per line (for `env`). The worker gets
# CACHE_REDIS_URL too: its outbox relay applies the cache's invalidation rules again.
app_environment() {
  printf '%s\n' "DATABASE_URL=$DATABASE_URL" "CACHE_REDIS_URL=$CACHE_REDIS_URL" "HOST=127.0.0.1"
  # The queues' Redis through its Sentinels when the profile has them (services.sh env prints
  # them), so a failover needs no restart; REDIS_URL, the primary at this moment, left empty
  # (unset, to the apps' config): they take one or the other.
  if [[ -n ${REDIS_SENTINELS:-} ]]; then
    printf '%s\n' REDIS_URL= "REDIS_SENTINELS=$REDIS_SENTINELS" \
      "REDIS_SENTINEL_NAME=$REDIS_SENTINEL_NAME" "REDIS_PASSWORD=$REDIS_PASSWORD"
  else
    printf '%s\n' "REDIS_URL=$REDIS_URL"
  fi
  if [[ $PROFILE == e2e ]]; then
    # As vitest's testEnv: cheap password hashing, limits no browser test reaches. No shedding
    # on event-loop delay: the browser and its tests share the machine's cores with the one API
    # process, whose loop then lags past 100 ms now and then, and a page that got a shed 503
    # shows "server unavailable" (CI failed that way twice). Shedding has its own tests
    # (load-shedding.int.test.ts, lb-shedding.int.test.ts, benchmarks/spike-20x.ts).
    printf '%s\n' NODE_ENV=test LOG_LEVEL=warn PASSWORD_HASH_MEMORY_KIB=1024 \
      PASSWORD_HASH_ITERATIONS=1 RATE_LIMIT_MULTIPLIER=1000 LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS=0
  else
    printf '%s\n' NODE_ENV=development
  fi
}

# --- app processes (api-N, worker-N) ---------------------------------------------------------
# Each runs in its own process group (setsid) so stopping it reaches every process in it; the
# pid file holds the group id.

proc_pgid() {
  local pid_file="$PROCS_DIR/$1.pid" pgid
  [[ -f $pid_file ]] || return 1
  pgid="$(cat "$pid_file")"
  [[ $pgid =~ ^[0-9]+$ ]] || return 1
  # The group, or its leader: right after start_process the child may not have called
  # setsid() yet, so its group does not exist although it runs (a rolling restart once died
  # on that, calling a process that was starting "exited during start-up").
  kill -0 -- "-$pgid" 2>/dev/null || kill -0 "$pgid" 2>/dev/null || return 1
  printf '%s\n' "$pgid"
}

# start_process NAME COMMAND...: in the background, in its own group, log in PROCS_DIR.
start_process() {
  local name=$1
  shift
  mkdir -p "$PROCS_DIR"
  # nohup and </dev/null keep it alive after this terminal closes; 9>&- keeps the services
  # lock file descriptor out of it.
  setsid nohup "$@" >"$PROCS_DIR/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$PROCS_DIR/$name.pid"
  disown
}

# start_app NAME ENTRY [NAME=value ...]: node ENTRY with the TypeScript and telemetry loaders,
# in APP_TREE (the checkout, or the work tree of the release deployed), whose node_modules
# the loaders are resolved from.
start_app() {
  local name=$1 entry=$2 environment=()
  shift 2
  mapfile -t environment < <(app_environment)
  start_process "$name" env -C "$APP_TREE" "${environment[@]}" "$@" \
    node --import tsx --import @headroom/telemetry/register "$entry"
}

stop_process() {
  local name=$1 timeout=$2 pgid
  if pgid="$(proc_pgid "$name")"; then
    stop_gracefully "$name" "-$pgid" TERM "$timeout"
    echo "$name: stopped"
  fi
  rm -f "$PROCS_DIR/$name.pid"
}

http_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true
}

# wait_ready NAME CHECK...: until the command CHECK succeeds; gives up with the log tail if
# the process exits or time is up.
wait_ready() {
  local name=$1 deadline=$((SECONDS + READY_TIMEOUT))
  shift
  until "$@"; do
    if ! proc_pgid "$name" >/dev/null; then
      tail -n 30 "$PROCS_DIR/$name.log" >&2 || true
      die "$name exited during start-up (last lines of $(rel "$PROCS_DIR/$name.log") above)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$PROCS_DIR/$name.log" >&2 || true
      die "$name was not ready after ${READY_TIMEOUT}s"
    fi
    sleep 0.3
  done
}

start_api() {
  local index=$1 name="api-$1" port without_cache=()
  port="$(api_port "$index")"
  # An empty value is an unset variable to the API's config.
  if [[ $API_CACHE == off ]]; then without_cache=(CACHE_REDIS_URL=); fi
  if proc_pgid "$name" >/dev/null; then return 0; fi
  port_in_use "$port" && die "$name: port $port is taken by another process"
  # TRUSTED_PROXY_HOPS=2: the edge and the load balancer, whose X-Forwarded-For is believed,
  # so rate limits and logs see the browser's address.
  # DATABASE_REPLICA_URL: reads that may be slightly stale go to the replica (docs/database.md).
  start_app "$name" apps/api/src/main.ts "PORT=$port" \
    "METRICS_PORT=$(api_metrics_port "$index")" "JWT_SECRET=$JWT_SECRET" \
    "DATABASE_REPLICA_URL=$DATABASE_REPLICA_URL" "${without_cache[@]}" \
    TRUSTED_PROXY_HOPS=2 OTEL_SERVICE_NAME=headroom-api
}

start_worker() {
  local index=$1 name="worker-$1"
  if proc_pgid "$name" >/dev/null; then return 0; fi
  mkdir -p "$MAIL_DIR"
  start_app "$name" apps/worker/src/main.ts \
    "METRICS_PORT=$(worker_metrics_port "$index")" "DATABASE_DIRECT_URL=$DIRECT_DATABASE_URL" \
    "EMAIL_FILE_DIR=$MAIL_DIR" "PUBLIC_URL=$SITE_URL" OTEL_SERVICE_NAME=headroom-worker
}

api_ready() { [[ "$(http_code "http://127.0.0.1:$(api_port "$1")/api/readyz")" == 200 ]]; }
worker_ready() { [[ "$(http_code "http://127.0.0.1:$(worker_metrics_port "$1")/metrics")" == 200 ]]; }

apps_up() {
  local index
  log "==> workers ($WORKER_REPLICAS) and API processes ($API_REPLICAS), logs in $(rel "$PROCS_DIR")/"
  for ((index = 1; index <= WORKER_REPLICAS; index++)); do start_worker "$index"; done
  for ((index = 1; index <= API_REPLICAS; index++)); do start_api "$index"; done
  for ((index = 1; index <= WORKER_REPLICAS; index++)); do wait_ready "worker-$index" worker_ready "$index"; done
  for ((index = 1; index <= API_REPLICAS; index++)); do wait_ready "api-$index" api_ready "$index"; done
}

# Every process this profile has started, whatever the replica settings are now.
started_processes() {
  local file
  for file in "$PROCS_DIR"/*.pid; do
    [[ -e $file ]] && basename "$file" .pid
  done
  return 0
}

# replica_indexes api|worker CONFIGURED: the replicas this profile runs now (from their pid
# files), or 1..CONFIGURED when none runs. status and rolling-restart act on what runs, not on
# what HEADROOM_API_REPLICAS says in the caller's shell (the stack may have been started with 4).
replica_indexes() {
  local kind=$1 configured=$2 running
  running="$(started_processes | sed -n "s/^$kind-\([0-9][0-9]*\)$/\1/p" | sort -n)"
  if [[ -n $running ]]; then echo "$running"; else seq 1 "$configured"; fi
}

apps_down() {
  local name
  # APIs first (they stop taking requests), then workers (they finish their jobs).
  for name in $(started_processes | grep '^api-' || true); do stop_process "$name" "$API_STOP_TIMEOUT"; done
  for name in $(started_processes | grep '^worker-' || true); do stop_process "$name" "$WORKER_STOP_TIMEOUT"; done
}

# --- PgBouncer -------------------------------------------------------------------------------

pgbouncer_pid() {
  live_pid "$PGBOUNCER_DIR/pgbouncer.pid" pgbouncer
}

pgbouncer_up() {
  # The template's variables, listed so envsubst leaves everything else alone.
  local variables='${PGBOUNCER_LISTEN_ADDR} ${PGBOUNCER_LISTEN_PORT} ${POSTGRES_HOST} ${POSTGRES_PORT} ${POSTGRES_REPLICA_HOST} ${POSTGRES_REPLICA_PORT} ${PGBOUNCER_AUTH_FILE} ${PGBOUNCER_DATA_DIR}'
  local binary pid
  mkdir -p "$PGBOUNCER_DIR"
  # The apps' role (the repository's dev credentials) and the stats role with this profile's
  # password, readable by PgBouncer's user only.
  (
    umask 077
    {
      cat "$REPO_ROOT/infra/pgbouncer/userlist.txt"
      printf '"headroom_stats" "%s"\n' "$(pgbouncer_stats_password)"
    } >"$PGBOUNCER_DIR/userlist.txt"
  )
  PGBOUNCER_LISTEN_ADDR=127.0.0.1 PGBOUNCER_LISTEN_PORT=$PGBOUNCER_PORT POSTGRES_HOST=127.0.0.1 \
    POSTGRES_PORT=$POSTGRES_PORT POSTGRES_REPLICA_HOST=127.0.0.1 \
    POSTGRES_REPLICA_PORT=$POSTGRES_REPLICA_PORT PGBOUNCER_AUTH_FILE="$PGBOUNCER_DIR/userlist.txt" \
    PGBOUNCER_DATA_DIR="$PGBOUNCER_DIR" \
    envsubst "$variables" <"$REPO_ROOT/infra/pgbouncer/pgbouncer.ini.template" >"$PGBOUNCER_DIR/pgbouncer.ini"
  if is_root; then chown -R postgres "$PGBOUNCER_DIR"; fi
  if pid="$(pgbouncer_pid)"; then
    # Running already: SIGHUP rereads the file, so a changed template reaches it without
    # dropping a client.
    kill -HUP "$pid"
    return 0
  fi
  log "==> pgbouncer on 127.0.0.1:$PGBOUNCER_PORT (transaction pooling in front of Postgres)"
  port_in_use "$PGBOUNCER_PORT" && die "pgbouncer: port $PGBOUNCER_PORT is taken by another process"
  binary="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
  if is_root; then
    # PgBouncer refuses to run as root, as Postgres does: it runs as the postgres user.
    ensure_user_can_reach postgres "$PGBOUNCER_DIR"
    runuser -u postgres -- "$binary" -d "$PGBOUNCER_DIR/pgbouncer.ini" 9>&-
  else
    "$binary" -d "$PGBOUNCER_DIR/pgbouncer.ini" 9>&-
  fi
  wait_until "$PGBOUNCER_START_TIMEOUT" port_in_use "$PGBOUNCER_PORT" ||
    die "pgbouncer is not listening (see $(rel "$PGBOUNCER_DIR")/pgbouncer.log)"
}

pgbouncer_down() {
  local pid
  pid="$(pgbouncer_pid)" || return 0
  # SIGINT: "safe shutdown", waits for clients' transactions to finish.
  stop_gracefully pgbouncer "$pid" INT "$PGBOUNCER_STOP_TIMEOUT"
  echo "pgbouncer: stopped"
}

# --- Prometheus ------------------------------------------------------------------------------

# The scrape targets: every app process's metrics port, written where prometheus.yml's
# file_sd_configs look (relative to the configuration file).
write_prometheus_targets() {
  local index api=() worker=()
  for ((index = 1; index <= API_REPLICAS; index++)); do api+=("\"127.0.0.1:$(api_metrics_port "$index")\""); done
  for ((index = 1; index <= WORKER_REPLICAS; index++)); do worker+=("\"127.0.0.1:$(worker_metrics_port "$index")\""); done
  mkdir -p "$PROMETHEUS_DIR/targets"
  (IFS=, && printf '[{"targets": [%s]}]\n' "${api[*]}") >"$PROMETHEUS_DIR/targets/api.json"
  (IFS=, && printf '[{"targets": [%s]}]\n' "${worker[*]:-}") >"$PROMETHEUS_DIR/targets/worker.json"
  printf '[{"targets": ["127.0.0.1:%s"]}]\n' "$PROMETHEUS_PORT" >"$PROMETHEUS_DIR/targets/prometheus.json"
  printf '[{"targets": ["127.0.0.1:%s"]}]\n' "$ALERTMANAGER_PORT" >"$PROMETHEUS_DIR/targets/alertmanager.json"
  printf '[{"targets": ["127.0.0.1:%s"]}]\n' "$POSTGRES_EXPORTER_PORT" >"$PROMETHEUS_DIR/targets/postgres.json"
  printf '[{"targets": ["127.0.0.1:%s"]}]\n' "$REDIS_EXPORTER_PORT" >"$PROMETHEUS_DIR/targets/redis-queue.json"
  printf '[{"targets": ["127.0.0.1:%s"]}]\n' "$CACHE_REDIS_EXPORTER_PORT" >"$PROMETHEUS_DIR/targets/redis-cache.json"
  printf '[{"targets": ["127.0.0.1:%s"]}]\n' "$PGBOUNCER_EXPORTER_PORT" >"$PROMETHEUS_DIR/targets/pgbouncer.json"
}

prometheus_ready() { [[ "$(http_code "http://127.0.0.1:$PROMETHEUS_PORT/-/ready")" == 200 ]]; }

prometheus_up() {
  local pgid
  ((WITH_PROMETHEUS)) || return 0
  mkdir -p "$PROMETHEUS_DIR/data"
  cp "$REPO_ROOT/infra/prometheus/prometheus.yml" "$REPO_ROOT/infra/prometheus/alerts.yml" \
    "$REPO_ROOT/infra/prometheus/slo.yml" "$PROMETHEUS_DIR/"
  write_prometheus_targets
  if pgid="$(proc_pgid prometheus)"; then
    # Running already: SIGHUP rereads the configuration and the rule files just copied.
    kill -HUP -- "-$pgid"
    return 0
  fi
  log "==> prometheus on 127.0.0.1:$PROMETHEUS_PORT"
  port_in_use "$PROMETHEUS_PORT" && die "prometheus: port $PROMETHEUS_PORT is taken by another process"
  start_process prometheus prometheus --config.file="$PROMETHEUS_DIR/prometheus.yml" \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
    --storage.tsdb.path="$PROMETHEUS_DIR/data" --storage.tsdb.retention.time=7d \
    --enable-feature=exemplar-storage
  wait_ready prometheus prometheus_ready
}

# --- Alertmanager and its sink ------------------------------------------------------------------
# Prometheus sends firing and resolved alerts to Alertmanager, which groups them and posts each
# notification to the alert sink, which appends it to ALERTS_FILE (docs/observability.md).

alertmanager_ready() { [[ "$(http_code "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready")" == 200 ]]; }
alert_sink_ready() { [[ "$(http_code "http://127.0.0.1:$ALERT_SINK_PORT/")" == 200 ]]; }

alertmanager_up() {
  local pgid variables='${ALERT_SINK_URL} ${ALERTMANAGER_GROUP_WAIT} ${ALERTMANAGER_GROUP_INTERVAL} ${ALERTMANAGER_REPEAT_INTERVAL}'
  ((WITH_PROMETHEUS)) || return 0
  mkdir -p "$ALERTMANAGER_DIR/data" "$(dirname "$ALERTS_FILE")"
  # env, not VAR=value prefixes: the settings are readonly, and bash refuses to assign them even
  # for one command ("readonly variable").
  env ALERT_SINK_URL="http://127.0.0.1:$ALERT_SINK_PORT/" \
    ALERTMANAGER_GROUP_WAIT="$ALERTMANAGER_GROUP_WAIT" \
    ALERTMANAGER_GROUP_INTERVAL="$ALERTMANAGER_GROUP_INTERVAL" \
    ALERTMANAGER_REPEAT_INTERVAL="$ALERTMANAGER_REPEAT_INTERVAL" \
    envsubst "$variables" <"$REPO_ROOT/infra/alertmanager/native.yml.template" >"$ALERTMANAGER_DIR/alertmanager.yml"
  if ! proc_pgid alert-sink >/dev/null; then
    log "==> alert sink on 127.0.0.1:$ALERT_SINK_PORT (notifications appended to $(rel "$ALERTS_FILE"))"
    port_in_use "$ALERT_SINK_PORT" && die "alert-sink: port $ALERT_SINK_PORT is taken by another process"
    start_process alert-sink env "ALERT_SINK_PORT=$ALERT_SINK_PORT" "ALERT_SINK_FILE=$ALERTS_FILE" \
      node "$REPO_ROOT/infra/alertmanager/alert-sink-main.ts"
    wait_ready alert-sink alert_sink_ready
  fi
  if pgid="$(proc_pgid alertmanager)"; then
    kill -HUP -- "-$pgid"
    return 0
  fi
  log "==> alertmanager on 127.0.0.1:$ALERTMANAGER_PORT"
  port_in_use "$ALERTMANAGER_PORT" && die "alertmanager: port $ALERTMANAGER_PORT is taken by another process"
  # An empty cluster address: one Alertmanager, no gossip port (it would take 9094).
  start_process alertmanager prometheus-alertmanager --config.file="$ALERTMANAGER_DIR/alertmanager.yml" \
    --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" --storage.path="$ALERTMANAGER_DIR/data" \
    --cluster.listen-address=
  wait_ready alertmanager alertmanager_ready
}

alertmanager_down() {
  if proc_pgid alertmanager >/dev/null; then stop_process alertmanager 10; fi
  if proc_pgid alert-sink >/dev/null; then stop_process alert-sink 5; fi
  return 0
}

# --- exporters: Postgres, both Redis servers and PgBouncer -----------------------------------
# One process each, on loopback, scraped by Prometheus (prometheus.yml): Debian's for Postgres
# and Redis, the repository's own for PgBouncer (Debian's fails on PgBouncer 1.18:
# docs/observability.md). The Postgres exporter reads the primary directly (PgBouncer would
# hand it a different backend per query); its extra query is the slow statements
# (infra/postgres-exporter/). PgBouncer's reads the admin console as the stats role.

postgres_exporter_ready() { [[ "$(http_code "http://127.0.0.1:$POSTGRES_EXPORTER_PORT/metrics")" == 200 ]]; }
redis_exporter_ready() { [[ "$(http_code "http://127.0.0.1:$REDIS_EXPORTER_PORT/metrics")" == 200 ]]; }
cache_redis_exporter_ready() { [[ "$(http_code "http://127.0.0.1:$CACHE_REDIS_EXPORTER_PORT/metrics")" == 200 ]]; }
pgbouncer_exporter_ready() { [[ "$(http_code "http://127.0.0.1:$PGBOUNCER_EXPORTER_PORT/metrics")" == 200 ]]; }

# start_exporter NAME PORT READY COMMAND...: unless it runs already.
start_exporter() {
  local name=$1 port=$2 ready=$3
  shift 3
  if proc_pgid "$name" >/dev/null; then return 0; fi
  port_in_use "$port" && die "$name: port $port is taken by another process"
  start_process "$name" "$@"
  wait_ready "$name" "$ready"
}

exporters_up() {
  ((WITH_PROMETHEUS)) || return 0
  log "==> exporters: postgres :$POSTGRES_EXPORTER_PORT, redis :$REDIS_EXPORTER_PORT, redis-cache :$CACHE_REDIS_EXPORTER_PORT, pgbouncer :$PGBOUNCER_EXPORTER_PORT"
  start_exporter postgres-exporter "$POSTGRES_EXPORTER_PORT" postgres_exporter_ready \
    env "DATA_SOURCE_NAME=$DIRECT_DATABASE_URL?sslmode=disable" prometheus-postgres-exporter \
    --web.listen-address="127.0.0.1:$POSTGRES_EXPORTER_PORT" \
    --extend.query-path="$REPO_ROOT/infra/postgres-exporter/queries.yaml"
  start_exporter redis-exporter "$REDIS_EXPORTER_PORT" redis_exporter_ready \
    prometheus-redis-exporter --redis.addr="$REDIS_URL" --web.listen-address="127.0.0.1:$REDIS_EXPORTER_PORT"
  start_exporter cache-redis-exporter "$CACHE_REDIS_EXPORTER_PORT" cache_redis_exporter_ready \
    prometheus-redis-exporter --redis.addr="$CACHE_REDIS_URL" --web.listen-address="127.0.0.1:$CACHE_REDIS_EXPORTER_PORT"
  start_exporter pgbouncer-exporter "$PGBOUNCER_EXPORTER_PORT" pgbouncer_exporter_ready \
    env "PGBOUNCER_ADMIN_URL=postgresql://headroom_stats:$(pgbouncer_stats_password)@127.0.0.1:$PGBOUNCER_PORT/pgbouncer" \
    PGBOUNCER_EXPORTER_HOST=127.0.0.1 "PGBOUNCER_EXPORTER_PORT=$PGBOUNCER_EXPORTER_PORT" \
    node "$REPO_ROOT/infra/pgbouncer/exporter-main.ts"
}

exporters_down() {
  local name
  for name in postgres-exporter redis-exporter cache-redis-exporter pgbouncer-exporter; do
    if proc_pgid "$name" >/dev/null; then stop_process "$name" 5; fi
  done
  return 0
}

# --- nginx: the load balancer, the web origin and the edge ------------------------------------

# lb_servers [OUT]: one server line per API process; the one numbered OUT (a deploy replacing
# it) marked down, so the load balancer sends it nothing new.
lb_servers() {
  local index out=${1:-} mark
  for index in $(replica_indexes api "$API_REPLICAS"); do
    mark=""
    [[ $index == "$out" ]] && mark=" down"
    printf 'server 127.0.0.1:%s max_fails=1 fail_timeout=%ss max_conns=%s%s;\n' "$(api_port "$index")" \
      "$LB_FAIL_TIMEOUT_SECONDS" "$LB_MAX_CONNS_PER_REPLICA" "$mark"
  done
}

# lb_up [OUT]: render and start or reload the load balancer; after a reload, wait until every
# nginx worker from before it has exited. `nginx -s reload` returns before the master has even
# started the new workers, and the old ones keep sending requests (to OUT too) until they have
# finished theirs: a roll-over that stopped a replica sooner got 503s (3 in one rehearsal).
lb_up() {
  local master="" old_workers=""
  if master="$(live_pid "$LB_DIR/nginx.pid" nginx)"; then old_workers="$(lb_workers "$master")"; fi
  LB_LISTEN="127.0.0.1:$LB_PORT" LB_API_SERVERS="$(lb_servers "${1:-}")" bash "$NGINX" up lb "$LB_DIR" >&2
  [[ -n $old_workers ]] || return 0
  wait_until "$LB_RELOAD_TIMEOUT" lb_workers_gone "$master" "$old_workers" ||
    log "lb: old workers still finishing requests after ${LB_RELOAD_TIMEOUT}s"
}

# lb_workers MASTER: the pids of the nginx master's children, one a line.
lb_workers() {
  ps --ppid "$1" -o pid= | tr -d ' '
}

# lb_workers_gone MASTER PIDS: none of PIDS is still a child of MASTER.
lb_workers_gone() {
  local pid running
  running="$(lb_workers "$1")"
  for pid in $2; do
    if grep -qx "$pid" <<<"$running"; then return 1; fi
  done
  return 0
}

web_origin_up() {
  WEB_LISTEN="127.0.0.1:$WEB_PORT" WEB_ROOT="$APP_TREE/apps/web/dist" bash "$NGINX" up web-origin "$WEB_DIR"
}

front_up() {
  log "==> load balancer, web origin and edge (nginx)"
  lb_up
  web_origin_up
  EDGE_LISTEN="127.0.0.1:$EDGE_PORT" EDGE_ORIGIN_UPSTREAM="127.0.0.1:$WEB_PORT" \
    EDGE_API_UPSTREAM="127.0.0.1:$LB_PORT" EDGE_CACHE_DIR="$EDGE_DIR/cache" \
    bash "$NGINX" up edge "$EDGE_DIR"
}

front_down() {
  bash "$NGINX" down edge "$EDGE_DIR"
  bash "$NGINX" down web-origin "$WEB_DIR"
  bash "$NGINX" down lb "$LB_DIR"
}

# --- the whole stack -------------------------------------------------------------------------

# Healthy means: the edge serves the site and answers readyz through the load balancer.
stack_ready() {
  [[ "$(http_code "$SITE_URL/api/readyz")" == 200 ]] && [[ "$(http_code "$SITE_URL/")" == 200 ]]
}

print_locations() {
  local index
  printf '%-12s %s\n' site "$SITE_URL/   (the edge: the one front door)"
  printf '%-12s %s\n' api "$SITE_URL/api   (edge -> load balancer $LB_URL -> $API_REPLICAS API processes)"
  printf '%-12s %s\n' docs "$SITE_URL/api/docs"
  for ((index = 1; index <= API_REPLICAS; index++)); do
    printf '%-12s %s\n' "api-$index" "http://127.0.0.1:$(api_port "$index")/api   metrics http://127.0.0.1:$(api_metrics_port "$index")/metrics"
  done
  for ((index = 1; index <= WORKER_REPLICAS; index++)); do
    printf '%-12s %s\n' "worker-$index" "metrics http://127.0.0.1:$(worker_metrics_port "$index")/metrics   emails in $(rel "$MAIL_DIR")/"
  done
  if ((WITH_PROMETHEUS)); then
    printf '%-12s %s\n' prometheus "http://127.0.0.1:$PROMETHEUS_PORT/"
    printf '%-12s %s\n' alertmanager "http://127.0.0.1:$ALERTMANAGER_PORT/   notifications in $(rel "$ALERTS_FILE") and at http://127.0.0.1:$ALERT_SINK_PORT/"
  fi
  printf '%-12s %s\n' pgbouncer "127.0.0.1:$PGBOUNCER_PORT (the apps' DATABASE_URL, and the API's DATABASE_REPLICA_URL: database headroom_replica)"
  printf '%-12s %s\n' logs "$(rel "$PROCS_DIR")/*.log, $(rel "$STATE_DIR")/nginx/*/logs/"
  bash "$SERVICES" env --profile "$PROFILE"
}

require_curl() {
  command -v curl >/dev/null 2>&1 || die "curl is needed to check the stack's health (apt-get install -y curl)"
}

bring_up() {
  local shared
  require_curl
  shared="$(cmd_ports | awk '{ print $2 }' | sort | uniq -d | paste -sd ' ')"
  [[ -z $shared ]] || die "two parts of the stack would listen on the same port ($shared): move one with its HEADROOM_*_PORT (stack.sh ports lists them)"
  stack_ports | while read -r name port; do warn_if_ephemeral_port "$name" "$port"; done
  prepare
  pgbouncer_up
  apps_up
  front_up
  exporters_up
  alertmanager_up
  prometheus_up
  wait_until "$READY_TIMEOUT" stack_ready ||
    die "the edge does not serve the site and the API (site $(http_code "$SITE_URL/"), api $(http_code "$SITE_URL/api/readyz"))"
}

cmd_up() {
  bring_up
  echo "stack ($PROFILE): up"
  print_locations
}

# Everything but Postgres and Redis, which keep their data.
stop_all_but_services() {
  front_down
  apps_down
  if proc_pgid prometheus >/dev/null; then stop_process prometheus 10; fi
  alertmanager_down
  exporters_down
  pgbouncer_down
}

cmd_start() {
  bring_up
  echo
  print_locations
  echo
  echo "Following the API and worker logs. Ctrl-C stops the apps, nginx, PgBouncer,"
  echo "Prometheus and Alertmanager; Postgres and Redis keep running (npm run stack:down stops them too)."
  trap 'echo; stop_all_but_services; exit 0' INT TERM
  tail -n 0 -F "$PROCS_DIR"/api-*.log "$PROCS_DIR"/worker-*.log &
  wait
}

cmd_down() {
  stop_all_but_services
  bash "$SERVICES" down --profile "$PROFILE"
  # The next up runs the checkout again (a deployed release is deployed anew).
  rm -f "$RELEASE_FILE" "$PREVIOUS_RELEASE_FILE"
}

# Replaces each API process in turn (running APP_TREE) while the others serve: out of the load
# balancer first, so no new request reaches it (a POST it refused while draining would not be
# retried elsewhere), then SIGTERM (it drains), a new one on the same port, and back in
# rotation once that one is ready.
roll_api_processes() {
  local index
  for index in $(replica_indexes api "$API_REPLICAS"); do
    lb_up "$index"
    stop_process "api-$index" "$API_STOP_TIMEOUT" >&2
    start_api "$index"
    wait_ready "api-$index" api_ready "$index"
    lb_up
    log "api-$index: restarted, running $(rel "$APP_TREE")"
  done
}

cmd_rolling_restart() {
  require_curl
  cd "$REPO_ROOT"
  use_node_runtime
  load_service_urls
  JWT_SECRET="$(jwt_secret)"
  roll_api_processes
}

# --- deploy and rollback ------------------------------------------------------------------------
# A release is a git commit built in a work tree of its own (.local/deploy/<sha>), so the
# checkout can change while it runs and the previous release stays built for a rollback.
# RELEASE_FILE says which one runs (ref=, sha=, tree=, deployed_at= lines); without it, the
# checkout runs. Migrations are expand-only (docs/database.md, "Expand and contract"): the
# previous release keeps working on the new schema, which is what makes rolling back safe.

# release_field FILE KEY: the value of KEY in a release file; fails when there is none.
release_field() {
  local file=$1 key=$2 line
  [[ -f $file ]] || return 1
  while IFS= read -r line; do
    if [[ $line == "$key="* ]]; then
      printf '%s\n' "${line#*=}"
      return 0
    fi
  done <"$file"
  return 1
}

# describe_release FILE: one line, "REF (SHA) in TREE", or the checkout's commit.
describe_release() {
  if [[ -f $1 ]]; then
    printf '%s (%s) from %s, deployed %s\n' "$(release_field "$1" ref)" \
      "$(release_field "$1" sha | cut -c1-12)" "$(rel "$(release_field "$1" tree)")" \
      "$(release_field "$1" deployed_at)"
  else
    printf 'the checkout (%s, with its uncommitted changes)\n' "$(git -C "$REPO_ROOT" rev-parse --short=12 HEAD)"
  fi
}

# build_release SHA TREE: the commit checked out in its own work tree, its dependencies
# installed with this Node, the Prisma client generated and the site built. Once per commit.
build_release() {
  local sha=$1 tree=$2
  if [[ ! -e $tree/.git ]]; then
    log "==> deploy: work tree for $sha in $(rel "$tree")"
    mkdir -p "$DEPLOY_DIR"
    git -C "$REPO_ROOT" worktree prune
    git -C "$REPO_ROOT" worktree add --detach "$tree" "$sha" >&2
  fi
  if [[ -f $tree/$RELEASE_BUILT_STAMP ]]; then
    log "==> deploy: $(rel "$tree") is built"
    return 0
  fi
  log "==> deploy: npm ci, prisma client and site in $(rel "$tree")"
  (
    cd "$tree"
    npm ci --prefer-offline --no-audit --no-fund >&2
    npm run --silent db:generate >&2
    npm run --silent build -w @headroom/web >&2
  ) || die "the build of $sha failed; nothing was migrated or restarted"
  mkdir -p "$tree/$(dirname "$RELEASE_BUILT_STAMP")"
  touch "$tree/$RELEASE_BUILT_STAMP"
}

# migrate_release TREE FORCE: the release's migrations, on the primary (the advisory lock needs
# a session). Expand only unless FORCE is 1: a contract step removes what the running release
# may still use.
migrate_release() {
  local tree=$1 force=$2 arguments=(deploy --expand-only) status=0
  if ((force)); then arguments=(deploy); fi
  log "==> deploy: migrations (${arguments[*]})"
  env -C "$tree" DATABASE_URL="$DIRECT_DATABASE_URL" \
    node --import tsx packages/db/src/migrate-cli.ts "${arguments[@]}" || status=$?
  if ((status == MIGRATE_REFUSED_CONTRACT)); then
    die "a pending migration is a contract step; nothing was restarted. Deploy it once no running release needs what it removes, with --force-contract"
  fi
  ((status == 0)) || die "the migrations failed; nothing was restarted"
}

# roll_over TREE: every API process, then every worker, replaced one at a time by one running
# TREE, then the site. Each worker stops taking jobs and finishes the running ones before its
# replacement starts (SIGTERM, apps/worker/src/main.ts); jobs added meanwhile wait in Redis.
roll_over() {
  local index
  APP_TREE=$1
  roll_api_processes
  for index in $(replica_indexes worker "$WORKER_REPLICAS"); do
    stop_process "worker-$index" "$WORKER_STOP_TIMEOUT" >&2
    start_worker "$index"
    wait_ready "worker-$index" worker_ready "$index"
    log "worker-$index: running $(rel "$APP_TREE")"
  done
  web_origin_up >&2
}

# record_release REF SHA TREE: RELEASE_FILE names it; the one it replaces becomes the previous.
record_release() {
  local ref=$1 sha=$2 tree=$3 previous_tree
  if [[ -f $RELEASE_FILE ]]; then
    mv "$RELEASE_FILE" "$PREVIOUS_RELEASE_FILE"
  else
    # The checkout ran: its commit is what a rollback returns to (built like any other).
    printf 'ref=%s\nsha=%s\ntree=%s\ndeployed_at=%s\n' checkout \
      "$(git -C "$REPO_ROOT" rev-parse HEAD)" "$REPO_ROOT" "(started by stack.sh up)" >"$PREVIOUS_RELEASE_FILE"
  fi
  printf 'ref=%s\nsha=%s\ntree=%s\ndeployed_at=%s\n' "$ref" "$sha" "$tree" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$RELEASE_FILE"
  # Work trees of releases neither running nor previous: each holds a node_modules.
  previous_tree="$(release_field "$PREVIOUS_RELEASE_FILE" tree || true)"
  for tree in "$DEPLOY_DIR"/*; do
    [[ -d $tree && $tree != "$APP_TREE" && $tree != "$previous_tree" ]] || continue
    [[ -e $tree/.git ]] || continue
    if git -C "$REPO_ROOT" worktree remove --force "$tree"; then
      log "removed the unused work tree $(rel "$tree")"
    fi
  done
}

# deploy REF FORCE: the whole sequence, on a running stack. Nothing running is touched until
# the build and the migrations have succeeded.
deploy_release() {
  local ref=$1 force=$2 sha tree
  require_curl
  cd "$REPO_ROOT"
  use_node_runtime
  stack_ready || die "the stack ($PROFILE) is not up: a deploy replaces running processes (npm run stack:up)"
  sha="$(git rev-parse --verify --quiet "$ref^{commit}")" || die "'$ref' is not a commit of this repository"
  tree="$DEPLOY_DIR/$sha"
  build_release "$sha" "$tree"
  load_service_urls
  JWT_SECRET="$(jwt_secret)"
  migrate_release "$tree" "$force"
  roll_over "$tree"
  record_release "$ref" "$sha" "$tree"
  echo "deployed: $(describe_release "$RELEASE_FILE")"
}

cmd_deploy() {
  local ref=$1 force=$2
  [[ -n $ref ]] || usage
  deploy_release "$ref" "$force"
}

# Back to the release that ran before the last deploy, by its commit (the previous work tree,
# or the checkout's commit built like a release). Its migrations are already applied, so none
# run; the schema it meets is the expanded one, which it works with by the expand rule.
cmd_rollback() {
  local sha
  [[ -f $PREVIOUS_RELEASE_FILE ]] || die "no previous release to roll back to (nothing was deployed since stack.sh up)"
  sha="$(release_field "$PREVIOUS_RELEASE_FILE" sha)"
  log "==> rollback to $(describe_release "$PREVIOUS_RELEASE_FILE")"
  require_curl
  cd "$REPO_ROOT"
  use_node_runtime
  stack_ready || die "the stack ($PROFILE) is not up"
  build_release "$sha" "$DEPLOY_DIR/$sha"
  load_service_urls
  JWT_SECRET="$(jwt_secret)"
  roll_over "$DEPLOY_DIR/$sha"
  record_release "rollback to $(release_field "$PREVIOUS_RELEASE_FILE" ref)" "$sha" "$DEPLOY_DIR/$sha"
  echo "rolled back: $(describe_release "$RELEASE_FILE")"
}

# The primary died (or must go): services.sh failover runs infra/native/postgres-failover.sh,
# which fences it, promotes the replica and repoints PgBouncer (both of its databases) at the
# new primary. The API processes keep their connections to PgBouncer and are not restarted;
# their replica reads go to the primary until a replica exists again. The workers' LISTEN
# connection and the Postgres exporter reach the primary directly, so they are restarted with
# its new address (a worker meanwhile polls the outbox). `stack.sh up` then copies the new
# primary into the old one's directory, a replica again (docs/high-availability.md).
cmd_failover_postgres() {
  local index started
  started="$(date +%s%3N)"
  cd "$REPO_ROOT"
  use_node_runtime
  load_service_urls
  pgbouncer_pid >/dev/null || die "pgbouncer is not running: the failover repoints it (npm run stack:up first)"
  bash "$SERVICES" failover --profile "$PROFILE" --pgbouncer-ini "$PGBOUNCER_DIR/pgbouncer.ini" \
    --pgbouncer-url "$DATABASE_URL"
  load_service_urls
  for index in $(replica_indexes worker "$WORKER_REPLICAS"); do
    proc_pgid "worker-$index" >/dev/null || continue
    stop_process "worker-$index" "$WORKER_STOP_TIMEOUT"
    start_worker "$index"
    wait_ready "worker-$index" worker_ready "$index"
    echo "worker-$index: restarted, LISTENing on the new primary"
  done
  if proc_pgid postgres-exporter >/dev/null; then
    stop_process postgres-exporter 5
    exporters_up
  fi
  echo "failover-postgres ($PROFILE): done in $(($(date +%s%3N) - started)) ms; npm run stack:up makes a new replica"
}

status_line() {
  printf '%-16s %-5s %-22s %s\n' "$@"
}

cmd_status() {
  local index state name port
  echo "release: $(describe_release "$RELEASE_FILE")"
  status_line part state address health
  bash "$SERVICES" status --profile "$PROFILE" | while read -r name state address rest; do
    status_line "$name" "$state" "$address" "$rest"
  done
  state=down
  if pgbouncer_pid >/dev/null; then state=up; fi
  status_line pgbouncer "$state" "127.0.0.1:$PGBOUNCER_PORT" ""
  for index in $(replica_indexes api "$API_REPLICAS"); do
    name="api-$index"
    port="$(api_port "$index")"
    state=down
    if proc_pgid "$name" >/dev/null; then state=up; fi
    status_line "$name" "$state" "127.0.0.1:$port" "readyz $(http_code "http://127.0.0.1:$port/api/readyz")"
  done
  for index in $(replica_indexes worker "$WORKER_REPLICAS"); do
    name="worker-$index"
    port="$(worker_metrics_port "$index")"
    state=down
    if proc_pgid "$name" >/dev/null; then state=up; fi
    status_line "$name" "$state" "127.0.0.1:$port" "metrics $(http_code "http://127.0.0.1:$port/metrics")"
  done
  bash "$NGINX" status lb "$LB_DIR"
  bash "$NGINX" status web-origin "$WEB_DIR"
  bash "$NGINX" status edge "$EDGE_DIR"
  if ((WITH_PROMETHEUS)); then
    state=down
    if proc_pgid prometheus >/dev/null; then state=up; fi
    status_line prometheus "$state" "127.0.0.1:$PROMETHEUS_PORT" "ready $(http_code "http://127.0.0.1:$PROMETHEUS_PORT/-/ready")"
    state=down
    if proc_pgid alertmanager >/dev/null; then state=up; fi
    status_line alertmanager "$state" "127.0.0.1:$ALERTMANAGER_PORT" "ready $(http_code "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready")"
    state=down
    if proc_pgid alert-sink >/dev/null; then state=up; fi
    status_line alert-sink "$state" "127.0.0.1:$ALERT_SINK_PORT" "$(rel "$ALERTS_FILE")"
    for name in postgres-exporter:$POSTGRES_EXPORTER_PORT redis-exporter:$REDIS_EXPORTER_PORT \
      cache-redis-exporter:$CACHE_REDIS_EXPORTER_PORT pgbouncer-exporter:$PGBOUNCER_EXPORTER_PORT; do
      state=down
      if proc_pgid "${name%%:*}" >/dev/null; then state=up; fi
      status_line "${name%%:*}" "$state" "127.0.0.1:${name#*:}" "metrics $(http_code "http://127.0.0.1:${name#*:}/metrics")"
    done
  fi
  state=down
  if stack_ready; then state=up; fi
  status_line front-door "$state" "127.0.0.1:$EDGE_PORT" "site $(http_code "$SITE_URL/"), api $(http_code "$SITE_URL/api/readyz")"
}

# The ports of the parts stack.sh starts itself (services.sh ports gives Postgres and Redis),
# one per API and worker process that API_REPLICAS and WORKER_REPLICAS ask for.
stack_ports() {
  topology_ports "$PROFILE" stack.sh
}

cmd_ports() {
  bash "$SERVICES" ports --profile "$PROFILE"
  stack_ports
}

main() {
  (($# >= 1)) || usage
  local command=$1 profile=stack ref="" force_contract=0
  shift
  while (($# > 0)); do
    case $1 in
      --force-contract)
        [[ $command == deploy ]] || usage
        force_contract=1
        shift
        ;;
      --profile)
        (($# >= 2)) || usage
        profile=$2
        shift 2
        ;;
      --profile=*)
        profile=${1#--profile=}
        shift
        ;;
      -*) usage ;;
      *)
        [[ $command == deploy && -z $ref ]] || usage
        ref=$1
        shift
        ;;
    esac
  done
  configure_profile "$profile"
  case $command in
    start) cmd_start ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    ports) cmd_ports ;;
    rolling-restart) cmd_rolling_restart ;;
    failover-postgres) cmd_failover_postgres ;;
    deploy) cmd_deploy "$ref" "$force_contract" ;;
    rollback) cmd_rollback ;;
    *) usage ;;
  esac
}

main "$@"
