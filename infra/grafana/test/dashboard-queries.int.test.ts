// Every query of the Grafana dashboard (infra/grafana/dashboards/headroom.json) run against
// live data: a private stack of this file's own (Postgres with a streaming replica, PgBouncer
// in front of the primary, both Redis servers, an API process, a worker, the Postgres, Redis
// and PgBouncer exporters) under a little load, scraped by Prometheus with the repository's own prometheus.yml and rule files (their
// targets written to targets/*.json, as stack.sh writes them). A query fails if Prometheus
// refuses it or if it returns no series: a misspelt metric, a label no exporter sets, or a
// panel over something nothing exports yet. Never the native stack.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
import {
  type ApiProcess,
  freePort,
  repoRoot,
  startApiProcess,
  startWorkerProcess,
  type WorkerProcess,
} from '@headroom/testing/processes';
import {
  type PrometheusProcess,
  type ServerProcess,
  startPrometheus,
  startServerProcess,
  waitFor,
  waitUntilServing,
} from '@headroom/testing/prometheus';
import { type PrivateRedis, startPrivateRedis } from '@headroom/testing/redis-server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgBouncerExporter, startPgBouncerExporter } from '../../pgbouncer/exporter.ts';

/**
 * How long the panels get to show data. prometheus.yml scrapes every 5 s and the panels' rates
 * span at least 1 minute, so two scrapes (10 s) give every rate a value; the rest is start-up.
 */
const SERIES_DEADLINE_MS = 90_000;
/** Light load between checks: a write and a few reads every 200 ms. */
const LOAD_INTERVAL_MS = 200;

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(
  await readFile(join(repoRoot, 'infra/grafana/dashboards/headroom.json'), 'utf8'),
) as { panels: Panel[] };
const queries = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map(({ expr }) => ({ panel: panel.title, expr })),
);

let dir: string;
let primary: PrivatePostgres;
let replica: PrivateReplica;
let pgbouncer: PrivatePgBouncer;
let pgbouncerExporter: PgBouncerExporter;
let redis: PrivateRedis;
let cacheRedis: PrivateRedis;
let api: ApiProcess;
let worker: WorkerProcess;
const exporters: ServerProcess[] = [];
let prometheus: PrometheusProcess;
let loading = true;
let load: Promise<void> = Promise.resolve();

/** An exporter on a free port; resolves with its address once /metrics answers. */
async function startExporter(command: string, args: string[], env: Record<string, string> = {}) {
  const port = await freePort();
  const exporter = startServerProcess(
    command,
    [...args, `--web.listen-address=127.0.0.1:${port}`],
    env,
  );
  exporters.push(exporter);
  await waitUntilServing(`http://127.0.0.1:${port}/metrics`, exporter);
  return `127.0.0.1:${port}`;
}

async function writeTargets(targetsDir: string, job: string, addresses: string[]) {
  await writeFile(join(targetsDir, `${job}.json`), JSON.stringify([{ targets: addresses }]));
}

