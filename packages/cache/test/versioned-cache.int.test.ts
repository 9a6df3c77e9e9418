// The cache's mechanism against a real Redis: hits and misses, a write's invalidation that a
// concurrent reader cannot undo, eviction that cannot bring back an old result, single flight,
// generations' WAL positions, and Redis failing (every read falls back to its loader).
import { randomUUID } from 'node:crypto';
import { startPrivateRedis } from '@headroom/testing/redis-server';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ARTICLES_BY_AUTHOR_PREFIX,
  type CacheKey,
  entityKeys,
  generationKeys,
} from '../src/keys.ts';
import { createCacheRedisClient } from '../src/redis-client.ts';
import { createVersionedCache, type Freshness, TOO_MANY_MEMBERS } from '../src/versioned-cache.ts';

const silent = { warn: () => {} };
const TTL_SECONDS = 60;

let redis: Redis;
beforeAll(async () => {
  redis = createCacheRedisClient(inject('cacheRedisUrl'), 1_000);
  redis.on('error', () => {});
  await redis.connect();
});
afterAll(() => redis.quit());

function newCache(
  connection = redis,
  registry = new Registry(),
  keyPrefix = `test:${randomUUID()}:`,
) {
  const cache = createVersionedCache({
    redis: connection,
    keyPrefix,
    ttlSeconds: TTL_SECONDS,
    breakerCooldownMs: 200,
    localEntries: 100,
    registry,
    log: silent,
  });
  return { cache, keyPrefix, registry };
}

async function metric(registry: Registry, name: string, labels: Record<string, string>) {
  const found = (await registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  const value = found?.values.find((sample) =>
    Object.entries(labels).every(([label, wanted]) => sample.labels[label] === wanted),
  );
  return value?.value ?? 0;
}

/** Loads the given values for the keys asked, counting the calls. */
function loader<T>(values: Record<string, T>) {
  const calls: string[][] = [];
  const load = async (missing: CacheKey[]) => {
    calls.push(missing.map((key) => key.key));
    return new Map(
      missing.flatMap((key) => (key.key in values ? [[key.key, values[key.key]!] as const] : [])),
    );
  };
  return { load, calls };
}

describe('entities', () => {
  it('when an entity is read twice, then the second read is a hit and loads nothing', async () => {
    const { cache, registry } = newCache();
    const key = entityKeys.profile(1);
    const { load, calls } = loader({ [key.key]: { username: 'ada' } });
    expect((await cache.entities([key], load)).get(key.key)).toEqual({ username: 'ada' });
    expect((await cache.entities([key], load)).get(key.key)).toEqual({ username: 'ada' });
    expect(calls).toEqual([[key.key]]);
    expect(
      await metric(registry, 'cache_requests_total', { cache: 'profile', result: 'hit' }),
    ).toBe(1);
    expect(
      await metric(registry, 'cache_requests_total', { cache: 'profile', result: 'miss' }),
    ).toBe(1);
  });

  it('when a miss is loaded, then the load runs through runShared, which other waiters share', async () => {
    const shared: string[] = [];
    const cache = createVersionedCache({
      redis,
      keyPrefix: `test:${randomUUID()}:`,
      ttlSeconds: TTL_SECONDS,
      breakerCooldownMs: 200,
      localEntries: 100,
      registry: new Registry(),
      log: silent,
      runShared: (load) => {
        shared.push('load');
        return load();
      },
    });
    const key = entityKeys.profile(7);
    const { load } = loader({ [key.key]: { username: 'grace' } });
    expect((await cache.entities([key], load)).get(key.key)).toEqual({ username: 'grace' });
    expect(shared).toEqual(['load']);
  });

  it('when some of a batch miss, then only those are loaded, in one call, and nothing is stored for a missing row', async () => {
    const { cache } = newCache();
    const [one, two, gone] = [1, 2, 3].map(entityKeys.articleCard) as [
      CacheKey,
      CacheKey,
      CacheKey,
    ];
    await cache.entities([one], loader({ [one.key]: 'one' }).load);
    const { load, calls } = loader({ [one.key]: 'stale', [two.key]: 'two' });
    const found = await cache.entities([one, two, gone], load);
    expect(Object.fromEntries(found)).toEqual({ [one.key]: 'one', [two.key]: 'two' });
    expect(calls).toEqual([[two.key, gone.key]]);
    await cache.entities([gone], load);
    expect(calls.at(-1)).toEqual([gone.key]);
  });

  it('when a write invalidates an entity, then the next read loads it again', async () => {
    const { cache } = newCache();
    const key = entityKeys.articleCard(7);
    await cache.entities([key], loader({ [key.key]: 'before' }).load);
    expect(await cache.invalidate({ entities: [key], generations: [] }, 0)).toBe(true);
    const found = await cache.entities([key], loader({ [key.key]: 'after' }).load);
    expect(found.get(key.key)).toBe('after');
  });

  it('when a write commits and invalidates while a reader is loading the old row, then the reader does not store it', async () => {
    const { cache } = newCache();
    const key = entityKeys.articleCard(8);
    // The reader saw no entry, loaded the row as it was, and the write's invalidation came
    // before the reader got to store it: what it stores would be stale.
    const racing = await cache.entities([key], async () => {
      await cache.invalidate({ entities: [key], generations: [] }, 0);
      return new Map([[key.key, 'old row']]);
    });
    expect(racing.get(key.key)).toBe('old row');
    const next = await cache.entities([key], loader({ [key.key]: 'new row' }).load);
    expect(next.get(key.key)).toBe('new row');
  });

  it('when many requests miss the same key at once, then it is loaded once', async () => {
    const { cache } = newCache();
    const key = entityKeys.profile(9);
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return new Map([[key.key, 'x']]);
    };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => cache.entities([key], load)),
    );
    expect(results.every((result) => result.get(key.key) === 'x')).toBe(true);
    expect(loads).toBe(1);
  });
});

