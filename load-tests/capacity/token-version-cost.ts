// `npx tsx load-tests/capacity/token-version-cost.ts [requests=5000]`: what checking the token
// version costs a signed-in read (docs/capacity.md, "Token version check"). In one process, on
// the test profile's Postgres and both Redis servers (a scratch database, dropped after): the
// cache Redis commands a signed-in list page sends, counted with INFO commandstats, and the
// check alone (modules/users/token-versions.ts), timed over sequential calls with this
// process's copy current, which is the steady state. No HTTP: app.inject, so the figures are
// the API's own, without sockets or nginx.
import { createCacheRedisClient } from '@headroom/cache/redis-client';
import { createVersionedCache } from '@headroom/cache/versioned-cache';
import { createPrismaClient } from '@headroom/db/client';
import { applyMigrations } from '@headroom/db/migrate';
import { createReadRouting } from '@headroom/db/read-routing';
import { queueRedisTarget } from '@headroom/jobs/queue-redis';
import { nativeServiceUrls } from '@headroom/testing/native-services';
import { createScratchDatabase } from '@headroom/testing/scratch-database';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { buildApp } from '../../apps/api/src/app.ts';
import { loadApiConfig } from '../../apps/api/src/config.ts';
import { createTokenVersions } from '../../apps/api/src/modules/users/token-versions.ts';
import { createRedisClient } from '../../apps/api/src/redis.ts';
import { parsePositionalNumbers } from '../cli.ts';

const DEFAULT_REQUESTS = '5000';
const USAGE = `usage: npx tsx load-tests/capacity/token-version-cost.ts [requests=${DEFAULT_REQUESTS}]

  requests  sequential calls timed, for the version check and for the signed-in list page
            (needs the test profile: bash infra/native/services.sh up --profile test)`;

const [requests] = parsePositionalNumbers(USAGE, [
  { name: 'requests', fallback: DEFAULT_REQUESTS, integer: true },
]);
const urls = nativeServiceUrls('test');
const admin = new URL(urls.DATABASE_URL);
admin.pathname = '/postgres';
const database = await createScratchDatabase(admin.toString(), 'token-cost');
await applyMigrations({ databaseUrl: database.url });
const cachePrefix = `token-cost:${Date.now()}:`;
const config = loadApiConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  DATABASE_URL: database.url,
  REDIS_URL: urls.REDIS_URL,
  CACHE_REDIS_URL: urls.CACHE_REDIS_URL,
  CACHE_KEY_PREFIX: cachePrefix,
  JWT_SECRET: 'a-measurement-secret-that-is-long-enough-0123',
  PASSWORD_HASH_MEMORY_KIB: '1024',
  PASSWORD_HASH_ITERATIONS: '1',
  RATE_LIMIT_MULTIPLIER: '100000',
});
const db = createPrismaClient({ databaseUrl: database.url, maxConnections: 4 });
const redis = createRedisClient(queueRedisTarget(config));
await redis.connect();
const cacheRedis = createCacheRedisClient(config.CACHE_REDIS_URL!, config.CACHE_COMMAND_TIMEOUT_MS);
await cacheRedis.connect();
const metrics = new Registry();
// As main.ts: latency histograms carry exemplars, which only OpenMetrics registries take.
metrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as typeof metrics.contentType);
const reads = createReadRouting({
  primary: db,
  replicas: [],
  maxLagMs: 2_000,
  statusIntervalMs: 500,
  registry: metrics,
});
const app = await buildApp({
  config,
  db,
  reads,
  redis,
  cacheRedis,
  metrics,
  redisKeyPrefix: `token-cost:${Date.now()}`,
});
const counter = new Redis(config.CACHE_REDIS_URL!);

try {
  const register = await app.inject({
    method: 'POST',
    url: '/api/users',
    payload: { user: { username: 'costly', email: 'costly@example.com', password: 'password123' } },
  });
  const token = register.json().user.token as string;
  const headers = { authorization: `Token ${token}` };
  for (let index = 0; index < 20; index++) {
    await app.inject({
      method: 'POST',
      url: '/api/articles',
      headers,
      payload: { article: { title: `Article ${index}`, description: 'd', body: 'b' } },
    });
  }
  const list = () => app.inject({ method: 'GET', url: '/api/articles?limit=20', headers });
  for (let index = 0; index < 200; index++) await list();

  const commandCounts = async () => {
    const stats = await counter.info('commandstats');
    return new Map(
      [...stats.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].map((match) => [
        match[1]!,
        Number(match[2]),
      ]),
    );
  };
  const before = await commandCounts();
  const sample = 1_000;
  for (let index = 0; index < sample; index++) await list();
  const after = await commandCounts();
  const perRequest = [...after]
    .map(([command, calls]) => [command, (calls - (before.get(command) ?? 0)) / sample] as const)
    .filter(([command, calls]) => calls > 0 && command !== 'info');
  console.log('cache Redis commands per signed-in list page:', Object.fromEntries(perRequest));

  const userId = Number(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub);
  const check = createTokenVersions({
    db,
    cache: createVersionedCache({
      redis: cacheRedis,
      keyPrefix: cachePrefix,
      ttlSeconds: config.CACHE_TTL_SECONDS,
      breakerCooldownMs: config.CACHE_BREAKER_COOLDOWN_MS,
      localEntries: config.CACHE_LOCAL_ENTRIES,
      registry: new Registry(),
      log: console,
    }),
  });
  for (let index = 0; index < 200; index++) await check(userId);
  let started = process.hrtime.bigint();
  for (let index = 0; index < requests; index++) await check(userId);
  const checkMicros = Number(process.hrtime.bigint() - started) / 1_000 / requests;
  started = process.hrtime.bigint();
  for (let index = 0; index < requests; index++) await list();
  const listMicros = Number(process.hrtime.bigint() - started) / 1_000 / requests;
  console.log(
    `token version check: ${checkMicros.toFixed(1)} µs per call; signed-in list page through app.inject: ${listMicros.toFixed(0)} µs per request (${requests} sequential each)`,
  );
} finally {
  await app.close();
  counter.disconnect();
  await database.drop();
}
