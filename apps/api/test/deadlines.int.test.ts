// Deadlines on the database work of a request, through PgBouncer as deployed:
//   - the statement timeout reaches Postgres as a setting on the apps' role
//     (infra/postgres/app-role-timeouts.sql), where a timeout in the connection URL never does,
//     and a request whose statement runs past it gets 503 with Retry-After, not a hang;
//   - a request past REQUEST_DEADLINE_MS, or whose client went away, has its query cancelled on
//     the server (plugins/request-deadline.ts; PgBouncer forwards the cancel request).
// A Postgres and a PgBouncer of this file's own: the role's settings, and the table lock that
// makes a statement slow, would reach every other test's sessions.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LONG_RUNNING_SESSION_OPTIONS } from '@headroom/db/long-running-sessions';
import { applyMigrations } from '@headroom/db/migrate';
import { type PrivatePgBouncer, startPrivatePgBouncer } from '@headroom/testing/pgbouncer';
import { type PrivatePostgres, startPrivatePrimary } from '@headroom/testing/postgres-replica';
import { repoRoot } from '@headroom/testing/processes';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './support/test-app.ts';

/** The role's statement_timeout, as the SQL file sets it. */
const ROLE_STATEMENT_TIMEOUT_MS = 10_000;

let postgres: PrivatePostgres;
let pgbouncer: PrivatePgBouncer;
let directUrl: string;

async function query<Row extends pg.QueryResultRow>(
  config: pg.ClientConfig,
  sql: string,
): Promise<Row[]> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  postgres = await startPrivatePrimary();
  await query({ connectionString: postgres.url }, 'CREATE DATABASE headroom');
  const url = new URL(postgres.url);
  url.pathname = '/headroom';
  directUrl = url.href;
  await applyMigrations({ databaseUrl: directUrl });
  // As services.sh and the compose image apply it: as the apps' role itself.
  const roleSettings = await readFile(
    join(repoRoot, 'infra/postgres/app-role-timeouts.sql'),
    'utf8',
  );
  await query({ connectionString: directUrl }, roleSettings);
  pgbouncer = await startPrivatePgBouncer({
    postgresPort: postgres.port,
    user: url.username,
    password: url.password,
  });
});
afterAll(async () => {
  await pgbouncer?.remove();
  await postgres?.remove();
});

describe('the statement timeout', () => {
  it('when the apps connect through PgBouncer, then their sessions have the role timeouts, and a timeout in the URL is dropped', async () => {
    const settings = `SELECT current_setting('statement_timeout') AS statement,
                             current_setting('idle_in_transaction_session_timeout') AS idle`;
    expect(await query({ connectionString: pgbouncer.url }, settings)).toEqual([
      { statement: '10s', idle: '10s' },
    ]);
    // What the issue found: PgBouncer ignores `options`, so this 1 s never reaches Postgres.
    expect(
      await query(
        { connectionString: pgbouncer.url, options: '-c statement_timeout=1s' },
        settings,
      ),
    ).toEqual([{ statement: '10s', idle: '10s' }]);
    // Migrations and the seed connect directly and turn both off for their own sessions.
    expect(
      await query({ connectionString: directUrl, options: LONG_RUNNING_SESSION_OPTIONS }, settings),
    ).toEqual([{ statement: '0', idle: '0' }]);
  });

  it('when a request waits on a statement past the timeout, then Postgres cancels it and the client gets 503 with Retry-After', async () => {
    const testApp: TestApp = await buildTestApp({
      DATABASE_URL: pgbouncer.url,
      // Every read goes to Postgres, where the lock below holds it.
      CACHE_REDIS_URL: '',
      // Past the role's timeout, so that one is what fires here.
      REQUEST_DEADLINE_MS: String(ROLE_STATEMENT_TIMEOUT_MS * 3),
    });
    const locker = await lockTags();
    try {
      const started = performance.now();
      const response = await testApp.app.inject({ method: 'GET', url: '/api/tags' });
      const elapsedMs = performance.now() - started;

      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(response.json()).toEqual({
        errors: { database: ['temporarily unavailable, retry later'] },
      });
      expect(elapsedMs).toBeGreaterThanOrEqual(ROLE_STATEMENT_TIMEOUT_MS - 100);
      expect(elapsedMs).toBeLessThan(ROLE_STATEMENT_TIMEOUT_MS + 5_000);
      // Cancelled on the server, not only given up on by the client: nothing waits any more.
      // The backend leaves pg_stat_activity's lock wait a moment after the error reaches the
      // client, so this is awaited (a second at most), not read once.
      await expect.poll(() => waitingOnLocks(locker)).toBe(0);
    } finally {
      await locker.end();
      await testApp.close();
    }
  }, 30_000);
});

describe('the request deadline', () => {
  it('when a request passes REQUEST_DEADLINE_MS in a query, then the query is cancelled on the server and the client gets 503', async () => {
    const testApp = await buildTestApp({
      DATABASE_URL: pgbouncer.url,
      CACHE_REDIS_URL: '',
      REQUEST_DEADLINE_MS: '1000',
    });
    const locker = await lockTags();
    try {
      const started = performance.now();
      const response = await testApp.app.inject({ method: 'GET', url: '/api/tags' });
      const elapsedMs = performance.now() - started;

      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(elapsedMs).toBeGreaterThanOrEqual(1_000 - 50);
      expect(elapsedMs).toBeLessThan(ROLE_STATEMENT_TIMEOUT_MS / 2);
      // The list's two queries each get a cancel request; the first to fail answered already.
      await expect.poll(() => waitingOnLocks(locker), { timeout: 1_000 }).toBe(0);
    } finally {
      await locker.end();
      await testApp.close();
    }
  });

  it('when the client goes away, then its query is cancelled on the server at once', async () => {
    const testApp = await buildTestApp({ DATABASE_URL: pgbouncer.url, CACHE_REDIS_URL: '' });
    const locker = await lockTags();
    try {
      const address = await testApp.app.listen({ host: '127.0.0.1', port: 0 });
      const gaveUp = fetch(`${address}/api/tags`, { signal: AbortSignal.timeout(300) }).catch(
        (error: Error) => error.name,
      );
      await expect.poll(() => waitingOnLocks(locker), { timeout: 5_000 }).toBeGreaterThan(0);
      expect(await gaveUp).toBe('TimeoutError');
      // Well before the request's own deadline (5 s) or the role's statement timeout (10 s).
      await expect.poll(() => waitingOnLocks(locker), { timeout: 2_000 }).toBe(0);
    } finally {
      await locker.end();
      await testApp.close();
    }
  });
});

/**
 * A session that holds the tags table (as a long migration or a stuck transaction would), so
 * the tag list's query waits on its lock: a statement that does not finish by itself.
 */
async function lockTags(): Promise<pg.Client> {
  const locker = new pg.Client({
    connectionString: directUrl,
    options: LONG_RUNNING_SESSION_OPTIONS,
  });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE tags IN ACCESS EXCLUSIVE MODE');
  return locker;
}

/** Statements on the server waiting for a lock (the tag list's, behind lockTags). */
async function waitingOnLocks(observer: pg.Client): Promise<number> {
  const { rows } = await observer.query<{ count: string }>(
    `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'`,
  );
  return Number(rows[0]?.count);
}
