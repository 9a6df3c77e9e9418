// A whole back end of the fault suites' own, on free ports, for faults that would disturb
// anyone sharing it: a Postgres primary with the apps' role timeouts (and, on request, a
// streaming replica the API reads from through PgBouncer's headroom_replica, as the stack
// does), PgBouncer from the deployment's template in front of it, the queues' Redis and the
// cache's Redis, and one API process. Never the native `stack` or `test` profiles' servers.
// With `networkHop`, the API runs in a network namespace of its own and reaches PgBouncer and
// both Redis servers across a veth pair the suite can degrade (packages/testing/src/
// network-hop.ts); with `worker`, a worker (outside the namespace) relays the outbox.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations } from '@headroom/db/migrate';
import { apiTestEnv } from '@headroom/testing/api-env';
import { createNetworkHop, type NetworkHop } from '@headroom/testing/network-hop';
import { type PrivatePgBouncer, startPrivatePgBouncer } from '@headroom/testing/pgbouncer';
import {
  type PrivatePostgres,
  type PrivateReplica,
  startPrivatePrimary,
  startPrivateReplica,
} from '@headroom/testing/postgres-replica';
import {
  type ApiProcess,
  repoRoot,
  startApiProcess,
  startWorkerProcess,
  type WorkerProcess,
} from '@headroom/testing/processes';
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
  /** The `headroom` database itself (not through PgBouncer): where a suite checks rows. */
  databaseUrl: string;
  /** Only with `networkHop`: the hop, and the relay ports the API reaches each part by. */
  hop?: { network: NetworkHop; postgresPorts: number[]; redisPorts: number[] };
  /** Only with `worker`. */
  worker?: WorkerProcess;
  close: () => Promise<void>;
}

export async function startFaultStack(
  apiOverrides: Record<string, string> = {},
  {
    withReplica = false,
    networkHop = false,
    worker: withWorker = false,
  }: { withReplica?: boolean; networkHop?: boolean; worker?: boolean } = {},
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
  const urls = { database: pgbouncer.url, queueRedis: queueRedis.url, cacheRedis: cacheRedis.url };
  let hop: FaultStack['hop'];
  if (networkHop) {
    const network = await createNetworkHop();
    const [database, queue, cache] = (await Promise.all(
      [pgbouncer.port, queueRedis.port, cacheRedis.port].map(network.relay),
    )) as [number, number, number];
    hop = { network, postgresPorts: [database], redisPorts: [queue, cache] };
    urls.database = network.urlThrough(pgbouncer.url, database);
    urls.queueRedis = network.urlThrough(queueRedis.url, queue);
    urls.cacheRedis = network.urlThrough(cacheRedis.url, cache);
  }
  const api = await startApiProcess(
    apiTestEnv({
      ...(hop && { HOST: hop.network.namespaceAddress }),
      DATABASE_URL: urls.database,
      REDIS_URL: urls.queueRedis,
      CACHE_REDIS_URL: urls.cacheRedis,
      CACHE_KEY_PREFIX: 'faults:cache:',
      LOG_LEVEL: 'warn',
      // As deployed: the fault suites are where shedding meets real load.
      LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '100',
      LOAD_SHED_MAX_POOL_WAITERS: '100',
      ...(replica && { DATABASE_REPLICA_URL: replicaReads.href }),
      ...apiOverrides,
    }),
    hop && { netns: hop.network.namespace },
  );
  const emailDir = await mkdtemp(join(tmpdir(), 'headroom-fault-emails-'));
  const worker = withWorker
    ? await startWorkerProcess({
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: pgbouncer.url,
        DATABASE_DIRECT_URL: url.href,
        REDIS_URL: queueRedis.url,
        CACHE_REDIS_URL: cacheRedis.url,
        CACHE_KEY_PREFIX: 'faults:cache:',
        EMAIL_FILE_DIR: emailDir,
        OUTBOX_POLL_INTERVAL_MS: '100',
      })
    : undefined;
  return {
    postgres,
    ...(replica && { replica }),
    pgbouncer,
    queueRedis,
    cacheRedis,
    api,
    databaseUrl: url.href,
    ...(hop && { hop }),
    ...(worker && { worker }),
    close: async () => {
      await Promise.all([api.stop('SIGKILL'), worker?.stop('SIGKILL')]);
      await hop?.network.remove();
      await rm(emailDir, { recursive: true, force: true });
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
