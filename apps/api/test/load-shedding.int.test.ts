// Overload and unavailable dependencies answer 503 with Retry-After in the RealWorld error
// shape, never a 500 and never a hang: a saturated event loop and a queue for the database
// pool shed requests at arrival (plugins/load-shedding.ts), a pool with no free connection in
// time and an unreachable Postgres map to 503 (plugins/error-handler.ts), and health checks are
// answered throughout. Password work past its limit of hashes in flight is refused the same
// way. The statement timeout has its own file (statement-timeout.int.test.ts).
import { connectionPoolOf } from '@headroom/db/client';
import { freePort } from '@headroom/testing/processes';
import { describe, expect, it } from 'vitest';
import { call, uniqueName } from './support/conduit-client.ts';
import { buildTestApp } from './support/test-app.ts';

const UNAVAILABLE = 'temporarily unavailable, retry later';

/** Keeps this thread busy for `ms`, as a CPU-bound burst of requests would. */
function blockEventLoop(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else on this event loop runs meanwhile
  }
}

describe('load shedding', () => {
  it('when the event loop has been saturated, then requests get 503 with Retry-After until it recovers, and health checks are still answered', async () => {
    const testApp = await buildTestApp({
      LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '50',
      // A long sample, so the overloaded state outlasts the requests that look at it.
      LOAD_SHED_SAMPLE_INTERVAL_MS: '1000',
    });
    const { app } = testApp;
    try {
      expect((await call(app, 'GET', '/api/tags')).status).toBe(200);
      blockEventLoop(1_500);

      // The sample after the burst sees the delay: from then until the next one, requests shed.
      await expect.poll(() => app.isUnderPressure(), { timeout: 5_000, interval: 20 }).toBe(true);
      const shed = await call(app, 'GET', '/api/tags');
      const health = await call(app, 'GET', '/api/healthz');
      const readiness = await call(app, 'GET', '/api/readyz');
      expect(app.isUnderPressure()).toBe(true);

      expect(shed.status).toBe(503);
      expect(shed.headers['retry-after']).toBe('1');
      expect(shed.headers['cache-control']).toBe('no-store');
      expect(shed.body).toEqual({ errors: { server: [UNAVAILABLE] } });
      expect(health.status).toBe(200);
      expect(readiness.status).toBe(200);
      const metrics = await testApp.metrics.getSingleMetricAsString('http_requests_shed_total');
      expect(metrics).toMatch(/http_requests_shed_total\{signal="eventLoopDelay"\} [1-9]/);

      // The next sample finds a quiet loop again, and requests are admitted.
      await expect.poll(() => app.isUnderPressure(), { timeout: 5_000 }).toBe(false);
      expect((await call(app, 'GET', '/api/tags')).status).toBe(200);
    } finally {
      await testApp.close();
    }
  });

  it('when more queries wait for a pooled connection than the limit, then new requests get 503 at once', async () => {
    const testApp = await buildTestApp({
      DATABASE_POOL_SIZE: '1',
      LOAD_SHED_MAX_POOL_WAITERS: '1',
      CACHE_REDIS_URL: '',
    });
    const pool = connectionPoolOf(testApp.db);
    try {
      // One query holds the only connection, two more wait for it.
      const settled = Promise.allSettled(
        [1, 2, 3].map(() => testApp.db.$queryRaw`SELECT pg_sleep(0.5)::text`),
      );
      await expect.poll(() => pool?.waitingCount, { timeout: 5_000 }).toBe(2);
      const shed = await call(testApp.app, 'GET', '/api/tags');
      await settled;
      const after = await call(testApp.app, 'GET', '/api/tags');

      expect(shed.status).toBe(503);
      expect(shed.headers['retry-after']).toBe('1');
      expect(shed.body).toEqual({ errors: { server: [UNAVAILABLE] } });
      expect(after.status).toBe(200);
    } finally {
      await testApp.close();
    }
  });
});

