#!/bin/sh
# Starts this pod's Redis as the primary, or as a replica of the primary Sentinel names
# (find-primary.sh). Replicas announce their stable host name, not the pod's address, which
# changes with every restart.
# The password (REDIS_PASSWORD, from the Secret) comes in on standard input (`-`, which Redis
# accepts only as the first or last argument), not as an argument anyone in the container could
# read in the process list: clients need it (requirepass), and so does a replica to follow its
# primary (masterauth).
set -eu
self="$(hostname).${REDIS_HEADLESS}"
primary="$(sh /scripts/find-primary.sh)"
if [ "$primary" = "$self" ]; then
  exec redis-server /scripts/redis.conf --replica-announce-ip "$self" - <<CONF
requirepass ${REDIS_PASSWORD}
masterauth ${REDIS_PASSWORD}
CONF
fi
exec redis-server /scripts/redis.conf --replica-announce-ip "$self" --replicaof "$primary" 6379 - <<CONF
requirepass ${REDIS_PASSWORD}
masterauth ${REDIS_PASSWORD}
CONF
