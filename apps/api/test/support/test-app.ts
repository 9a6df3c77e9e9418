// Builds the real app against the test run's Postgres and Redis. Each call gets its own
// Redis key prefix and metrics registry, so tests in parallel never see each other's state.
import { randomUUID } from 'node:crypto';
import { createPrismaClient } from '@headroom/db/client';
import { apiTestEnv } from '@headroom/testing/api-env';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { type App, buildApp } from '../../src/app.ts';
import { loadApiConfig } from '../../src/config.ts';

export interface TestApp {
  app: App;
  redisKeyPrefix: string;
  close: () => Promise<void>;
}

export async function buildTestApp(overrides: Record<string, string> = {}): Promise<TestApp> {
  const config = loadApiConfig(apiTestEnv(overrides));
  const db = createPrismaClient({
    databaseUrl: config.DATABASE_URL,
    maxConnections: config.DATABASE_POOL_SIZE,
  });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
  const redisKeyPrefix = `test:${randomUUID()}`;
  const app = await buildApp({ config, db, redis, metrics: new Registry(), redisKeyPrefix });
  await app.ready();
  return {
    app,
    redisKeyPrefix,
    close: async () => {
      await app.close();
      await Promise.allSettled([db.$disconnect(), redis.quit()]);
    },
  };
}
