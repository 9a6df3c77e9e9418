// What a worker test file runs against: a migrated database of its own (a worker's outbox
// relay takes every pending event in its database, so two files sharing one would steal each
// other's events), a queue prefix of its own on the shared test Redis, a directory for the
// emails, and the environment variables for worker, API and jobs CLI processes.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyMigrations } from '@headroom/db/migrate';
import type { RetryPolicy } from '@headroom/jobs/queues';
import { apiTestEnv, cacheKeyPrefixFor } from '@headroom/testing/api-env';
import { createScratchDatabase } from '@headroom/testing/scratch-database';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestStack {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  emailDir: string;
  /** A small pool on the test's database, for seeding and for checking what jobs did. */
  sql: pg.Pool;
  close: () => Promise<void>;
}

export async function createTestStack(
  purpose: string,
  options: { redisUrl?: string } = {},
): Promise<TestStack> {
  const database = await createScratchDatabase(inject('adminDatabaseUrl'), purpose);
  await applyMigrations({ databaseUrl: database.url });
  const emailDir = await mkdtemp(path.join(tmpdir(), `headroom-${purpose}-mail-`));
  const sql = new pg.Pool({ connectionString: database.url, max: 4 });
  return {
    databaseUrl: database.url,
    redisUrl: options.redisUrl ?? inject('redisUrl'),
    queuePrefix: `test-${purpose}-${randomBytes(4).toString('hex')}`,
    emailDir,
    sql,
    close: async () => {
      await sql.end();
      await database.drop();
      await rm(emailDir, { recursive: true, force: true });
    },
  };
}

/** Quick retries, shared by the worker processes (workerEnv) and the test's own queues. */
export const TEST_RETRY_POLICY: RetryPolicy = { attempts: 3, backoffMs: 50 };

/**
 * A worker's environment: quick retries, prompt outbox polling, and info logs so a test can
 * wait for what the worker says. Stalled-job recovery stays at BullMQ's pace unless a test
 * that kills workers shortens it. An override of `undefined` removes a variable.
 */
export function workerEnv(
  stack: TestStack,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  return withoutUndefined({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: stack.databaseUrl,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: stack.redisUrl,
    // The application cache the API processes of this stack use: the relay invalidates it.
    CACHE_REDIS_URL: inject('cacheRedisUrl'),
    CACHE_KEY_PREFIX: cacheKeyPrefixFor(stack.databaseUrl),
    QUEUE_PREFIX: stack.queuePrefix,
    EMAIL_FILE_DIR: stack.emailDir,
    JOB_ATTEMPTS: String(TEST_RETRY_POLICY.attempts),
    JOB_BACKOFF_MS: String(TEST_RETRY_POLICY.backoffMs),
    OUTBOX_POLL_INTERVAL_MS: '100',
    SHUTDOWN_TIMEOUT_MS: '10000',
    ...overrides,
  });
}

/** An API process's environment on the same database and Redis: cheap hashing, no 429s. */
export function apiEnv(
  stack: TestStack,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return apiTestEnv({
    LOG_LEVEL: 'warn',
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    ...overrides,
  });
}

function withoutUndefined(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