describe("a process's own parsed copies", () => {
  it('when another process invalidates and refills an entity, then this one reads the new data, not its copy', async () => {
    const one = newCache();
    const other = newCache(redis, new Registry(), one.keyPrefix);
    const key = entityKeys.articleCard(1);
    await one.cache.entities([key], loader({ [key.key]: 'v1' }).load);
    expect((await one.cache.entities([key], loader({}).load)).get(key.key)).toBe('v1');
    await other.cache.invalidate({ entities: [key], generations: [] }, 0);
    await other.cache.entities([key], loader({ [key.key]: 'v2' }).load);
    const { load, calls } = loader({ [key.key]: 'not loaded' });
    expect((await one.cache.entities([key], load)).get(key.key)).toBe('v2');
    expect(calls).toEqual([]);
  });

  it("when an entity's version was evicted and it was filled again, then a copy from before is not served", async () => {
    const one = newCache();
    const key = entityKeys.profile(1);
    await one.cache.entities([key], loader({ [key.key]: 'before' }).load);
    // LRU may take the version with or without the data; either way the next fill gets a new,
    // random version (here the row changed meanwhile, and the write's invalidation was lost).
    await redis.del(`${one.keyPrefix}${key.key}:v`);
    const other = newCache(redis, new Registry(), one.keyPrefix);
    await other.cache.entities([key], loader({ [key.key]: 'after' }).load);
    expect((await one.cache.entities([key], loader({}).load)).get(key.key)).toBe('after');
  });

  it('when another process bumps a generation, then this one does not serve its copy of a result', async () => {
    const one = newCache();
    const other = newCache(redis, new Registry(), one.keyPrefix);
    const family = [generationKeys.allArticles];
    await one.cache.query('article-list', family, 'p', async () => 'v1');
    expect(await one.cache.query('article-list', family, 'p', async () => 'not read')).toBe('v1');
    await other.cache.invalidate({ entities: [], generations: family }, 0);
    expect(await one.cache.query('article-list', family, 'p', async () => 'v2')).toBe('v2');
  });
});

