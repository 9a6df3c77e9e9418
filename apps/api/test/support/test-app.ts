// Builds the real app against the test run's Postgres and Redis. Each call gets its own
// Redis key prefix and metrics registry, so tests in parallel never see each other's state.
import { randomUUID } from 'node:crypto';
import { createCacheRedisClient } from '@headroom/cache/redis-client';
import { createPrismaClient, type PrismaClient } from '@headroom/db/client';
import { createReadRouting, type ReadRouting } from '@headroom/db/read-routing';
import { queueRedisTarget } from '@headroom/jobs/queue-redis';
import { apiTestEnv } from '@headroom/testing/api-env';
import { Registry } from 'prom-client';
import { type App, buildApp } from '../../src/app.ts';
import { loadApiConfig } from '../../src/config.ts';
import { createRedisClient } from '../../src/redis.ts';

export interface TestApp {
  app: App;
  /** The app's own database client, for arranging rows no request can (a deleted account). */
  db: PrismaClient;
  /** The app's read routing: no replica, unless DATABASE_REPLICA_URL is among the overrides. */
  reads: ReadRouting;
  /** The app's metrics registry (its /metrics), for tests that check what it counted. */
  metrics: Registry;
  redisKeyPrefix: string;
  close: () => Promise<void>;
}

/** The read routing of an app built by hand, without a replica: every read on `db`. */
export function readsOnPrimary(db: PrismaClient, metrics: Registry): ReadRouting {
  return createReadRouting({
    primary: db,
    replicas: [],
    // Unused without a replica; the config's defaults.
    maxLagMs: 2_000,
    statusIntervalMs: 500,
    registry: metrics,
  });
}

export async function buildTestApp(
  overrides: Record<string, string> = {},
  options: {
    /** What the app gets instead of the client, e.g. one that interleaves a concurrent write. */
    wrapDb?: (db: PrismaClient) => PrismaClient;
  } = {},
): Promise<TestApp> {
  const config = loadApiConfig(apiTestEnv(overrides));
  const db = createPrismaClient({
    databaseUrl: config.DATABASE_URL,
    maxConnections: config.DATABASE_POOL_SIZE,
  });
  // Production's client, connected before the first request: without an offline queue, a
  // command sent while it is still connecting would fail and skew rate-limit and readyz tests.
  const redis = createRedisClient(queueRedisTarget(config));
  await redis.connect();
  // As main.ts builds it; CACHE_REDIS_URL='' in the overrides runs the app without a cache.
  const cacheRedis = config.CACHE_REDIS_URL
    ? createCacheRedisClient(config.CACHE_REDIS_URL, config.CACHE_COMMAND_TIMEOUT_MS)
    : undefined;
  cacheRedis?.on('error', () => {});
  await cacheRedis?.connect();
  const redisKeyPrefix = `test:${randomUUID()}`;
  const appDb = options.wrapDb?.(db) ?? db;
  const metrics = new Registry();
  // As main.ts builds it: every read on the primary, unless the overrides name a replica
  // (e.g. { DATABASE_REPLICA_URL: replica.url } with packages/testing's startPrivateReplica).
  const replica = config.DATABASE_REPLICA_URL
    ? createPrismaClient({
        databaseUrl: config.DATABASE_REPLICA_URL,
        maxConnections: config.DATABASE_POOL_SIZE,
      })
    : undefined;
  const reads = createReadRouting({
    primary: appDb,
    replicas: replica ? [{ name: 'replica-1', client: replica }] : [],
    maxLagMs: config.REPLICA_MAX_LAG_MS,
    statusIntervalMs: config.REPLICA_STATUS_INTERVAL_MS,
    registry: metrics,
  });
  const app = await buildApp({
    config,
    db: appDb,
    reads,
    redis,
    cacheRedis,
    metrics,
    redisKeyPrefix,
  });
  await app.ready();
  return {
    app,
    db,
    reads,
    metrics,
    redisKeyPrefix,
    close: async () => {
      await app.close();
      await reads.close();
      await Promise.allSettled([
        db.$disconnect(),
        replica?.$disconnect(),
        redis.quit(),
        cacheRedis?.quit(),
      ]);
    },
  };
}
