// Builds the real app against the test run's Postgres and Redis. Each call gets its own
// Redis key prefix and metrics registry, so tests in parallel never see each other's state.
import { randomUUID } from 'node:crypto';
import { createPrismaClient, type PrismaClient } from '@headroom/db/client';
import { apiTestEnv } from '@headroom/testing/api-env';
import { Registry } from 'prom-client';
import { type App, buildApp } from '../../src/app.ts';
import { loadApiConfig } from '../../src/config.ts';
import { createRedisClient } from '../../src/redis.ts';

export interface TestApp {
  app: App;
  /** The app's own database client, for arranging rows no request can (a deleted account). */
  db: PrismaClient;
  redisKeyPrefix: string;
  close: () => Promise<void>;
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
  const redis = createRedisClient(config.REDIS_URL);
  await redis.connect();
  const redisKeyPrefix = `test:${randomUUID()}`;
  const app = await buildApp({
    config,
    db: options.wrapDb?.(db) ?? db,
    redis,
    metrics: new Registry(),
    redisKeyPrefix,
  });
  await app.ready();
  return {
    app,
    db,
    redisKeyPrefix,
    close: async () => {
      await app.close();
      await Promise.allSettled([db.$disconnect(), redis.quit()]);
    },
  };
}
