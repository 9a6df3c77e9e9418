// The environment an API process or app gets in tests: the test run's Postgres and both Redis
// servers (or the ones given), cheap password hashing, and rate limits only the rate-limit
// tests reach. No DATABASE_REPLICA_URL: reads go to the primary unless a test gives a replica.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

/**
 * The cache's key prefix for a database: every app and process on one database shares one cache
 * namespace, as replicas of one deployment do, and no two databases (test files with a scratch
 * database of their own, or two runs at once) ever read each other's entries.
 */
export function cacheKeyPrefixFor(databaseUrl: string): string {
  return `test:${new URL(databaseUrl).pathname.slice(1)}:cache:`;
}

export function apiTestEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const databaseUrl = overrides.DATABASE_URL ?? inject('databaseUrl');
  return {
    NODE_ENV: 'test',
    CACHE_KEY_PREFIX: cacheKeyPrefixFor(databaseUrl),
    LOG_LEVEL: 'silent',
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    CACHE_REDIS_URL: inject('cacheRedisUrl'),
    DATABASE_POOL_SIZE: '4',
    JWT_SECRET: randomBytes(32).toString('hex'),
    PASSWORD_HASH_MEMORY_KIB: '1024',
    PASSWORD_HASH_ITERATIONS: '1',
    // No load shedding: a test worker's event loop also runs the test, and race tests queue
    // many queries on purpose. load-shedding.int.test.ts turns it on.
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
    LOAD_SHED_MAX_POOL_WAITERS: '0',
    PASSWORD_HASH_MAX_IN_FLIGHT: '0',
    // Every rate limit a thousandfold: tests write fast from one address. The rate-limit
    // tests set RATE_LIMIT_MULTIPLIER back to 1.
    RATE_LIMIT_MULTIPLIER: '1000',
    ...overrides,
  };
}
