#!/bin/sh
# Starts this pod's Sentinel, watching the primary find-primary.sh names. Sentinel rewrites its
# file as it learns (replicas, other Sentinels, failovers), so it is written to an emptyDir.
# Quorum 2 of 3: a failover needs two Sentinels to agree that the primary is down. One
# password (REDIS_PASSWORD) for the Redis servers it watches, its clients and the other Sentinels.
set -eu
self="$(hostname).${REDIS_HEADLESS}"
primary="$(sh /scripts/find-primary.sh)"
cat >/sentinel/sentinel.conf <<CONF
port 26379
dir /sentinel
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip ${self}
sentinel monitor ${SENTINEL_MASTER} ${primary} 6379 2
sentinel auth-pass ${SENTINEL_MASTER} ${REDIS_PASSWORD}
requirepass ${REDIS_PASSWORD}
sentinel sentinel-pass ${REDIS_PASSWORD}
sentinel down-after-milliseconds ${SENTINEL_MASTER} ${SENTINEL_DOWN_AFTER_MS}
sentinel failover-timeout ${SENTINEL_MASTER} 30000
sentinel parallel-syncs ${SENTINEL_MASTER} 1
CONF
exec redis-server /sentinel/sentinel.conf --sentinel
