// What every route shares: health, readiness, request ids, security headers, CORS, limits,
// error hiding, the OpenAPI document and metrics.
import { createPrismaClient } from '@headroom/db/client';
import { createQueueRedisConnection, queueRedisTarget } from '@headroom/jobs/queue-redis';
import { apiTestEnv } from '@headroom/testing/api-env';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadApiConfig } from '../src/config.ts';
import { call, registerUser } from './support/conduit-client.ts';
import { buildTestApp, readsOnPrimary, type TestApp } from './support/test-app.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await buildTestApp({ BODY_LIMIT_BYTES: '2048' });
});
afterAll(() => testApp.close());

describe('health', () => {
  it('when Postgres and Redis answer, then healthz and readyz are 200', async () => {
    expect((await call(testApp.app, 'GET', '/api/healthz')).body).toEqual({ status: 'ok' });
    const ready = await call(testApp.app, 'GET', '/api/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { postgres: 'up', redis: 'up' } });
  });

  it('when the replica is unreachable, then readyz stays 200 and says it takes no reads', async () => {
    const withReplica = await buildTestApp({
      DATABASE_REPLICA_URL: 'postgresql://headroom:headroom@127.0.0.1:1/headroom',
    });
    try {
      await withReplica.reads.refresh();
      const ready = await call(withReplica.app, 'GET', '/api/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({
        status: 'ready',
        checks: { postgres: 'up', redis: 'up' },
        replicas: [{ name: 'replica-1', takesReads: false, lagMs: null }],
      });
    } finally {
      await withReplica.close();
    }
  });

  it('when Redis and Postgres are unreachable, then readyz is 503 naming both and healthz stays 200', async () => {
    const config = loadApiConfig(
      apiTestEnv({
        DATABASE_URL: 'postgresql://nobody:nothing@127.0.0.1:1/none',
        REDIS_URL: 'redis://127.0.0.1:1',
      }),
    );
    const db = createPrismaClient({ databaseUrl: config.DATABASE_URL, maxConnections: 1 });
    const redis = createQueueRedisConnection(queueRedisTarget(config), {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const metrics = new Registry();
    const app = await buildApp({ config, db, reads: readsOnPrimary(db, metrics), redis, metrics });
    try {
      const ready = await call(app, 'GET', '/api/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({
        status: 'unavailable',
        checks: { postgres: 'down', redis: 'down' },
      });
      expect((await call(app, 'GET', '/api/healthz')).status).toBe(200);

      // A request that needs the database gets a 503 to retry, without SQL or stack.
      const failed = await call(app, 'GET', '/api/tags');
      expect(failed.status).toBe(503);
      expect(failed.headers['retry-after']).toBe(String(config.UNAVAILABLE_RETRY_AFTER_SECONDS));
      expect(failed.body).toEqual({
        errors: { database: ['temporarily unavailable, retry later'] },
      });
    } finally {
      await app.close();
      await db.$disconnect();
      redis.disconnect();
    }
  });
});

describe('request ids', () => {
  it('when the client sends X-Request-Id, then the response carries the same id', async () => {
    const response = await call(testApp.app, 'GET', '/api/healthz', {
      headers: { 'x-request-id': 'lb-abc-123' },
    });
    expect(response.headers['x-request-id']).toBe('lb-abc-123');
  });

  it('when there is none, or it is not id-shaped, then a fresh UUID is used', async () => {
    const candidates: Record<string, string>[] = [
      {},
      { 'x-request-id': 'evil\nlog line' },
      { 'x-request-id': 'x'.repeat(500) },
    ];
    for (const headers of candidates) {
      const response = await call(testApp.app, 'GET', '/api/healthz', { headers });
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('HTTP hygiene', () => {
  it('sets helmet security headers', async () => {
    const response = await call(testApp.app, 'GET', '/api/tags');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['strict-transport-security']).toBeDefined();
  });

  it('answers a CORS preflight from a browser client', async () => {
    const response = await call(testApp.app, 'OPTIONS', '/api/articles', {
      headers: {
        origin: 'http://localhost:4100',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(String(response.headers['access-control-allow-headers'])).toMatch(/Authorization/i);
  });

  it('when a body exceeds BODY_LIMIT_BYTES, then 413 in the error shape', async () => {
    const user = await registerUser(testApp.app);
    const response = await call(testApp.app, 'POST', '/api/articles', {
      token: user.token,
      body: { article: { title: 't', description: 'd', body: 'x'.repeat(4096) } },
    });
    expect(response.status).toBe(413);
    expect(response.body.errors).toHaveProperty('request');
  });

  it('when the route does not exist, then 404 in the error shape', async () => {
    const response = await call(testApp.app, 'GET', '/api/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body.errors).toHaveProperty('route');
  });

  it('when one address registers too often, then 429 with Retry-After', async () => {
    const limited = await buildTestApp({
      REGISTER_RATE_LIMIT_MAX: '2',
      RATE_LIMIT_MULTIPLIER: '1',
    });
    try {
      const statuses = [];
      let last: Awaited<ReturnType<typeof call>> | undefined;
      for (let index = 0; index < 3; index++) {
        last = await call(limited.app, 'POST', '/api/users', { body: { user: {} } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([422, 422, 429]);
      expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });

  it('when TRUSTED_PROXY_HOPS is 1, then limits count per forwarded client; at 0, per peer', async () => {
    const expected: [string, number[]][] = [
      ['1', [422, 422]],
      ['0', [422, 429]],
    ];
    for (const [hops, statuses] of expected) {
      const limited = await buildTestApp({
        REGISTER_RATE_LIMIT_MAX: '1',
        RATE_LIMIT_MULTIPLIER: '1',
        TRUSTED_PROXY_HOPS: hops,
      });
      try {
        const seen = [];
        for (const client of ['203.0.113.1', '203.0.113.2']) {
          const response = await call(limited.app, 'POST', '/api/users', {
            body: { user: {} },
            headers: { 'x-forwarded-for': client },
          });
          seen.push(response.status);
        }
        expect(seen, `TRUSTED_PROXY_HOPS=${hops}`).toEqual(statuses);
      } finally {
        await limited.close();
      }
    }
  });
});

describe('OpenAPI', () => {
  it('serves the generated document with every RealWorld path, and a docs page', async () => {
    const document = await call(testApp.app, 'GET', '/api/docs/json');
    expect(document.status).toBe(200);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/users',
        '/api/users/login',
        '/api/user',
        '/api/profiles/{username}',
        '/api/profiles/{username}/follow',
        '/api/articles',
        '/api/articles/feed',
        '/api/articles/{slug}',
        '/api/articles/{slug}/favorite',
        '/api/articles/{slug}/comments',
        '/api/articles/{slug}/comments/{id}',
        '/api/tags',
      ]),
    );
    const page = await testApp.app.inject({ method: 'GET', url: '/api/docs' });
    expect([200, 302]).toContain(page.statusCode);
  });
});
