#!/usr/bin/env bash
# Holds each API process of the native stack to a fixed share of a CPU, with one cgroup (v1
# cpu controller) per replica, so that the capacity of one replica shows on a machine with few
# cores: 4 replicas at 0.25 CPU each use at most one core between them, leaving the rest to
# Postgres, nginx and the load generator (docs/capacity.md).
#
#   cpu-share.sh hold CPUS      put api-N in cgroup headroom-api-N, quota CPUS per 100 ms period
#   cpu-share.sh release        move them back to the root cgroup and remove the groups
#   cpu-share.sh status         each group: quota, processes, periods throttled, time throttled
#
# The period is the kernel's default, 100 ms, which is also what Kubernetes uses for a CPU
# limit: a replica that spends its quota early in a period waits for the next one, which shows
# up in tail latency as it would under a container limit. Needs root and a writable
# /sys/fs/cgroup/cpu (cgroup v1). Reads the process groups from .local/stack/procs/api-N.pid.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly REPO_ROOT
readonly CGROUP_ROOT=${HEADROOM_CPU_CGROUP_ROOT:-/sys/fs/cgroup/cpu}
readonly PROCS_DIR="$REPO_ROOT/.local/stack/procs"
readonly PREFIX=headroom-api-
readonly PERIOD_US=100000

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

usage() {
  echo "usage: cpu-share.sh hold CPUS | release | status" >&2
  exit 2
}

# Every process in the group stack.sh started for one replica (node, and anything it spawned).
group_pids() {
  local pgid=$1
  ps -e -o pid=,pgid= | awk -v pgid="$pgid" '$2 == pgid { print $1 }'
}

replicas() {
  local file
  for file in "$PROCS_DIR"/api-*.pid; do
    [[ -e $file ]] && basename "$file" .pid
  done
  return 0
}

cmd_hold() {
  local cpus=$1 quota name pgid group pid count=0
  [[ $cpus =~ ^[0-9]*\.?[0-9]+$ ]] || die "CPUS must be a number such as 0.25, got '$cpus'"
  [[ -w $CGROUP_ROOT/cgroup.procs ]] || die "$CGROUP_ROOT is not a writable cgroup v1 cpu hierarchy (root needed)"
  quota=$(awk -v cpus="$cpus" -v period="$PERIOD_US" 'BEGIN { printf "%d", cpus * period }')
  ((quota >= 1000)) || die "CPUS too small: the kernel's minimum quota is 1 ms"
  for name in $(replicas); do
    pgid="$(cat "$PROCS_DIR/$name.pid")"
    kill -0 -- "-$pgid" 2>/dev/null || continue
    group="$CGROUP_ROOT/$PREFIX${name#api-}"
    mkdir -p "$group"
    echo "$PERIOD_US" >"$group/cpu.cfs_period_us"
    echo "$quota" >"$group/cpu.cfs_quota_us"
    for pid in $(group_pids "$pgid"); do
      echo "$pid" >"$group/cgroup.procs" 2>/dev/null || true
    done
    echo "$name: held to $cpus CPU ($quota us per $PERIOD_US us) in $group"
    count=$((count + 1))
  done
  ((count > 0)) || die "no running API process found in $PROCS_DIR (npm run stack:up)"
}

cmd_release() {
  local group pid
  for group in "$CGROUP_ROOT/$PREFIX"*; do
    [[ -d $group ]] || continue
    while read -r pid; do
      [[ -n $pid ]] && { echo "$pid" >"$CGROUP_ROOT/cgroup.procs" 2>/dev/null || true; }
    done <"$group/cgroup.procs"
    rmdir "$group"
    echo "released $(basename "$group")"
  done
}

cmd_status() {
  local group
  printf '%-18s %8s %10s %10s %12s %14s\n' group quota_us processes periods throttled throttled_ms
  for group in "$CGROUP_ROOT/$PREFIX"*; do
    [[ -d $group ]] || continue
    awk -v name="$(basename "$group")" -v quota="$(cat "$group/cpu.cfs_quota_us")" \
      -v procs="$(wc -l <"$group/cgroup.procs")" '
      $1 == "nr_periods" { periods = $2 }
      $1 == "nr_throttled" { throttled = $2 }
      $1 == "throttled_time" { ms = $2 / 1e6 }
      END { printf "%-18s %8s %10s %10d %12d %14.0f\n", name, quota, procs, periods, throttled, ms }
    ' "$group/cpu.stat"
  done
}

main() {
  (($# >= 1)) || usage
  case $1 in
    hold)
      (($# == 2)) || usage
      cmd_hold "$2"
      ;;
    release) cmd_release ;;
    status) cmd_status ;;
    *) usage ;;
  esac
}

main "$@"
