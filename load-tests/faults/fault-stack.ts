// A whole back end of the fault suites' own, on free ports, for faults that would disturb
// anyone sharing it: a Postgres primary with the apps' role timeouts, PgBouncer from the
// deployment's template in front of it, the queues' Redis and the cache's Redis, and one API
// process. Never the native `stack` or `test` profiles' servers.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyMigrations } from '@headroom/db/migrate';
import { apiTestEnv } from '@headroom/testing/api-env';
import { type PrivatePgBouncer, startPrivatePgBouncer } from '@headroom/testing/pgbouncer';
import { type PrivatePostgres, startPrivatePrimary } from '@headroom/testing/postgres-replica';
import { type ApiProcess, repoRoot, startApiProcess } from '@headroom/testing/processes';
import { type PrivateRedis, startPrivateRedis } from '@headroom/testing/redis-server';
import pg from 'pg';

export interface FaultStack {
  postgres: PrivatePostgres;
  pgbouncer: PrivatePgBouncer;
  queueRedis: PrivateRedis;
  cacheRedis: PrivateRedis;
  api: ApiProcess;
  close: () => Promise<void>;
}

export async function startFaultStack(
  apiOverrides: Record<string, string> = {},
): Promise<FaultStack> {
  const postgres = await startPrivatePrimary();
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  try {
    await admin.query('CREATE DATABASE headroom');
  } finally {
    await admin.end();
  }
  const url = new URL(postgres.url);
  url.pathname = '/headroom';
  await applyMigrations({ databaseUrl: url.href });
  const roleSettings = await readFile(
    join(repoRoot, 'infra/postgres/app-role-timeouts.sql'),
    'utf8',
  );
  const owner = new pg.Client({ connectionString: url.href });
  await owner.connect();
  try {
    await owner.query(roleSettings);
  } finally {
    await owner.end();
  }
  const pgbouncer = await startPrivatePgBouncer({
    postgresPort: postgres.port,
    user: url.username,
    password: url.password,
  });
  const [queueRedis, cacheRedis] = [await startPrivateRedis(), await startPrivateRedis()];
  const api = await startApiProcess(
    apiTestEnv({
      DATABASE_URL: pgbouncer.url,
      REDIS_URL: queueRedis.url,
      CACHE_REDIS_URL: cacheRedis.url,
      CACHE_KEY_PREFIX: 'faults:cache:',
      LOG_LEVEL: 'warn',
      // As deployed: the fault suites are where shedding meets real load.
      LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '100',
      LOAD_SHED_MAX_POOL_WAITERS: '100',
      ...apiOverrides,
    }),
  );
  return {
    postgres,
    pgbouncer,
    queueRedis,
    cacheRedis,
    api,
    close: async () => {
      await api.stop('SIGKILL');
      await pgbouncer.remove();
      await Promise.all([queueRedis.stop(), cacheRedis.stop()]);
      await postgres.remove();
    },
  };
}
