// Builds the real app against the test run's Postgres and Redis. Each call gets its own
// Redis key prefix and metrics registry, so tests in parallel never see each other's state.
import { randomBytes, randomUUID } from 'node:crypto';
import { createPrismaClient } from '@headroom/db/client';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { inject } from 'vitest';
import { type App, buildApp } from '../../src/app.ts';
import { loadApiConfig } from '../../src/config.ts';

export interface TestApp {
  app: App;
  redisKeyPrefix: string;
  close: () => Promise<void>;
}

/** Config a test run uses: cheap password hashing, limits that only the rate-limit tests hit. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    DATABASE_POOL_SIZE: '4',
    JWT_SECRET: randomBytes(32).toString('hex'),
    PASSWORD_HASH_MEMORY_KIB: '1024',
    PASSWORD_HASH_ITERATIONS: '1',
    LOGIN_RATE_LIMIT_MAX: '100000',
    REGISTER_RATE_LIMIT_MAX: '100000',
    ...overrides,
  };
}

export async function buildTestApp(overrides: Record<string, string> = {}): Promise<TestApp> {
  const config = loadApiConfig(testEnv(overrides));
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