async function call(method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${api.baseUrl}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Token ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** What a few users do: sign up, follow, publish (outbox -> jobs), comment, read. */
async function runLoad() {
  const users = [];
  for (const name of ['author', 'reader']) {
    const username = `${name}${Date.now().toString(36)}`;
    const registered = await call('POST', '/api/users', undefined, {
      user: { username, email: `${username}@example.com`, password: 'password123' },
    });
    if (registered.status !== 201) throw new Error(`register: ${registered.status}`);
    users.push({ username, token: registered.body.user.token as string });
  }
  const [author, reader] = users as [(typeof users)[0], (typeof users)[0]];
  await call('POST', `/api/profiles/${author.username}/follow`, reader.token);
  let round = 0;
  while (loading) {
    round += 1;
    if (round % 5 === 1) {
      const article = await call('POST', '/api/articles', author.token, {
        article: {
          title: `Load ${round} ${Date.now()}`,
          description: 'd',
          body: '*b*',
          tagList: ['load'],
        },
      });
      if (article.status === 201) {
        await call('POST', `/api/articles/${article.body.article.slug}/comments`, reader.token, {
          comment: { body: 'a comment' },
        });
      }
    }
    await call('GET', '/api/articles?limit=10');
    await call('GET', '/api/articles/feed?limit=10', reader.token);
    await call('GET', '/api/tags');
    await new Promise((resolve) => setTimeout(resolve, LOAD_INTERVAL_MS));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-dashboard-'));
  primary = await startPrivatePrimary({
    settings: ["shared_preload_libraries = 'pg_stat_statements'", 'pg_stat_statements.track = top'],
  });
  // The database the panels filter on (datname="headroom"), as in both topologies.
  const admin = new pg.Client({ connectionString: primary.url });
  await admin.connect();
  await admin.query('CREATE DATABASE headroom');
  await admin.end();
  const databaseUrl = new URL(primary.url);
  databaseUrl.pathname = '/headroom';
  await applyMigrations({ databaseUrl: databaseUrl.href });
  const headroom = new pg.Client({ connectionString: databaseUrl.href });
  await headroom.connect();
  await headroom.query(
    await readFile(join(repoRoot, 'infra/postgres/pg-stat-statements.sql'), 'utf8'),
  );
  await headroom.end();
  replica = await startPrivateReplica(databaseUrl.href);
  // The API's queries go through PgBouncer, as in both topologies, so its pools have clients.
  pgbouncer = await startPrivatePgBouncer({
    postgresPort: primary.port,
    user: decodeURIComponent(databaseUrl.username),
    password: decodeURIComponent(databaseUrl.password),
    statsPassword: randomBytes(16).toString('hex'),
  });
  [redis, cacheRedis] = await Promise.all([startPrivateRedis(), startPrivateRedis()]);

  const mailDir = join(dir, 'mail');
  await mkdir(mailDir);
  const shared = {
    DATABASE_URL: databaseUrl.href,
    REDIS_URL: redis.url,
    CACHE_REDIS_URL: cacheRedis.url,
    CACHE_KEY_PREFIX: 'dashboard:cache:',
  };
  [api, worker] = await Promise.all([
    startApiProcess(
      apiTestEnv({
        ...shared,
        DATABASE_URL: pgbouncer.url,
        DATABASE_REPLICA_URL: replica.url,
        REPLICA_STATUS_INTERVAL_MS: '500',
      }),
    ),
    startWorkerProcess({
      ...shared,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: '4',
      EMAIL_FILE_DIR: mailDir,
      OUTBOX_POLL_INTERVAL_MS: '100',
    }),
  ]);

  const configDir = join(dir, 'prometheus');
  const targetsDir = join(configDir, 'targets');
  await mkdir(targetsDir, { recursive: true });
  for (const file of ['prometheus.yml', 'alerts.yml', 'slo.yml']) {
    await copyFile(join(repoRoot, 'infra/prometheus', file), join(configDir, file));
  }
  const [postgresExporter, redisExporter, cacheRedisExporter] = await Promise.all([
    startExporter(
      'prometheus-postgres-exporter',
      [`--extend.query-path=${join(repoRoot, 'infra/postgres-exporter/queries.yaml')}`],
      { DATA_SOURCE_NAME: `${databaseUrl.href}?sslmode=disable` },
    ),
    startExporter('prometheus-redis-exporter', [`--redis.addr=${redis.url}`]),
    startExporter('prometheus-redis-exporter', [`--redis.addr=${cacheRedis.url}`]),
  ]);
  await writeTargets(targetsDir, 'api', [new URL(api.metricsUrl).host]);
  await writeTargets(targetsDir, 'worker', [new URL(worker.metricsUrl).host]);
  await writeTargets(targetsDir, 'postgres', [postgresExporter]);
  await writeTargets(targetsDir, 'redis-queue', [redisExporter]);
  await writeTargets(targetsDir, 'redis-cache', [cacheRedisExporter]);
  // The exporter stack.sh and compose run, in-process here.
  pgbouncerExporter = await startPgBouncerExporter({
    adminUrl: pgbouncer.adminUrl ?? '',
    host: '127.0.0.1',
    port: 0,
  });
  await writeTargets(targetsDir, 'pgbouncer', [new URL(pgbouncerExporter.url).host]);
  await writeTargets(targetsDir, 'alertmanager', []);
  prometheus = await startPrometheus({
    configFile: join(configDir, 'prometheus.yml'),
    dataDir: join(dir, 'prometheus-data'),
  });
  await writeTargets(targetsDir, 'prometheus', [new URL(prometheus.url).host]);

  load = runLoad();
}, 180_000);

afterAll(async () => {
  loading = false;
  await load.catch(() => undefined);
  await prometheus?.stop();
  await Promise.all(exporters.map((exporter) => exporter.stop()));
  await pgbouncerExporter?.close();
  await worker?.stop();
  await api?.stop();
  await pgbouncer?.remove();
  await redis?.stop();
  await cacheRedis?.stop();
  await replica?.remove();
  await primary?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Each query that Prometheus refuses or that finds no series, with why. */
async function failingQueries() {
  const failures: string[] = [];
  for (const { panel, expr } of queries) {
    const result = await prometheus.query(expr);
    if (result.status !== 'success') failures.push(`${panel}: ${expr}: ${result.error}`);
    else if (result.series.length === 0) failures.push(`${panel}: ${expr}: no series`);
  }
  return failures;
}

/** The exemplars Prometheus kept for the API's latency buckets over the last minute. */
async function latencyExemplars(): Promise<Record<string, string>[]> {
  const range = new URLSearchParams({
    query: 'http_server_request_duration_seconds_bucket',
    start: String(Date.now() / 1000 - 60),
    end: String(Date.now() / 1000),
  });
  const response = await fetch(`${prometheus.url}/api/v1/query_exemplars?${range}`);
  const body = (await response.json()) as {
    data: { exemplars: { labels: Record<string, string> }[] }[];
  };
  return body.data.flatMap(({ exemplars }) => exemplars.map(({ labels }) => labels));
}

describe('the Grafana dashboard against live data', () => {
  it('when the API has served requests, then its latency buckets carry exemplars naming a request', async () => {
    // No tracing here (no OTEL_* variables): the exemplar is the request id of the log lines.
    const exemplars = await waitFor('exemplars in Prometheus', async () => {
      const found = await latencyExemplars();
      return found.length > 0 ? found : undefined;
    });
    expect(exemplars.every((labels) => /^[\w.:-]{1,100}$/.test(labels.request_id ?? ''))).toBe(
      true,
    );
  });

  it(
    'when the stack has served a little load, then every panel query is valid and returns series',
    async () => {
      expect(queries.length).toBeGreaterThan(20);
      let failures: string[] = [];
      await waitFor(
        'every panel query returning series',
        async () => {
          failures = await failingQueries();
          return failures.length === 0 ? true : undefined;
        },
        SERIES_DEADLINE_MS,
      ).catch(() => undefined);
      expect(failures).toEqual([]);
    },
    SERIES_DEADLINE_MS + 30_000,
  );
});
