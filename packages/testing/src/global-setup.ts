// Vitest global set-up: the real PostgreSQL and Redis every integration test talks to.
// It starts the repo's private test instances (own ports, own data directory under .local/test,
// see infra/native/services.sh), creates a fresh database for this run, migrates it with the
// same code production uses, and hands the URLs to tests through `inject()`.
import { applyMigrations } from '@headroom/db/migrate';
import type { TestProject } from 'vitest/node';
import { nativeServices, nativeServicesRunning, nativeServiceUrls } from './native-services.ts';
import { createScratchDatabase } from './scratch-database.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated database of this test run's own. */
    databaseUrl: string;
    /** The same server's `postgres` database, for tests that create scratch databases. */
    adminDatabaseUrl: string;
    /** The queue's Redis (BullMQ, rate limits): noeviction. */
    redisUrl: string;
    /** The application cache's own Redis: allkeys-lru, nothing on disk. */
    cacheRedisUrl: string;
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export default async function setup(project: TestProject) {
  const wasRunning = nativeServicesRunning('test');
  nativeServices('up', 'test');
  const {
    DATABASE_URL: serverUrl,
    REDIS_URL: redisUrl,
    CACHE_REDIS_URL: cacheRedisUrl,
  } = nativeServiceUrls('test');

  const adminDatabaseUrl = withDatabase(serverUrl, 'postgres');
  const database = await createScratchDatabase(adminDatabaseUrl, 'test');
  const databaseUrl = database.url;
  await applyMigrations({ databaseUrl });

  project.provide('databaseUrl', databaseUrl);
  project.provide('adminDatabaseUrl', adminDatabaseUrl);
  project.provide('redisUrl', redisUrl);
  project.provide('cacheRedisUrl', cacheRedisUrl);

  return async () => {
    await database.drop();
    // Leave instances someone started on purpose; stop the ones this run started.
    if (!wasRunning) nativeServices('down', 'test');
  };
}
