# shellcheck shell=bash
# Shared by the native scripts (services.sh, stack.sh, nginx.sh, test.sh, .ci/run): where the repo
# is, how to report, how to install missing system packages, ports, and when to reinstall
# node_modules. Sourced, never run; it defines functions and REPO_ROOT and nothing else.

if [[ -n ${HEADROOM_LIB_SOURCED:-} ]]; then
  return 0
fi
HEADROOM_LIB_SOURCED=1

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Progress goes to stderr so that stdout stays clean for output meant to be parsed
# (services.sh env is read with eval).
log() {
  printf '%s\n' "$*" >&2
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# A path relative to the repo, for messages.
rel() {
  printf '%s\n' "${1#"$REPO_ROOT"/}"
}

# Whether something listens on 127.0.0.1:PORT. A client socket holding the number is not seen
# (see ephemeral_port_range).
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_until TIMEOUT COMMAND...: runs COMMAND (quietly) until it succeeds; 1 after TIMEOUT s.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# stop_gracefully NAME TARGET SIGNAL TIMEOUT: sends SIGNAL to TARGET (a pid, or -PGID for a
# process group) and waits for it to end; SIGKILL if it is still there after TIMEOUT s.
stop_gracefully() {
  local name=$1 target=$2 signal=$3 timeout=$4
  kill "-$signal" -- "$target" 2>/dev/null || true
  if ! wait_until "$timeout" eval "! kill -0 -- $target"; then
    log "$name: still running ${timeout}s after SIG$signal, sending SIGKILL"
    kill -KILL -- "$target" 2>/dev/null || true
  fi
}

# live_pid FILE NAME: the pid in FILE if that process is alive and named NAME (a glob). The
# name guards against a stale pid file whose number now belongs to something else.
live_pid() {
  local file=$1 name=$2 pid
  [[ -f $file ]] || return 1
  pid="$(cat "$file")"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # shellcheck disable=SC2053 # NAME is a glob on purpose (redis-server's name has a suffix)
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == $name ]] || return 1
  printf '%s\n' "$pid"
}

# profile_variable PROFILE NAME: the variable that overrides NAME for PROFILE: HEADROOM_<NAME>
# for the stack, HEADROOM_<PROFILE>_<NAME> (HEADROOM_E2E_EDGE_PORT, HEADROOM_TEST_PG_PORT) for
# the others. One variable per profile: a port or replica count exported in a shell to move
# the stack must not move the test suite's stacks onto the same number.
profile_variable() {
  if [[ $1 == stack ]]; then echo "HEADROOM_$2"; else echo "HEADROOM_${1^^}_$2"; fi
}

# profile_setting PROFILE NAME DEFAULT: the override's value, else DEFAULT.
profile_setting() {
  local variable
  variable="$(profile_variable "$1" "$2")"
  printf '%s\n' "${!variable:-$3}"
}