describe('an unavailable database', () => {
  it('when Postgres cannot be reached, then reads and writes get 503 with Retry-After, not 500', async () => {
    const closedPort = await freePort();
    const testApp = await buildTestApp({
      DATABASE_URL: `postgresql://headroom:headroom@127.0.0.1:${closedPort}/headroom`,
      CACHE_REDIS_URL: '',
    });
    try {
      const read = await call(testApp.app, 'GET', '/api/tags');
      const write = await call(testApp.app, 'POST', '/api/users/login', {
        body: { user: { email: 'nobody@example.com', password: 'whatever-it-is' } },
      });
      for (const response of [read, write]) {
        expect(response.status).toBe(503);
        expect(response.headers['retry-after']).toBe('1');
        expect(response.body).toEqual({ errors: { database: [UNAVAILABLE] } });
      }
      expect((await call(testApp.app, 'GET', '/api/readyz')).status).toBe(503);
    } finally {
      await testApp.close();
    }
  });

  it('when no pooled connection frees up within the wait, then the request gets 503, not 500', async () => {
    const testApp = await buildTestApp({ DATABASE_POOL_SIZE: '1', CACHE_REDIS_URL: '' });
    const pool = connectionPoolOf(testApp.db);
    try {
      // Longer than the pool's wait for a connection (5 s, packages/db/src/client.ts).
      const settled = Promise.allSettled([testApp.db.$queryRaw`SELECT pg_sleep(6)::text`]);
      await expect.poll(() => pool?.totalCount === 1 && pool.idleCount === 0).toBe(true);
      const response = await call(testApp.app, 'GET', '/api/tags');
      await settled;

      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(response.body).toEqual({ errors: { database: [UNAVAILABLE] } });
    } finally {
      await testApp.close();
    }
  }, 20_000);

  it('when more logins arrive at once than password hashes may be in flight, then the excess gets 503 with Retry-After at once and the others succeed', async () => {
    // The eight logins reach the hasher spread over the time their rate-limit checks and user
    // lookups take, tens of milliseconds on a busy CI machine; at production's cost (about 50 ms
    // a hash here) the first two could finish before the last arrive. 300 iterations make each
    // hash take about a second (measured: 991 ms on the 2-core machine), so the two admitted
    // hashes are certainly still running when the other six arrive. Verification uses the cost
    // stored in the hash, so registering at this cost sets the cost of every login below.
    const testApp = await buildTestApp({
      PASSWORD_HASH_MAX_IN_FLIGHT: '2',
      PASSWORD_HASH_MEMORY_KIB: '19456',
      PASSWORD_HASH_ITERATIONS: '300',
    });
    const { app } = testApp;
    try {
      const username = uniqueName('hashes');
      const email = `${username}@example.com`;
      const registered = await call(app, 'POST', '/api/users', {
        body: { user: { username, email, password: 'password123' } },
      });
      expect(registered.status).toBe(201);

      const logins = await Promise.all(
        Array.from({ length: 8 }, () =>
          call(app, 'POST', '/api/users/login', {
            body: { user: { email, password: 'password123' } },
          }),
        ),
      );
      const refused = logins.filter((login) => login.status === 503);
      expect(logins.filter((login) => login.status === 200)).toHaveLength(2);
      expect(refused).toHaveLength(6);
      for (const login of refused) {
        expect(login.headers['retry-after']).toBe('1');
        expect(login.body).toEqual({ errors: { server: [UNAVAILABLE] } });
      }
      const metrics = await testApp.metrics.getSingleMetricAsString('http_requests_shed_total');
      expect(metrics).toMatch(/http_requests_shed_total\{signal="passwordHashes"\} 6/);
      // Once they are done, password work is admitted again.
      expect(
        (
          await call(app, 'POST', '/api/users/login', {
            body: { user: { email, password: 'password123' } },
          })
        ).status,
      ).toBe(200);
    } finally {
      await testApp.close();
    }
  }, 20_000);
});
