# shellcheck shell=bash
# The queues' Redis without a single point of failure, in the profiles whose ports file gives
# it a replica (the stack): the primary (`redis`), a replica of it (`redis-replica`) and three
# Sentinels (quorum 2) that promote the replica when the primary stops answering for
# down-after-milliseconds (infra/redis-sentinel/sentinel.conf, shared with the failover test).
# The apps connect through the Sentinels (REDIS_SENTINELS, printed by `services.sh env`) and
# follow a failover without a restart; infra/native/redis-failover.sh rehearses one
# (docs/high-availability.md). Either server may be the primary: `up` asks the Sentinels which
# one is now and starts the other as its replica.
# Sourced by services.sh, after its configure_profile; defines functions and nothing else.

# The name the Sentinels monitor the primary under, as on Kubernetes and in the failover test.
readonly SENTINEL_MASTER_NAME=queue
readonly SENTINEL_COUNT=3
readonly SENTINEL_QUORUM=2

with_sentinels() {
  [[ -n ${REDIS_REPLICA_PORT:-} ]]
}

sentinel_port() {
  local variable="REDIS_SENTINEL_$1_PORT"
  printf '%s\n' "${!variable}"
}

sentinel_dir() {
  printf '%s\n' "$STATE_DIR/redis-sentinel-$1"
}

sentinel_pid() {
  # Debian's redis-sentinel is redis-server under another name; its process says which.
  live_pid "$(sentinel_dir "$1")/sentinel.pid" 'redis-*'
}

# redis-cli against Sentinel N. The Sentinels share the queue servers' password.
sentinel_cli() {
  local index=$1
  shift
  REDISCLI_AUTH="$(redis_password redis)" redis-cli -h 127.0.0.1 -p "$(sentinel_port "$index")" "$@"
}

# The port of the queues' primary: what a running Sentinel answers; else what the Sentinels
# last wrote down (each rewrites its `sentinel monitor` line when it follows a failover); else
# the primary's own port (a new stack). An answer that is neither server's port now (ports
# moved with HEADROOM_*_PORT since) is not taken.
queue_primary_port() {
  local index answer file
  for ((index = 1; index <= SENTINEL_COUNT; index++)); do
    sentinel_pid "$index" >/dev/null || continue
    answer="$(sentinel_cli "$index" --raw sentinel get-master-addr-by-name "$SENTINEL_MASTER_NAME" 2>/dev/null | sed -n 2p)"
    if is_queue_server_port "$answer"; then
      echo "$answer"
      return 0
    fi
  done
  for ((index = 1; index <= SENTINEL_COUNT; index++)); do
    file="$(sentinel_dir "$index")/sentinel.conf"
    [[ -f $file ]] || continue
    answer="$(sed -n "s/^sentinel monitor $SENTINEL_MASTER_NAME [^ ]* \([0-9]*\) .*/\1/p" "$file")"
    if is_queue_server_port "$answer"; then
      echo "$answer"
      return 0
    fi
  done
  echo "$REDIS_PORT"
}

is_queue_server_port() {
  [[ -n $1 && ($1 == "$REDIS_PORT" || $1 == "${REDIS_REPLICA_PORT:-}") ]]
}

# The queue server NAME (redis or redis-replica) starts as a replica of this port, or as the
# primary when it prints nothing.
queue_replica_of() {
  local primary
  with_sentinels && [[ $1 == redis || $1 == redis-replica ]] || return 0
  primary="$(queue_primary_port)"
  if [[ $(redis_port "$1") != "$primary" ]]; then echo "$primary"; fi
}

# The queue servers, the primary first: a replica then finds its primary up.
queue_servers_in_start_order() {
  if ! with_sentinels; then
    echo redis
  elif [[ $(queue_primary_port) == "$REDIS_REPLICA_PORT" ]]; then
    echo redis-replica redis
  else
    echo redis redis-replica
  fi
}

