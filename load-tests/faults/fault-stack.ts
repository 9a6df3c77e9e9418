// A whole back end of the fault suites' own, on free ports, for faults that would disturb
// anyone sharing it: a Postgres primary with the apps' role timeouts (and, on request, a
// streaming replica the API reads from through PgBouncer's headroom_replica, as the stack
// does), PgBouncer from the deployment's template in front of it, the queues' Redis and the
// cache's Redis, and one API process. Never the native `stack` or `test` profiles' servers.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyMigrations } from '@headroom/db/migrate';
import { apiTestEnv } from '@headroom/testing/api-env';
import { type PrivatePgBouncer, startPrivatePgBouncer } from '@headroom/testing/pgbouncer';
import {
  type PrivatePostgres,
  type PrivateReplica,
  startPrivatePrimary,
  startPrivateReplica,
} from '@headroom/testing/postgres-replica';
import { type ApiProcess, repoRoot, startApiProcess } from '@headroom/testing/processes';
import { type PrivateRedis, startPrivateRedis } from '@headroom/testing/redis-server';
import pg from 'pg';

export interface FaultStack {
  postgres: PrivatePostgres;
  /** Only with `withReplica`. */
  replica?: PrivateReplica;
  pgbouncer: PrivatePgBouncer;
  queueRedis: PrivateRedis;
  cacheRedis: PrivateRedis;
  api: ApiProcess;
  close: () => Promise<void>;
}

export async function startFaultStack(
  apiOverrides: Record<string, string> = {},
  { withReplica = false }: { withReplica?: boolean } = {},
): Promise<FaultStack> {
  // With a replica, commits as the stack profile makes them (synchronous_commit on): a commit
  // is acknowledged once its WAL is written, so the replica can have received it. Off, a
  // commit acknowledged up to wal_writer_delay earlier may not even be on the primary's WAL.
  const postgres = await startPrivatePrimary({
    settings: withReplica ? ['synchronous_commit = on'] : [],
  });
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
  // Copied after the migrations and role settings, as services.sh copies the stack's primary.
  const replica = withReplica ? await startPrivateReplica(url.href) : undefined;
  const pgbouncer = await startPrivatePgBouncer({
    postgresPort: postgres.port,
    ...(replica && { replicaPort: replica.port }),
    user: url.username,
    password: url.password,
  });
  const replicaReads = new URL(pgbouncer.url);
  replicaReads.pathname = '/headroom_replica';
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
      ...(replica && { DATABASE_REPLICA_URL: replicaReads.href }),
      ...apiOverrides,
    }),
  );
  return {
    postgres,
    ...(replica && { replica }),
    pgbouncer,
    queueRedis,
    cacheRedis,
    api,
    close: async () => {
      await api.stop('SIGKILL');
      await pgbouncer.remove();
      await Promise.all([queueRedis.stop(), cacheRedis.stop()]);
      await replica?.remove();
      await postgres.remove();
    },
  };
}

/**
 * `count` new users (their tokens) and an article by the first of them (its slug): the
 * writers and the target of a fault suite's traffic.
 */
export async function signUpWriters(
  baseUrl: string,
  count: number,
): Promise<{ tokens: string[]; slug: string }> {
  const tokens: string[] = [];
  for (let index = 0; index < count; index++) {
    const username = `fault${index}${Date.now().toString(36)}`;
    const response = await fetch(`${baseUrl}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        user: { username, email: `${username}@example.com`, password: 'password123' },
      }),
    });
    if (!response.ok) {
      throw new Error(`sign-up answered ${response.status}: ${await response.text()}`);
    }
    tokens.push(((await response.json()) as { user: { token: string } }).user.token);
  }
  const article = await fetch(`${baseUrl}/api/articles`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Token ${tokens[0]}` },
    body: JSON.stringify({
      article: { title: `Faults ${Date.now()}`, description: 'd', body: 'b', tagList: ['faults'] },
    }),
  });
  const slug = ((await article.json()) as { article: { slug: string } }).article.slug;
  return { tokens, slug };
}