# topology_rows PROFILE: every part in infra/topology/ports.txt, as `part started-by variable
# port` lines: the port PROFILE gives it there, or its override (profile_setting); - when the
# profile has no such part. PROFILE is a column of the file: stack, test, e2e or compose.
topology_rows() {
  local profile=$1 column=-1 fields index
  while read -ra fields; do
    if ((${#fields[@]} == 0)) || [[ ${fields[0]} == '#'* ]]; then continue; fi
    if ((column < 0)); then
      # The header: the first line that is not a comment.
      for index in "${!fields[@]}"; do
        if [[ ${fields[index]} == "$profile" ]]; then column=$index; fi
      done
      ((column >= 0)) || die "infra/topology/ports.txt has no column for profile '$profile'"
      continue
    fi
    if [[ ${fields[column]} != - && ${fields[2]} != - ]]; then
      fields[column]="$(profile_setting "$profile" "${fields[2]}" "${fields[column]}")"
    fi
    printf '%s %s %s %s\n' "${fields[0]}" "${fields[1]}" "${fields[2]}" "${fields[column]}"
  done <"$REPO_ROOT/infra/topology/ports.txt"
}

# load_topology_ports PROFILE: sets each part's variable (PG_PORT, EDGE_PORT, ...) to its port
# in PROFILE, overrides applied; to nothing when the profile has no such part.
load_topology_ports() {
  local part started_by variable port
  while read -r part started_by variable port; do
    if [[ $variable == - ]]; then continue; fi
    if [[ $port == - ]]; then port=""; fi
    printf -v "$variable" '%s' "$port"
  done < <(topology_rows "$1")
}

# replicated_kind PART: api for api-N and api-N-metrics, worker for worker-N-metrics; nothing
# for a part that runs once.
replicated_kind() {
  if [[ $1 =~ ^([a-z]+)-N(-|$) ]]; then printf '%s\n' "${BASH_REMATCH[1]}"; fi
}

# topology_ports PROFILE STARTED_BY: `name port` lines for the parts STARTED_BY (services.sh or
# stack.sh) runs in PROFILE, in the file's order. A replicated part is listed once per replica
# (api-1 3001, api-2 3002, ...), as many as <KIND>_REPLICAS (API_REPLICAS, set by the caller)
# says; neighbouring lines of one kind go replica by replica (api-1, api-1-metrics, api-2, ...).
topology_ports() {
  local profile=$1 started_by=$2 parts=() ports=() part owner variable port
  local first last row kind replicas_variable replica
  while read -r part owner variable port; do
    if [[ $owner == "$started_by" && $port != - ]]; then parts+=("$part") ports+=("$port"); fi
  done < <(topology_rows "$profile")
  for ((first = 0; first < ${#parts[@]}; first = last)); do
    kind="$(replicated_kind "${parts[first]}")"
    last=$((first + 1))
    if [[ -z $kind ]]; then
      printf '%s %s\n' "${parts[first]}" "${ports[first]}"
      continue
    fi
    while ((last < ${#parts[@]})) && [[ "$(replicated_kind "${parts[last]}")" == "$kind" ]]; do
      last=$((last + 1))
    done
    replicas_variable="${kind^^}_REPLICAS"
    [[ -n ${!replicas_variable:-} ]] || die "topology_ports: $replicas_variable is not set (the number of $kind-N parts)"
    for ((replica = 1; replica <= ${!replicas_variable}; replica++)); do
      for ((row = first; row < last; row++)); do
        printf '%s %s\n' "${parts[row]/-N/-$replica}" "$((ports[row] + replica))"
      done
    done
  done
}

# Linux gives each outgoing connection a local port from this range (32768-60999 unless the
# machine says otherwise). A server port inside it can be held by a client socket that drew
# the same number, while it is open and for a minute after it closes (TIME_WAIT), and the
# server then fails with "Address already in use": that failed a CI run, Postgres :55432
# after the test suite's load runs. So every default port here lies below the range, and a
# port moved into it gets a warning.
ephemeral_port_range() {
  local low=32768 high=60999
  if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
    read -r low high </proc/sys/net/ipv4/ip_local_port_range
  fi
  printf '%s %s\n' "$low" "$high"
}

# warn_if_ephemeral_port NAME PORT: a warning on stderr when PORT is in the ephemeral range.
warn_if_ephemeral_port() {
  local name=$1 port=$2 low high
  read -r low high < <(ephemeral_port_range)
  if ((port >= low && port <= high)); then
    log "warning: $name port $port is inside this machine's ephemeral port range ($low-$high):"
    log "  an outgoing connection can hold it and the start then fails with 'Address already in use'"
  fi
  return 0
}

is_root() {
  [[ $(id -u) -eq 0 ]]
}

# Installs Debian packages that are not there yet. apt-get update runs at most once per
# process: it is the slow part, and an install without it can miss packages on a fresh
# machine whose package lists are empty.
apt_install() {
  local packages=("$@")
  if (( ${#packages[@]} == 0 )); then
    return 0
  fi
  local command="apt-get install -y --no-install-recommends ${packages[*]}"
  if ! is_root; then
    log "missing system packages: ${packages[*]}"
    log "install them as root, then run this again:"
    log "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive $command"
    exit 1
  fi
  if [[ -z ${HEADROOM_APT_UPDATED:-} ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    HEADROOM_APT_UPDATED=1
  fi
  log "$command"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${packages[@]}" >&2
}

# The directory holding PostgreSQL's server binaries (initdb, pg_ctl, postgres).
# Debian keeps them off PATH under /usr/lib/postgresql/<major>/bin. pg_config can belong
# to libpq-dev of another major than the installed server, so its answer is only taken
# when initdb is really there.
find_pg_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir 2>/dev/null || true)"
    if [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]]; then
      printf '%s\n' "$dir"
      return 0
    fi
  fi
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null \
    | sort -V | tail -n 1)"
  if [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]]; then
    printf '%s\n' "$dir"
    return 0
  fi
  return 1
}

# The Debian packages the private services need and that are not installed yet.
missing_service_packages() {
  local missing=()
  find_pg_bindir >/dev/null || missing+=(postgresql)
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    missing+=(redis-server)
  fi
  # The stack's Sentinels, which promote the queue Redis' replica (infra/native/redis-sentinel.sh).
  command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
  if (( ${#missing[@]} > 0 )); then
    printf '%s\n' "${missing[@]}"
  fi
}

# Installs dependencies when there are none, or when package-lock.json changed since the
# last install (npm writes node_modules/.package-lock.json at the end of every install).
# Without a lockfile `npm ci` refuses to run, so the first install creates one.
ensure_node_modules() {
  local lockfile="$REPO_ROOT/package-lock.json"
  local installed="$REPO_ROOT/node_modules/.package-lock.json"
  if [[ -d $REPO_ROOT/node_modules && -f $installed ]]; then
    if [[ ! -f $lockfile || ! $lockfile -nt $installed ]]; then
      return 0
    fi
  fi
  if [[ -f $lockfile ]]; then
    log "==> npm ci (node_modules missing or older than package-lock.json)"
    (cd "$REPO_ROOT" && npm ci --no-audit --no-fund)
  else
    log "==> npm install (no package-lock.json yet)"
    (cd "$REPO_ROOT" && npm install --no-audit --no-fund)
  fi
}

# The Debian packages the web front (the edge and the web origin, both nginx; envsubst renders
# their templates) needs and that are not installed yet. /usr/sbin is not on every user's PATH.
missing_web_packages() {
  local missing=()
  if ! command -v nginx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nginx ]]; then
    missing+=(nginx)
  fi
  command -v envsubst >/dev/null 2>&1 || missing+=(gettext-base)
  if (( ${#missing[@]} > 0 )); then
    printf '%s\n' "${missing[@]}"
  fi
}

# The rest of the native topology (infra/native/stack.sh): PgBouncer in front of Postgres, and
# Prometheus scraping the apps and the exporters of Postgres and Redis, Alertmanager delivering
# its alerts.
missing_topology_packages() {
  local missing=()
  if ! command -v pgbouncer >/dev/null 2>&1 && [[ ! -x /usr/sbin/pgbouncer ]]; then
    missing+=(pgbouncer)
  fi
  command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
  command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
  command -v prometheus-postgres-exporter >/dev/null 2>&1 || missing+=(prometheus-postgres-exporter)
  command -v prometheus-redis-exporter >/dev/null 2>&1 || missing+=(prometheus-redis-exporter)
  # The fault suite's network faults (load-tests/faults/network-faults.fault.test.ts): a network
  # namespace and a veth pair (ip, from iproute2), packets dropped in it (nft, from nftables).
  command -v ip >/dev/null 2>&1 || [[ -x /usr/sbin/ip ]] || missing+=(iproute2)
  command -v nft >/dev/null 2>&1 || [[ -x /usr/sbin/nft ]] || missing+=(nftables)
  if (( ${#missing[@]} > 0 )); then
    printf '%s\n' "${missing[@]}"
  fi
}

# The browser the Playwright tests drive: Debian's Chromium (Playwright's own download is not
# reachable from every machine, and a distribution package gets security updates).
missing_browser_packages() {
  if [[ ! -x ${CHROMIUM_PATH:-/usr/bin/chromium} ]]; then
    printf '%s\n' chromium
  fi
}

# Lets `user` reach `path`: adds the traverse bit (o+x, never read) to every directory above
# it that the user cannot enter, and says so. A checkout under /root (mode 700) would
# otherwise be closed to the services that run as their own user (postgres, nginx workers).
ensure_user_can_reach() {
  local user=$1 target=$2 path="" part parts
  is_root || return 0
  IFS=/ read -ra parts <<<"${target#/}"
  for part in "${parts[@]}"; do
    path="$path/$part"
    if [[ -d $path ]] && ! runuser -u "$user" -- test -x "$path"; then
      log "granting other users traverse access (o+x) to $path so $user can reach $target"
      chmod o+x "$path"
    fi
  done
}
