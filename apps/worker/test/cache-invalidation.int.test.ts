// The outbox relay's cache invalidation pass, with an API process and a worker process sharing
// one application cache (a private Redis, so the test can freeze it):
//   - the two events the worker itself records (article.rendered, tags.ranked) reach the
//     API's readers through their rules;
//   - a write whose invalidation the API could not apply (the cache frozen at commit time) is
//     invalidated by the relay once the cache answers again; the event waits in Postgres until
//     then, and the jobs are not held up meanwhile.
import {
  type ApiProcess,
  startApiProcess,
  startWorkerProcess,
  type WorkerProcess,
} from '@headroom/testing/processes';
import { type PrivateRedis, startPrivateRedis } from '@headroom/testing/redis-server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConduitClient, conduitClient } from './support/conduit-http.ts';
import { countRows } from './support/seed-sql.ts';
import { apiEnv, createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

const PREFIX = 'test:cache-invalidation:';

let stack: TestStack;
let cacheRedis: PrivateRedis;
let inspector: Redis;
let api: ApiProcess;
let worker: WorkerProcess;
let conduit: ConduitClient;

beforeAll(async () => {
  stack = await createTestStack('cache-invalidation');
  cacheRedis = await startPrivateRedis();
  inspector = new Redis(cacheRedis.url, { lazyConnect: true });
  inspector.on('error', () => {});
  await inspector.connect();
  const cache = { CACHE_REDIS_URL: cacheRedis.url, CACHE_KEY_PREFIX: PREFIX };
  [api, worker] = await Promise.all([
    startApiProcess(apiEnv(stack, cache)),
    startWorkerProcess(workerEnv(stack, { ...cache, TRENDING_TAGS_EVERY_SECONDS: '1' })),
  ]);
  conduit = conduitClient(api.baseUrl);
});
afterAll(async () => {
  cacheRedis?.resume();
  await Promise.all([api?.stop(), worker?.stop()]);
  inspector?.disconnect();
  await cacheRedis?.stop();
  await stack?.close();
});

const articleId = async (slug: string) =>
  (await stack.sql.query<{ id: number }>('SELECT id FROM articles WHERE slug = $1', [slug]))
    .rows[0]!.id;

describe('the relay applies the invalidation rules', () => {
  it('article.rendered: when the worker renders a body, then readers who had it cached see the HTML and reading time', async () => {
    const author = await conduit.register('author');
    const { slug } = await conduit.publish(author, { body: 'Words. '.repeat(500) });
    // Read at once: cached before the render job runs, with no HTML yet.
    const first = await conduit.call('GET', `/api/articles/${slug}`);
    expect(first.status).toBe(200);
    await expect
      .poll(async () => (await conduit.call('GET', `/api/articles/${slug}`)).body.article, {
        timeout: 15_000,
      })
      .toMatchObject({ bodyHtml: expect.any(String), readingTimeMinutes: 2 });
  });

  it('tags.ranked: when the trending tags are recomputed, then the cached tag cloud takes the new order', async () => {
    const author = await conduit.register('author');
    const rare = `aaa-rare-${author.username}`;
    const popular = `zzz-popular-${author.username}`;
    await conduit.publish(author, { tagList: [rare] });
    for (let index = 0; index < 3; index++) await conduit.publish(author, { tagList: [popular] });
    await expect
      .poll(
        async () => {
          const { tags } = (await conduit.call('GET', '/api/tags')).body as { tags: string[] };
          return tags.indexOf(popular) < tags.indexOf(rare);
        },
        { timeout: 15_000 },
      )
      .toBe(true);
  });
});

describe('the relay is the backstop for an invalidation the API could not apply', () => {
  it('when the cache froze while an author edited, then once it answers again the relay invalidates the stale entry', async () => {
    const author = await conduit.register('author');
    const { slug } = await conduit.publish(author, { title: 'Before the freeze' });
    const id = await articleId(slug);
    const card = `${PREFIX}article:${id}:card`;
    // The publication's own follow-ups settle first: the worker renders the body and records
    // article.rendered, whose invalidation would drop the entry read below if it came after it.
    await expect
      .poll(
        () =>
          countRows(
            stack.sql,
            "outbox_events WHERE type = 'article.rendered' AND payload->>'articleId' = $1 AND invalidated_at IS NOT NULL",
            [String(id)],
          ),
        { timeout: 10_000 },
      )
      .toBe(1);
    await conduit.call('GET', `/api/articles/${slug}`);
    // An entity is its version (`K:v`) and its data (`K`, tagged with that version).
    expect(await inspector.get(card)).toContain('Before the freeze');
    const versionBefore = await inspector.get(`${card}:v`);

    cacheRedis.pause();
    const edited = await conduit.call('PUT', `/api/articles/${slug}`, {
      token: author.token,
      body: { article: { description: 'Edited while the cache was frozen' } },
    });
    expect(edited.status).toBe(200);
    // Nothing reached the cache: the event's invalidation waits in Postgres...
    const pending = () =>
      countRows(
        stack.sql,
        "outbox_events WHERE type = 'article.updated' AND payload->>'articleId' = $1 AND invalidated_at IS NULL",
        [String(id)],
      );
    expect(await pending()).toBe(1);
    // ...while its job (render-article) is relayed as usual.
    await expect
      .poll(
        () =>
          countRows(
            stack.sql,
            "outbox_events WHERE type = 'article.updated' AND payload->>'articleId' = $1 AND delivered_at IS NOT NULL",
            [String(id)],
          ),
        { timeout: 10_000 },
      )
      .toBe(1);

    cacheRedis.resume();
    await expect.poll(pending, { timeout: 10_000 }).toBe(0);
    expect(await inspector.get(`${card}:v`)).not.toBe(versionBefore);
    expect(await inspector.get(card)).toBeNull();
    const read = await conduit.call('GET', `/api/articles/${slug}`);
    expect(read.body.article.description).toBe('Edited while the cache was frozen');
  });
});