describe('query results under generations', () => {
  it('when a generation is bumped, then results stored under it are read no more and the reload must see the write', async () => {
    const { cache } = newCache();
    const family = [generationKeys.articlesByTag('dragons')];
    const freshness: Freshness[] = [];
    const load = (value: string) => async (wanted: Freshness) => {
      freshness.push(wanted);
      return value;
    };
    expect(await cache.query('article-list', family, 'page-1', load('v1'))).toBe('v1');
    expect(await cache.query('article-list', family, 'page-1', load('not read'))).toBe('v1');
    await cache.invalidate({ entities: [], generations: family }, 4242);
    expect(await cache.query('article-list', family, 'page-1', load('v2'))).toBe('v2');
    expect(freshness).toEqual([{ minLsn: 0 }, { minLsn: 4242 }]);
  });

  it('when two writes bump a generation, then it keeps the later WAL position', async () => {
    const { cache } = newCache();
    const family = [generationKeys.allArticles, generationKeys.articlesByAuthor(1)];
    await cache.invalidate({ entities: [], generations: [family[0]!] }, 900);
    await cache.invalidate({ entities: [], generations: [family[0]!] }, 100);
    await cache.invalidate({ entities: [], generations: [family[1]!] }, 500);
    const generations = await cache.generations(family);
    expect(generations?.map((generation) => generation.lsn)).toEqual([900, 500]);
  });

  it('when a generation is evicted, then it comes back with a new version and never matches a result stored before', async () => {
    const { cache, keyPrefix } = newCache();
    const family = [generationKeys.tags];
    await cache.query('tags', family, '', async () => 'before eviction');
    await redis.del(`${keyPrefix}${generationKeys.tags.key}`);
    expect(await cache.query('tags', family, '', async () => 'after eviction')).toBe(
      'after eviction',
    );
  });

  it('when a result depends on hundreds of generations, then bumping any one of them moves it on', async () => {
    const { cache } = newCache();
    const family = Array.from({ length: 300 }, (_, index) =>
      generationKeys.articlesByAuthor(index + 1),
    );
    expect(await cache.query('feed', family, 'reader-1', async () => 'first')).toBe('first');
    expect(await cache.query('feed', family, 'reader-1', async () => 'not read')).toBe('first');
    await cache.invalidate({ entities: [], generations: [family[217]!] }, 0);
    expect(await cache.query('feed', family, 'reader-1', async () => 'second')).toBe('second');
  });

  it('when a stored page is forgotten, then the next read loads it again', async () => {
    const { cache } = newCache();
    const family = [generationKeys.allArticles];
    await cache.query('article-list', family, 'p', async () => 'first');
    await cache.forget('article-list', family, 'p');
    expect(await cache.query('article-list', family, 'p', async () => 'second')).toBe('second');
  });
});

describe('a query over the members of a set (a feed)', () => {
  const authors = { prefix: ARTICLES_BY_AUTHOR_PREFIX, of: generationKeys.articlesByAuthor };

  it("when the set is stored, then its members and every generation come in one read, and a member's write moves the result on", async () => {
    const { cache } = newCache();
    const set = { key: entityKeys.following(1), load: async () => [7, 8] };
    const feed = (value: string) =>
      cache.queryOverMembers(
        'feed',
        set,
        [generationKeys.followedAuthors(1)],
        authors,
        'p',
        async (_f, members) => `${value}:${members.join(',')}`,
      );
    expect(await feed('first')).toEqual({ members: [7, 8], value: 'first:7,8' });
    expect(await feed('not read')).toEqual({ members: [7, 8], value: 'first:7,8' });
    await cache.invalidate({ entities: [], generations: [generationKeys.articlesByAuthor(8)] }, 55);
    expect(await feed('second')).toEqual({ members: [7, 8], value: 'second:7,8' });
  });

  it('when the set changes, then it is loaded again and so is the result', async () => {
    const { cache } = newCache();
    let following = [3];
    const set = { key: entityKeys.following(2), load: async () => following };
    const read = () =>
      cache.queryOverMembers(
        'feed',
        set,
        [generationKeys.followedAuthors(2)],
        authors,
        'p',
        async (_f, members) => members.join(','),
      );
    expect((await read()).members).toEqual([3]);
    following = [3, 4];
    await cache.invalidate(
      { entities: [entityKeys.following(2)], generations: [generationKeys.followedAuthors(2)] },
      0,
    );
    expect(await read()).toEqual({ members: [3, 4], value: '3,4' });
  });

  it('when the set is too big to keep, then there is no result to read', async () => {
    const { cache } = newCache();
    const set = { key: entityKeys.following(3), load: async () => TOO_MANY_MEMBERS };
    const read = () => cache.queryOverMembers('feed', set, [], authors, 'p', async () => 'never');
    expect(await read()).toEqual({ members: null });
    expect(await read()).toEqual({ members: null });
  });
});

