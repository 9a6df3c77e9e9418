#!/usr/bin/env bash
# One nginx of the kit (the edge, the web origin or the load balancer) on this machine, without Docker. It
# renders the role's template from infra/nginx/ into a directory of its own and runs nginx
# there, with its own pid file, logs, temp files and cache: never the machine's nginx.
#
#   nginx.sh up|down|status|render edge|web-origin|lb DIR
#
#   up      render, check the configuration, start (or reload a running one), wait for the port
#   down    stop gracefully (in-flight requests finish), then harder if it lingers
#   status  print whether it runs
#   render  write DIR/nginx.conf and DIR/site.conf only, and check them
#
# The template's variables come from the environment (the list per role is in
# template_variables); stack.sh sets them, and so do the edge tests (infra/nginx/test/).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly TEMPLATES="$REPO_ROOT/infra/nginx"
# Started as root, nginx runs its workers as this user, as Debian's own nginx does.
readonly WORKER_USER=www-data
# nginx binds its port before it daemonizes, so start-up is quick; these only bound the wait.
readonly START_TIMEOUT=10
# A graceful stop waits for in-flight requests; the edge's are short.
readonly STOP_TIMEOUT=10

usage() {
  echo "usage: nginx.sh up|down|status|render edge|web-origin|lb DIR" >&2
  exit 2
}

# The edge and the load balancer refuse exactly the bodies the API refuses: the API's
# BODY_LIMIT_BYTES when set, else its default (apps/api/src/config.ts; a test keeps them equal).
readonly API_DEFAULT_BODY_LIMIT_BYTES=262144
export EDGE_BODY_LIMIT_BYTES="${EDGE_BODY_LIMIT_BYTES:-${BODY_LIMIT_BYTES:-$API_DEFAULT_BODY_LIMIT_BYTES}}"
export LB_BODY_LIMIT_BYTES="${LB_BODY_LIMIT_BYTES:-${BODY_LIMIT_BYTES:-$API_DEFAULT_BODY_LIMIT_BYTES}}"

# The variables envsubst replaces: only these, so nginx's own $variables survive.
template_variables() {
  case $ROLE in
    edge) echo EDGE_LISTEN EDGE_ORIGIN_UPSTREAM EDGE_API_UPSTREAM EDGE_CACHE_DIR EDGE_BODY_LIMIT_BYTES ;;
    web-origin) echo WEB_LISTEN WEB_ROOT ;;
    lb) echo LB_LISTEN LB_API_SERVERS LB_BODY_LIMIT_BYTES ;;
  esac
}

listen_address() {
  case $ROLE in
    edge) echo "$EDGE_LISTEN" ;;
    web-origin) echo "$WEB_LISTEN" ;;
    lb) echo "$LB_LISTEN" ;;
  esac
}

nginx_bin() {
  command -v nginx 2>/dev/null || echo /usr/sbin/nginx
}

# Every nginx invocation for this instance: the same prefix, configuration and error log
# (-e: messages from before the configuration is read go there too, not to /var/log/nginx).
run_nginx() {
  local globals=()
  if is_root; then globals=(-g "user $WORKER_USER;"); fi
  "$(nginx_bin)" -p "$DIR/" -c "$DIR/nginx.conf" -e "$DIR/logs/error.log" "${globals[@]}" "$@"
}

# The master's pid, if it is alive. The process name guards against a stale pid file whose
# number now belongs to something else.
master_pid() {
  live_pid "$DIR/nginx.pid" nginx
}

install_missing() {
  local missing
  missing="$(missing_web_packages)"
  if [[ -n $missing ]]; then
    # shellcheck disable=SC2086 # one package name per word
    apt_install $missing
  fi
}

cmd_render() {
  local variables=() missing=() name
  read -ra variables <<<"$(template_variables)"
  for name in "${variables[@]}"; do
    [[ -n ${!name:-} ]] || missing+=("$name")
  done
  ((${#missing[@]} == 0)) || die "$ROLE: set ${missing[*]} (see infra/nginx/$ROLE.conf.template)"

  mkdir -p "$DIR/logs" "$DIR/tmp"
  if [[ $ROLE == edge ]]; then
    # nginx creates the cache directory itself, but not its parents.
    mkdir -p "$(dirname "$EDGE_CACHE_DIR")"
  fi
  cp "$TEMPLATES/native.conf" "$DIR/nginx.conf"
  envsubst "$(printf '${%s} ' "${variables[@]}")" \
    <"$TEMPLATES/$ROLE.conf.template" >"$DIR/site.conf"
  if [[ $ROLE == web-origin ]] && is_root; then
    ensure_user_can_reach "$WORKER_USER" "$WEB_ROOT"
  fi
  if ! run_nginx -t -q; then
    die "$ROLE: the rendered configuration is invalid ($(rel "$DIR")/site.conf)"
  fi
}

cmd_up() {
  local pid address port
  install_missing
  cmd_render
  address="$(listen_address)"
  port="${address##*:}"
  if pid="$(master_pid)"; then
    run_nginx -s reload
    echo "$ROLE: reloaded on $address (pid $pid)"
    return 0
  fi
  if port_in_use "$port"; then
    die "$ROLE: port $port is taken by another process"
  fi
  # 9>&-: a caller's lock file descriptor must not be inherited by the daemon.
  run_nginx 9>&-
  if ! wait_until "$START_TIMEOUT" port_in_use "$port"; then
    tail -n 20 "$DIR/logs/error.log" >&2 || true
    die "$ROLE: nginx is not listening on $address after ${START_TIMEOUT}s"
  fi
  echo "$ROLE: started on $address, files in $(rel "$DIR")"
}

cmd_down() {
  local pid
  if ! pid="$(master_pid)"; then
    echo "$ROLE: not running"
    return 0
  fi
  # QUIT: stop accepting, finish in-flight requests, close idle keep-alive connections.
  stop_gracefully "$ROLE" "$pid" QUIT "$STOP_TIMEOUT"
  rm -f "$DIR/nginx.pid"
  echo "$ROLE: stopped"
}

cmd_status() {
  local state=down address=""
  if master_pid >/dev/null; then state=up; fi
  if [[ -f $DIR/site.conf ]]; then
    address="$(sed -n 's/^ *listen \([^;]*\);.*/\1/p' "$DIR/site.conf" | head -n 1)"
  fi
  printf '%-16s %-5s %-22s %s\n' "$ROLE" "$state" "$address" "$(rel "$DIR")"
}

main() {
  (($# == 3)) || usage
  local command=$1
  ROLE=$2
  case $ROLE in
    edge | web-origin | lb) ;;
    *) die "unknown role '$ROLE' (expected edge, web-origin or lb)" ;;
  esac
  if [[ ! -d $3 && ($command == down || $command == status) ]]; then
    DIR=$3
  else
    mkdir -p "$3"
    DIR="$(cd "$3" && pwd)"
  fi
  case $command in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    render) cmd_render ;;
    *) usage ;;
  esac
}

main "$@"
