#!/bin/sh
# Starts this pod's Redis as the primary, or as a replica of the primary Sentinel names
# (find-primary.sh). Replicas announce their stable host name, not the pod's address, which
# changes with every restart.
set -eu
self="$(hostname).${REDIS_HEADLESS}"
primary="$(sh /scripts/find-primary.sh)"
if [ "$primary" = "$self" ]; then
  exec redis-server /scripts/redis.conf --replica-announce-ip "$self"
fi
exec redis-server /scripts/redis.conf --replica-announce-ip "$self" --replicaof "$primary" 6379