describe('memberships', () => {
  it('when a viewer set is asked about some ids, then it is loaded once and answers from Redis after', async () => {
    const { cache } = newCache();
    const key = entityKeys.favorites(1);
    let loads = 0;
    const load = async () => {
      loads += 1;
      return [10, 20, 30];
    };
    expect([...((await cache.membership(key, [10, 11, 30], load)) ?? [])]).toEqual([10, 30]);
    expect([...((await cache.membership(key, [20, 40], load)) ?? [])]).toEqual([20]);
    expect((await cache.members(key, load))?.sort()).toEqual([10, 20, 30]);
    expect(loads).toBe(1);
  });

  it('when a viewer set is invalidated, then it is loaded again; an empty set is cached too', async () => {
    const { cache } = newCache();
    const key = entityKeys.following(2);
    expect(await cache.members(key, async () => [])).toEqual([]);
    expect(await cache.members(key, async () => [99])).toEqual([]);
    await cache.invalidate({ entities: [key], generations: [] }, 0);
    expect(await cache.members(key, async () => [5])).toEqual([5]);
  });

  it('when a set is too big to keep, then it answers null (ask Postgres) without loading it every time', async () => {
    const { cache } = newCache();
    const key = entityKeys.favorites(3);
    let loads = 0;
    const load = async () => {
      loads += 1;
      return TOO_MANY_MEMBERS;
    };
    expect(await cache.membership(key, [1], load)).toBeNull();
    expect(await cache.membership(key, [1], load)).toBeNull();
    expect(await cache.members(key, load)).toBeNull();
    expect(loads).toBe(1);
  });
});

describe('when Redis fails', () => {
  it('when the cache Redis is down, then every read falls back to its loader with no error, and invalidation reports failure', async () => {
    const privateRedis = await startPrivateRedis();
    const connection = createCacheRedisClient(privateRedis.url, 200);
    connection.on('error', () => {});
    await connection.connect();
    const { cache, registry } = newCache(connection);
    const card = entityKeys.articleCard(1);
    await cache.entities([card], loader({ [card.key]: 'cached' }).load);
    await privateRedis.stop();

    const found = await cache.entities([card], loader({ [card.key]: 'from postgres' }).load);
    expect(found.get(card.key)).toBe('from postgres');
    expect(
      await cache.query('tags', [generationKeys.tags], '', async (freshness) => freshness),
    ).toEqual({ preferPrimary: true });
    expect(await cache.membership(entityKeys.favorites(1), [1, 2], async () => [2])).toEqual(
      new Set([2]),
    );
    expect(await cache.members(entityKeys.following(1), async () => [3])).toEqual([3]);
    expect(await cache.invalidate({ entities: [card], generations: [] }, 0)).toBe(false);
    expect(cache.available()).toBe(false);
    expect(
      await metric(registry, 'cache_requests_total', { cache: 'article-card', result: 'bypass' }),
    ).toBe(1);
    expect(await metric(registry, 'cache_errors_total', { operation: 'invalidate' })).toBe(1);
    connection.disconnect();
  });

  it('when the cache Redis hangs, then a read gives up after the command timeout and the next ones skip it', async () => {
    const privateRedis = await startPrivateRedis();
    const connection = createCacheRedisClient(privateRedis.url, 100);
    connection.on('error', () => {});
    await connection.connect();
    const { cache, registry } = newCache(connection);
    const key = entityKeys.profile(1);
    privateRedis.pause();
    try {
      const found = await cache.entities([key], loader({ [key.key]: 'loaded' }).load);
      expect(found.get(key.key)).toBe('loaded');
      expect(await metric(registry, 'cache_errors_total', { operation: 'read-entities' })).toBe(1);
      // Within the cool-down the cache is not asked again: no second timeout.
      await cache.entities([key], loader({ [key.key]: 'loaded' }).load);
      expect(await metric(registry, 'cache_errors_total', { operation: 'read-entities' })).toBe(1);
      expect(
        await metric(registry, 'cache_requests_total', { cache: 'profile', result: 'bypass' }),
      ).toBe(2);
    } finally {
      privateRedis.resume();
      await privateRedis.stop();
      connection.disconnect();
    }
  });
});
