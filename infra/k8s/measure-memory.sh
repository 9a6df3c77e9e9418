#!/usr/bin/env bash
# Measures what one API process and one worker hold in memory, idle and after a light load,
# for the memory requests and limits in infra/k8s (docs/deployment.md, "Sizing"). Uses the test
# profile's Postgres and Redis (already running for npm test), a scratch database of its own
# seeded with the default data set, and ports 23101-23103; removes everything it made.
#   bash infra/k8s/measure-memory.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source infra/native/node-runtime.sh
eval "$(bash infra/native/services.sh env --profile test)"
admin_url=$DATABASE_URL
database=headroom_k8s_memory_$RANDOM
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)"
  rm -rf "$work"
}
trap cleanup EXIT

psql "$admin_url" -qc "CREATE DATABASE $database"
url=${admin_url%/*}/$database
DATABASE_URL=$url node --import tsx packages/db/src/migrate-cli.ts deploy
DATABASE_URL=$url node --import tsx packages/db/src/seed-cli.ts >"$work/seed.log" 2>&1

DATABASE_URL=$url REDIS_URL=$REDIS_URL JWT_SECRET="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" \
  HOST=127.0.0.1 PORT=23101 METRICS_PORT=23102 \
  node --import tsx --import @headroom/telemetry/register apps/api/src/main.ts >"$work/api.log" 2>&1 &
api=$!
pids+=("$api")
DATABASE_URL=$url REDIS_URL=$REDIS_URL QUEUE_PREFIX="memory-$RANDOM" EMAIL_FILE_DIR="$work/mail" \
  HOST=127.0.0.1 METRICS_PORT=23103 \
  node --import tsx --import @headroom/telemetry/register apps/worker/src/main.ts >"$work/worker.log" 2>&1 &
worker=$!
pids+=("$worker")
until curl -fs -o /dev/null http://127.0.0.1:23101/api/readyz &&
  curl -fs -o /dev/null http://127.0.0.1:23103/metrics; do sleep 1; done

resident() { awk '/VmRSS|VmHWM/ { printf "%s %d MiB  ", $1, $2 / 1024 }' "/proc/$1/status"; }
echo "idle:   api $(resident "$api")"
echo "idle:   worker $(resident "$worker")"
# Light and bounded: 150 req/s for a minute in all, the list page then the tags.
npx autocannon -c 16 -R 150 -d 40 'http://127.0.0.1:23101/api/articles?limit=20' >"$work/load.log" 2>&1
npx autocannon -c 16 -R 150 -d 20 'http://127.0.0.1:23101/api/tags' >>"$work/load.log" 2>&1
echo "loaded: api $(resident "$api")"
echo "loaded: worker $(resident "$worker")"
grep -E 'requests in' "$work/load.log"
