// The application cache's Redis fails: every read falls back to Postgres, with no errors and
// the right answers, writes still succeed, and once Redis is back the cache serves again.
// The app runs with a private cache Redis, so the test can kill and freeze it.
import { startPrivateRedis } from '@headroom/testing/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createArticle,
  type RegisteredUser,
  registerUser,
} from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

let cacheRedis: Awaited<ReturnType<typeof startPrivateRedis>>;
let testApp: TestApp;
let author: RegisteredUser;
let reader: RegisteredUser;
let slug: string;

beforeAll(async () => {
  cacheRedis = await startPrivateRedis();
  testApp = await buildTestApp({
    CACHE_REDIS_URL: cacheRedis.url,
    CACHE_COMMAND_TIMEOUT_MS: '100',
    CACHE_BREAKER_COOLDOWN_MS: '200',
  });
  author = await registerUser(testApp.app, 'author');
  reader = await registerUser(testApp.app, 'reader');
  slug = (await createArticle(testApp.app, author.token, { tagList: ['outage'] })).slug;
});
afterAll(async () => {
  cacheRedis?.resume();
  await testApp?.close();
  await cacheRedis?.stop();
});

/** Every kind of cached read, anonymous and signed in; each must answer 200. */
async function readEverything() {
  const reads = [
    ['/api/articles?limit=5', undefined],
    ['/api/articles?tag=outage', undefined],
    [`/api/articles?author=${author.username}`, reader.token],
    [`/api/articles/${slug}`, reader.token],
    [`/api/articles/${slug}/comments`, undefined],
    [`/api/profiles/${author.username}`, reader.token],
    ['/api/articles/feed', reader.token],
    ['/api/tags', undefined],
  ] as const;
  const responses = [];
  for (const [url, token] of reads) {
    const response = await call(testApp.app, 'GET', url, { token });
    expect(response.status, url).toBe(200);
    responses.push(response.body);
  }
  return responses;
}

async function cacheRequests(result: string): Promise<number> {
  const found = (await testApp.metrics.getMetricsAsJSON()).find(
    (metric) => metric.name === 'cache_requests_total',
  );
  return (found?.values ?? [])
    .filter((sample) => sample.labels.result === result)
    .reduce((sum, sample) => sum + sample.value, 0);
}

describe('the cache Redis fails', () => {
  it('when it is killed, then every read and write still succeeds from Postgres, and once it is back it serves again', async () => {
    await call(testApp.app, 'POST', `/api/profiles/${author.username}/follow`, {
      token: reader.token,
    });
    const before = await readEverything();
    await readEverything();
    expect(await cacheRequests('hit')).toBeGreaterThan(0);

    await cacheRedis.stop();
    const during = await readEverything();
    expect(during).toEqual(before);

    // Writes succeed, and are seen at once: reads go to Postgres meanwhile.
    const commented = await call(testApp.app, 'POST', `/api/articles/${slug}/comments`, {
      token: reader.token,
      body: { comment: { body: 'said while the cache was down' } },
    });
    expect(commented.status).toBe(201);
    const favorited = await call(testApp.app, 'POST', `/api/articles/${slug}/favorite`, {
      token: reader.token,
    });
    expect(favorited.body.article).toMatchObject({ favorited: true, favoritesCount: 1 });
    const comments = await call(testApp.app, 'GET', `/api/articles/${slug}/comments`);
    expect(comments.body.comments.map((comment: { body: string }) => comment.body)).toEqual([
      'said while the cache was down',
    ]);
    expect(await cacheRequests('bypass')).toBeGreaterThan(0);

    // Back, empty (a restarted cache): filled again, then hits.
    await cacheRedis.start();
    await expect
      .poll(async () => {
        await readEverything();
        return cacheRequests('hit');
      })
      .toBeGreaterThan(await cacheRequests('hit'));
    const after = await call(testApp.app, 'GET', `/api/articles/${slug}`, { token: reader.token });
    expect(after.body.article).toMatchObject({ favorited: true, favoritesCount: 1 });
  });

  it('when it hangs, then reads answer from Postgres after at most the command timeout', async () => {
    await readEverything();
    cacheRedis.pause();
    try {
      const during = await readEverything();
      expect(during).toHaveLength(8);
    } finally {
      cacheRedis.resume();
    }
  });
});
