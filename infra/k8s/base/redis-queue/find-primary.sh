#!/bin/sh
# Prints the queues' current primary (host name), for start-redis.sh and start-sentinel.sh:
# what any Sentinel answers, or, when none answers (a new deployment), the first pod.
# Variables: REDIS_SET (the StatefulSet), REDIS_HEADLESS (its headless Service),
# REDIS_REPLICAS (its size), SENTINEL_MASTER (the name Sentinel monitors).
set -eu
i=0
while [ "$i" -lt "$REDIS_REPLICAS" ]; do
  primary="$(timeout 2 redis-cli -h "${REDIS_SET}-${i}.${REDIS_HEADLESS}" -p 26379 --raw \
    SENTINEL get-master-addr-by-name "$SENTINEL_MASTER" 2>/dev/null | head -n 1)" || primary=""
  if [ -n "$primary" ]; then
    echo "$primary"
    exit 0
  fi
  i=$((i + 1))
done
echo "${REDIS_SET}-0.${REDIS_HEADLESS}"