# Written once: from then on the file is Sentinel's, which records there what it learns (the
# current primary, the replica, the other Sentinels). Mode 0600: it holds the password.
write_sentinel_conf() {
  local index=$1 dir file password
  dir="$(sentinel_dir "$index")"
  file="$dir/sentinel.conf"
  [[ -s $file ]] && return 0
  mkdir -p "$dir"
  password="$(redis_password redis)"
  (
    umask 077
    cat >"$file" <<CONF
# Made by infra/native/services.sh; Sentinel rewrites it from here on.
port $(sentinel_port "$index")
bind 127.0.0.1
dir $dir
sentinel monitor $SENTINEL_MASTER_NAME 127.0.0.1 $(queue_primary_port) $SENTINEL_QUORUM
sentinel auth-pass $SENTINEL_MASTER_NAME $password
requirepass $password
sentinel sentinel-pass $password
CONF
    cat "$REPO_ROOT/infra/redis-sentinel/sentinel.conf" >>"$file"
  )
}

# Whether Sentinel N sees enough Sentinels to authorise a failover (they find each other
# through the primary, a few seconds after starting).
sentinel_quorum_reached() {
  [[ "$(sentinel_cli "$1" sentinel ckquorum "$SENTINEL_MASTER_NAME" 2>/dev/null)" == OK* ]]
}

sentinel_up() {
  local index=$1 port dir pid
  port="$(sentinel_port "$index")"
  dir="$(sentinel_dir "$index")"
  if pid="$(sentinel_pid "$index")"; then
    echo "redis-sentinel-$index ($PROFILE): already running on 127.0.0.1:$port (pid $pid)"
    return 0
  fi
  if port_in_use "$port"; then
    die "port $port is taken by another process; set $(profile_variable "$PROFILE" "REDIS_SENTINEL_${index}_PORT") to use another"
  fi
  write_sentinel_conf "$index"
  rm -f "$dir/sentinel.pid"
  # 9>&-: the daemon must not inherit the profile lock (services.sh, lock_profile).
  redis-sentinel "$dir/sentinel.conf" --daemonize yes --pidfile "$dir/sentinel.pid" \
    --logfile "$dir/sentinel.log" 9>&-
  echo "redis-sentinel-$index ($PROFILE): started on 127.0.0.1:$port, watching '$SENTINEL_MASTER_NAME'"
}

sentinels_up() {
  local index
  with_sentinels || return 0
  for ((index = 1; index <= SENTINEL_COUNT; index++)); do sentinel_up "$index"; done
  if ! wait_until "$READY_TIMEOUT" sentinel_quorum_reached 1; then
    tail -n 20 "$(sentinel_dir 1)/sentinel.log" >&2 || true
    die "the Sentinels ($PROFILE) did not find each other within ${READY_TIMEOUT}s"
  fi
}

# Before the servers they watch, so that stopping the primary is not taken for a failure.
sentinels_down() {
  local index pid
  with_sentinels || return 0
  for ((index = 1; index <= SENTINEL_COUNT; index++)); do
    if ! pid="$(sentinel_pid "$index")"; then
      echo "redis-sentinel-$index ($PROFILE): not running"
      continue
    fi
    stop_gracefully "redis-sentinel-$index" "$pid" TERM 10
    rm -f "$(sentinel_dir "$index")/sentinel.pid"
    echo "redis-sentinel-$index ($PROFILE): stopped"
  done
}

# `name state port detail` lines for services.sh status.
sentinel_status() {
  local index state detail
  with_sentinels || return 0
  for ((index = 1; index <= SENTINEL_COUNT; index++)); do
    state=down detail=""
    if sentinel_pid "$index" >/dev/null && sentinel_cli "$index" ping >/dev/null 2>&1; then
      state=up
      detail="primary on :$(queue_primary_port)"
      sentinel_quorum_reached "$index" || detail="$detail, no quorum"
    fi
    printf '%s %s %s %s\n' "redis-sentinel-$index" "$state" "$(sentinel_port "$index")" "$detail"
  done
}

# The apps' variables for the queues' Redis through the Sentinels (services.sh env).
sentinel_env() {
  local index addresses=()
  with_sentinels || return 0
  for ((index = 1; index <= SENTINEL_COUNT; index++)); do
    addresses+=("127.0.0.1:$(sentinel_port "$index")")
  done
  (IFS=, && echo "REDIS_SENTINELS=${addresses[*]}")
  echo "REDIS_SENTINEL_NAME=$SENTINEL_MASTER_NAME"
  echo "REDIS_PASSWORD=$(redis_password redis)"
}

# redis or redis-replica: whichever the Sentinels name the primary now.
queue_primary_name() {
  if with_sentinels && [[ $(queue_primary_port) == "$REDIS_REPLICA_PORT" ]]; then
    echo redis-replica
  else
    echo redis
  fi
}
