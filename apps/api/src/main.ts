// The API process: read config, connect, build the app, listen, and shut down cleanly.
// Only this file reads process.env or calls process.exit; everything below receives values.
// OpenTelemetry is loaded before this file by `--import @headroom/telemetry/register`.
import { createCacheRedisClient } from '@headroom/cache/redis-client';
import { createPrismaClient } from '@headroom/db/client';
import { createReadRouting } from '@headroom/db/read-routing';
import { queueRedisTarget } from '@headroom/jobs/queue-redis';
import { createMetricsServer, shutDownOnSignals } from '@headroom/telemetry/ops-server';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { buildApp } from './app.ts';
import { loadApiConfig } from './config.ts';
import { createRedisClient } from './redis.ts';

const config = (() => {
  try {
    return loadApiConfig(process.env);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
})();

const db = createPrismaClient({
  databaseUrl: config.DATABASE_URL,
  maxConnections: config.DATABASE_POOL_SIZE,
  applicationName: 'headroom-api',
});
const redis = createRedisClient(queueRedisTarget(config));
const cacheRedis = config.CACHE_REDIS_URL
  ? createCacheRedisClient(config.CACHE_REDIS_URL, config.CACHE_COMMAND_TIMEOUT_MS)
  : undefined;

const metrics = new Registry();
// OpenMetrics, the format that carries exemplars (plugins/metrics.ts); Prometheus reads either.
// prom-client's types fix a registry's format at construction, its value may change after.
metrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as typeof metrics.contentType);
collectDefaultMetrics({ register: metrics });

// Reads that may be slightly stale go to the replica when it qualifies (docs/database.md).
const replica = config.DATABASE_REPLICA_URL
  ? createPrismaClient({
      databaseUrl: config.DATABASE_REPLICA_URL,
      maxConnections: config.DATABASE_POOL_SIZE,
      applicationName: 'headroom-api-reads',
    })
  : undefined;
const reads = createReadRouting({
  primary: db,
  replicas: replica ? [{ name: 'replica-1', client: replica }] : [],
  maxLagMs: config.REPLICA_MAX_LAG_MS,
  statusIntervalMs: config.REPLICA_STATUS_INTERVAL_MS,
  registry: metrics,
});

const app = await buildApp({ config, db, reads, redis, cacheRedis, metrics });

// A replica that stops or starts taking reads is worth a line; its reads move meanwhile.
reads.onStatusChange(({ healthy, ...status }) => {
  if (healthy) app.log.info(status, 'replica takes reads');
  else app.log.warn(status, 'replica takes no reads; they go to the primary');
});

// Redis connects only once the app's logger exists to report its errors. A Redis that is down
// does not stop start-up: ioredis keeps retrying and readyz answers 503 until it is back.
redis.on('error', (error) => app.log.warn({ err: error }, 'redis connection error'));
// A failed first attempt is already reported through the 'error' event.
redis.connect().catch(() => {});
// The cache is optional at every moment: while it is away, reads go to Postgres.
cacheRedis?.on('error', (error) => app.log.warn({ err: error }, 'cache redis connection error'));
cacheRedis?.connect().catch(() => {});

const metricsServer = createMetricsServer({ registry: metrics, log: app.log });

shutDownOnSignals({
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  // If in-flight work outlives the budget, leave anyway: the orchestrator would kill us soon.
  timedOutMessage: 'shutdown timed out; exiting with requests still in flight',
  stop: async () => {
    // close() stops accepting, answers new requests on open keep-alive sockets with 503 and
    // "Connection: close", and resolves once every in-flight request has been answered.
    await app.close();
    metricsServer.close();
    await reads.close();
    await Promise.allSettled([
      db.$disconnect(),
      replica?.$disconnect(),
      redis.quit(),
      ...(cacheRedis ? [cacheRedis.quit()] : []),
    ]);
  },
  log: app.log,
  exit: process.exit,
});

try {
  await app.listen({ host: config.HOST, port: config.PORT });
  metricsServer.listen(config.METRICS_PORT, config.HOST);
} catch (error) {
  app.log.fatal({ err: error }, 'could not start');
  process.exit(1);
}
