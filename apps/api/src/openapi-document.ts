// The API's OpenAPI document without a running server or a database: buildApp with clients
// that are never connected (no request is sent), then what /api/docs/json would answer.
// The site's types are generated from it (`npm run contract:generate`, apps/web/build/).
import { createPrismaClient } from '@headroom/db/client';
import { createReadRouting } from '@headroom/db/read-routing';
import { queueRedisTarget } from '@headroom/jobs/queue-redis';
import { Registry } from 'prom-client';
import { buildApp } from './app.ts';
import { loadApiConfig } from './config.ts';
import { createRedisClient } from './redis.ts';

/**
 * Placeholders that only have to pass the config schema: nothing connects to these
 * addresses, and the secret signs nothing.
 */
const UNUSED_ENVIRONMENT = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  DATABASE_URL: 'postgresql://unused@127.0.0.1:1/unused',
  REDIS_URL: 'redis://127.0.0.1:1',
  JWT_SECRET: 'unused-only-builds-the-openapi-document',
};

export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = loadApiConfig(UNUSED_ENVIRONMENT);
  // Prisma's pg adapter and this Redis client connect on first use, which never comes.
  const db = createPrismaClient({ databaseUrl: config.DATABASE_URL, maxConnections: 1 });
  const redis = createRedisClient(queueRedisTarget(config));
  const metrics = new Registry();
  const reads = createReadRouting({
    primary: db,
    replicas: [],
    maxLagMs: config.REPLICA_MAX_LAG_MS,
    statusIntervalMs: config.REPLICA_STATUS_INTERVAL_MS,
    registry: metrics,
  });
  const app = await buildApp({ config, db, reads, redis, metrics });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
    await reads.close();
    redis.disconnect();
    await db.$disconnect();
  }
}
