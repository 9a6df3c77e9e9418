// The application cache: cache-aside in a Redis of its own (allkeys-lru), with invalidation
// that a concurrent reader cannot undo and that LRU eviction cannot corrupt. docs/caching.md.
//
//   versioned hashes  one Redis hash per thing: {v: version, d: data} for an entity (an article
//                     card, a profile), {v, s: state, <id>: 1 ...} for a membership set (the
//                     articles a user favorited). A write bumps v and drops everything else. A
//                     reader that missed stores its data only if v is still what it saw before
//                     loading (checked in Lua), so a row loaded just before a write can never be
//                     stored after that write's invalidation. Evicted, a hash goes whole.
//   generations       one Redis hash per family of query results ({v, lsn}); the results are
//                     plain values under keys that embed the versions they were built from. A
//                     write bumps the generation; the old keys are never read again and expire.
//                     No key scans. A generation that was evicted comes back with a random
//                     version, so it can never match a result stored before it was lost.
//
// Each generation also keeps the highest WAL position (LSN) of the writes that bumped it, so a
// reload can tell whether a lagging replica already has those writes.
//
// Fail-open: a Redis error or timeout is counted, and the caller's loader runs against
// Postgres instead. After an error the cache is skipped for CACHE_BREAKER_COOLDOWN_MS, so a
// Redis that is down costs one failed command per cool-down, not one per request.
import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { CacheKey, CacheName } from './keys.ts';

export interface VersionedCacheSettings {
  redis: Redis;
  /** Prepended to every key: one cache Redis can serve several deployments (and tests). */
  keyPrefix: string;
  /** Every entry expires after this, whatever happens to invalidation (CACHE_TTL_SECONDS). */
  ttlSeconds: number;
  /** How long the cache is skipped after a Redis error (CACHE_BREAKER_COOLDOWN_MS). */
  breakerCooldownMs: number;
  registry: Registry;
  log: { warn: (details: object, message: string) => void };
}

/** What a reload must be at least as fresh as: a WAL position, or "the primary, nothing less". */
export type Freshness = { minLsn: number } | { preferPrimary: true };

export interface Generation {
  version: string;
  lsn: number;
}

/** What a write invalidates (invalidation-rules.ts builds these from domain events). */
export interface Invalidation {
  /** Versioned hashes: entities and membership sets. */
  hashes: CacheKey[];
  generations: CacheKey[];
}

/** A loaded membership set too big to keep whole; the caller asks Postgres instead. */
export const TOO_MANY_MEMBERS = 'too-many' as const;

export type VersionedCache = ReturnType<typeof createVersionedCache>;

/** Versions past this length are hashed into a query result's key (READ_QUERY). */
const MAX_INLINE_VERSIONS_LENGTH = 100;

// Versions never start at 0: an evicted generation gets a fresh random one (see above).
const RANDOM_VERSION_LIMIT = 2 ** 40;

// KEYS: versioned hashes. Returns [d1, v1, d2, v2, ...] (false for a missing field).
const READ_ENTITIES = `
local out = {}
for i, key in ipairs(KEYS) do
  local r = redis.call('HMGET', key, 'd', 'v')
  out[2 * i - 1] = r[1] or false
  out[2 * i] = r[2] or false
end
return out`;

// KEYS: versioned hashes. ARGV: ttl, then (version seen, data) per key. Stores only where the
// version is still the one seen before loading ('' = no version yet).
const FILL_ENTITIES = `
local ttl = ARGV[1]
for i, key in ipairs(KEYS) do
  local seen = ARGV[2 * i]
  if (redis.call('HGET', key, 'v') or '') == seen then
    redis.call('HSET', key, 'd', ARGV[2 * i + 1])
    redis.call('EXPIRE', key, ttl)
  end
end
return 0`;

// KEYS[1]: a membership hash. ARGV: ttl, version seen, state, member ids...
const FILL_MEMBERSHIP = `
if (redis.call('HGET', KEYS[1], 'v') or '') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 's', ARGV[3])
for i = 4, #ARGV, 500 do
  local args = {}
  for j = i, math.min(i + 499, #ARGV) do
    args[#args + 1] = ARGV[j]
    args[#args + 1] = '1'
  end
  redis.call('HSET', KEYS[1], unpack(args))
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1`;

// KEYS: generations. ARGV: a random version for a generation that does not exist (evicted or
// never bumped), ttl. Returns [v1, lsn1, v2, lsn2, ...]; reading keeps a generation alive.
const READ_GENERATIONS = `
local out = {}
for i, key in ipairs(KEYS) do
  local r = redis.call('HMGET', key, 'v', 'lsn')
  if not r[1] then
    redis.call('HSET', key, 'v', ARGV[1])
    r[1] = ARGV[1]
  end
  redis.call('EXPIRE', key, ARGV[2])
  out[2 * i - 1] = r[1]
  out[2 * i] = r[2] or '0'
end
return out`;

// A query result and the generations it depends on, in one round trip. KEYS: generations;
// ARGV: a random version for a missing one, generation ttl, the key's head, its tail. The key
// is head .. versions .. tail, the versions hashed once there are many of them (a feed depends
// on every followed author). Returns [key, value or false, v1, lsn1, v2, lsn2, ...].
const READ_QUERY = `
local out = {}
local versions = {}
for i, key in ipairs(KEYS) do
  local r = redis.call('HMGET', key, 'v', 'lsn')
  if not r[1] then
    redis.call('HSET', key, 'v', ARGV[1])
    r[1] = ARGV[1]
  end
  redis.call('EXPIRE', key, ARGV[2])
  versions[i] = r[1]
  out[2 * i + 1] = r[1]
  out[2 * i + 2] = r[2] or '0'
end
local joined = table.concat(versions, '.')
if #joined > ${MAX_INLINE_VERSIONS_LENGTH} then joined = redis.sha1hex(joined) end
out[1] = ARGV[3] .. joined .. ARGV[4]
out[2] = redis.call('GET', out[1]) or false
return out`;

// KEYS: versioned hashes, then generations; ARGV: how many hashes, lsn, a random version,
// hash ttl, generation ttl.
const INVALIDATE = `
local hashes = tonumber(ARGV[1])
local lsn = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  if i <= hashes then
    local v = tonumber(redis.call('HGET', key, 'v') or '0') + 1
    redis.call('DEL', key)
    redis.call('HSET', key, 'v', v)
    redis.call('EXPIRE', key, ARGV[4])
  else
    if redis.call('HEXISTS', key, 'v') == 0 then redis.call('HSET', key, 'v', ARGV[3]) end
    redis.call('HINCRBY', key, 'v', 1)
    if lsn > tonumber(redis.call('HGET', key, 'lsn') or '0') then
      redis.call('HSET', key, 'lsn', ARGV[2])
    end
    redis.call('EXPIRE', key, ARGV[5])
  end
end
return 0`;

interface CacheScripts {
  readEntities(...args: (string | number)[]): Promise<(string | null)[]>;
  fillEntities(...args: (string | number)[]): Promise<number>;
  fillMembership(...args: (string | number)[]): Promise<number>;
  readGenerations(...args: (string | number)[]): Promise<(string | null)[]>;
  readQuery(...args: (string | number)[]): Promise<(string | null)[]>;
  invalidate(...args: (string | number)[]): Promise<number>;
}

export function createVersionedCache(settings: VersionedCacheSettings) {
  const { keyPrefix, ttlSeconds, log } = settings;
  const redis = settings.redis as Redis & CacheScripts;
  // A generation outlives everything stored under it: a result expires ttlSeconds after it was
  // stored, at the latest, and each read of the generation renews it for twice that.
  const generationTtlSeconds = ttlSeconds * 2;
  redis.defineCommand('readEntities', { lua: READ_ENTITIES });
  redis.defineCommand('fillEntities', { lua: FILL_ENTITIES });
  redis.defineCommand('fillMembership', { lua: FILL_MEMBERSHIP, numberOfKeys: 1 });
  redis.defineCommand('readGenerations', { lua: READ_GENERATIONS });
  redis.defineCommand('readQuery', { lua: READ_QUERY });
  redis.defineCommand('invalidate', { lua: INVALIDATE });

  const requests = new Counter({
    name: 'cache_requests_total',
    help: 'Application cache lookups by cache and result (hit, miss, or bypass when Redis is unavailable)',
    labelNames: ['cache', 'result'] as const,
    registers: [settings.registry],
  });
  const invalidations = new Counter({
    name: 'cache_invalidations_total',
    help: 'Application cache keys invalidated, by cache',
    labelNames: ['cache'] as const,
    registers: [settings.registry],
  });
  const errors = new Counter({
    name: 'cache_errors_total',
    help: 'Failed application cache commands, by operation (the request then reads Postgres)',
    labelNames: ['operation'] as const,
    registers: [settings.registry],
  });

  let unavailableUntil = 0;
  function available(): boolean {
    return redis.status === 'ready' && Date.now() >= unavailableUntil;
  }
  function failed(operation: string, error: unknown): void {
    errors.inc({ operation });
    const wasAvailable = Date.now() >= unavailableUntil;
    unavailableUntil = Date.now() + settings.breakerCooldownMs;
    if (wasAvailable) {
      log.warn(
        { err: error, operation, cooldownMs: settings.breakerCooldownMs },
        'application cache unavailable; reading from Postgres',
      );
    }
  }

  // Single flight: concurrent misses for the same key in this process share one load.
  const inFlight = new Map<string, Promise<unknown>>();
  function once<T>(flightKey: string, load: () => Promise<T>): Promise<T> {
    const running = inFlight.get(flightKey);
    if (running) return running as Promise<T>;
    const started = load().finally(() => inFlight.delete(flightKey));
    inFlight.set(flightKey, started);
    return started;
  }

  const prefixed = (key: CacheKey) => keyPrefix + key.key;
  const randomVersion = () => String(randomInt(1, RANDOM_VERSION_LIMIT));

  async function readGenerations(keys: readonly CacheKey[]): Promise<Generation[] | null> {
    if (keys.length === 0) return [];
    if (!available()) return null;
    try {
      const reply = await redis.readGenerations(
        keys.length,
        ...keys.map(prefixed),
        randomVersion(),
        generationTtlSeconds,
      );
      return keys.map((_, index) => ({
        version: reply[2 * index] ?? '',
        lsn: Number(reply[2 * index + 1] ?? 0),
      }));
    } catch (error) {
      failed('read-generations', error);
      return null;
    }
  }

  /** Loads the members of a membership set, or TOO_MANY_MEMBERS. */
  type MembershipLoader = () => Promise<readonly number[] | typeof TOO_MANY_MEMBERS>;

  /** Which of `ids` are in a loaded set. */
  const among = (ids: readonly number[], loaded: readonly number[] | typeof TOO_MANY_MEMBERS) => {
    if (loaded === TOO_MANY_MEMBERS) return null;
    const members = new Set(loaded);
    return new Set(ids.filter((id) => members.has(id)));
  };

  /** After a miss: loads the set (once per process) and stores it unless a write came between. */
  async function loadMembership(
    key: CacheKey,
    versionSeen: string,
    load: MembershipLoader,
  ): Promise<readonly number[] | typeof TOO_MANY_MEMBERS> {
    const members = await once(`m:${key.key}`, load);
    try {
      await redis.fillMembership(
        prefixed(key),
        ttlSeconds,
        versionSeen,
        members === TOO_MANY_MEMBERS ? TOO_MANY_MEMBERS : 'all',
        ...(members === TOO_MANY_MEMBERS ? [] : members),
      );
    } catch (error) {
      failed('fill-membership', error);
    }
    return members;
  }

  /**
   * Which of `ids` are in a membership set (one HMGET); loads and stores the whole set on a
   * miss. Null when the set is too big to keep: the caller asks Postgres about `ids` instead.
   */
  async function membership(
    key: CacheKey,
    ids: readonly number[],
    load: MembershipLoader,
  ): Promise<Set<number> | null> {
    let reply: (string | null)[] | null = null;
    if (available()) {
      try {
        reply = await redis.hmget(prefixed(key), 'v', 's', ...ids.map(String));
      } catch (error) {
        failed('read-membership', error);
      }
    }
    if (!reply) {
      requests.inc({ cache: key.cache, result: 'bypass' });
      return among(ids, await load());
    }
    const [version, state] = reply;
    if (state === 'all' || state === TOO_MANY_MEMBERS) {
      requests.inc({ cache: key.cache, result: 'hit' });
      return state === 'all' ? new Set(ids.filter((_, index) => reply[index + 2] !== null)) : null;
    }
    requests.inc({ cache: key.cache, result: 'miss' });
    return among(ids, await loadMembership(key, version ?? '', load));
  }

  /** Every member of a membership set (HGETALL); null when the set is too big to keep. */
  async function members(key: CacheKey, load: MembershipLoader): Promise<number[] | null> {
    let reply: Record<string, string> | null = null;
    if (available()) {
      try {
        reply = await redis.hgetall(prefixed(key));
      } catch (error) {
        failed('read-membership', error);
      }
    }
    const asArray = (loaded: readonly number[] | typeof TOO_MANY_MEMBERS) =>
      loaded === TOO_MANY_MEMBERS ? null : [...loaded];
    if (!reply) {
      requests.inc({ cache: key.cache, result: 'bypass' });
      return asArray(await load());
    }
    if (reply.s === 'all' || reply.s === TOO_MANY_MEMBERS) {
      requests.inc({ cache: key.cache, result: 'hit' });
      if (reply.s === TOO_MANY_MEMBERS) return null;
      return Object.keys(reply)
        .filter((field) => field !== 'v' && field !== 's')
        .map(Number);
    }
    requests.inc({ cache: key.cache, result: 'miss' });
    return asArray(await loadMembership(key, reply.v ?? '', load));
  }

  return {
    /** False while Redis is unreachable or in its cool-down after an error. */
    available,

    /**
     * Entities by key (one round trip); `load` gets the keys that missed and returns the ones
     * that exist. What it returns is stored, unless a write invalidated the key meanwhile.
     */
    async entities<T>(
      keys: readonly CacheKey[],
      load: (missing: CacheKey[]) => Promise<Map<string, T>>,
    ): Promise<Map<string, T>> {
      const found = new Map<string, T>();
      if (keys.length === 0) return found;
      let reply: (string | null)[] | null = null;
      if (available()) {
        try {
          reply = await redis.readEntities(keys.length, ...keys.map(prefixed));
        } catch (error) {
          failed('read-entities', error);
        }
      }
      const missing: CacheKey[] = [];
      const versionsSeen: string[] = [];
      keys.forEach((key, index) => {
        const data = reply?.[2 * index];
        if (reply && data) {
          requests.inc({ cache: key.cache, result: 'hit' });
          found.set(key.key, JSON.parse(data) as T);
        } else {
          requests.inc({ cache: key.cache, result: reply ? 'miss' : 'bypass' });
          missing.push(key);
          versionsSeen.push(reply?.[2 * index + 1] ?? '');
        }
      });
      if (missing.length === 0) return found;

      // Keys another request of this process is loading already are awaited, not reloaded.
      const mine = missing.filter((key) => !inFlight.has(`e:${key.key}`));
      const batch = mine.length > 0 ? load(mine) : Promise.resolve(new Map<string, T>());
      for (const key of mine) {
        const single = batch.then((loaded) => loaded.get(key.key));
        inFlight.set(`e:${key.key}`, single);
        void single.then(
          () => inFlight.delete(`e:${key.key}`),
          () => inFlight.delete(`e:${key.key}`),
        );
      }
      const loaded = await Promise.all(
        missing.map((key) => inFlight.get(`e:${key.key}`) as Promise<T | undefined> | undefined),
      );
      const fills: (string | number)[] = [];
      missing.forEach((key, index) => {
        const value = loaded[index];
        if (value === undefined) return;
        found.set(key.key, value);
        if (reply && mine.includes(key)) {
          fills.push(prefixed(key));
          fills.push(versionsSeen[index]!, JSON.stringify(value));
        }
      });
      if (fills.length > 0) {
        const count = fills.length / 3;
        const fillKeys = fills.filter((_, index) => index % 3 === 0);
        const fillArgs = fills.filter((_, index) => index % 3 !== 0);
        try {
          await redis.fillEntities(count, ...fillKeys, ttlSeconds, ...fillArgs);
        } catch (error) {
          failed('fill-entities', error);
        }
      }
      return found;
    },

    membership,
    members,

    /** The current versions of `keys` (one round trip); null when Redis is unavailable. */
    generations: readGenerations,

    /**
     * A query result that depends on the generations `dependsOn`: stored under a key made of
     * their versions and `params`. `load` is told how fresh it must be: at least the newest
     * write that bumped one of them, or the primary when the cache cannot say.
     */
    async query<T>(
      cache: CacheName,
      dependsOn: readonly CacheKey[],
      params: string,
      load: (freshness: Freshness) => Promise<T>,
    ): Promise<T> {
      let reply: (string | null)[] | null = null;
      if (available()) {
        try {
          reply = await redis.readQuery(
            dependsOn.length,
            ...dependsOn.map(prefixed),
            randomVersion(),
            generationTtlSeconds,
            `${keyPrefix}${cache}:`,
            `:${params}`,
          );
        } catch (error) {
          failed('read-query', error);
        }
      }
      if (!reply) {
        requests.inc({ cache, result: 'bypass' });
        return load({ preferPrimary: true });
      }
      const [key, stored] = reply as [string, string | null];
      if (stored !== null) {
        requests.inc({ cache, result: 'hit' });
        return JSON.parse(stored) as T;
      }
      requests.inc({ cache, result: 'miss' });
      const lsns = dependsOn.map((_, index) => Number(reply[2 * index + 3] ?? 0));
      const minLsn = Math.max(0, ...lsns);
      return once(`q:${key}`, async () => {
        const value = await load({ minLsn });
        try {
          await redis.set(key, JSON.stringify(value), 'EX', ttlSeconds);
        } catch (error) {
          failed('fill-query', error);
        }
        return value;
      });
    },

    /** Drops a stored query result, e.g. one that named an article deleted since. */
    async forget(cache: CacheName, dependsOn: readonly CacheKey[], params: string): Promise<void> {
      if (!available()) return;
      try {
        const [key] = await redis.readQuery(
          dependsOn.length,
          ...dependsOn.map(prefixed),
          randomVersion(),
          generationTtlSeconds,
          `${keyPrefix}${cache}:`,
          `:${params}`,
        );
        if (key) await redis.del(key);
      } catch (error) {
        failed('forget-query', error);
      }
    },

    /**
     * Invalidates in one round trip; `lsn` is the primary's WAL position after the write (0
     * without replicas). False when Redis could not be reached: the outbox relay applies the
     * same invalidation again shortly, and every entry expires after ttlSeconds regardless.
     */
    async invalidate(target: Invalidation, lsn: number): Promise<boolean> {
      const keys = [...target.hashes, ...target.generations];
      if (keys.length === 0) return true;
      try {
        await redis.invalidate(
          keys.length,
          ...keys.map(prefixed),
          target.hashes.length,
          lsn,
          randomVersion(),
          ttlSeconds,
          generationTtlSeconds,
        );
      } catch (error) {
        failed('invalidate', error);
        return false;
      }
      for (const key of keys) invalidations.inc({ cache: key.cache });
      return true;
    },
  };
}

/**
 * The same interface with no Redis behind it (CACHE_REDIS_URL unset): every read loads, from
 * the primary where freshness matters. For deployments that have no cache Redis, and for
 * measuring the database path alone.
 */
export function createPassThroughCache(): VersionedCache {
  return {
    available: () => false,
    async entities(keys, load) {
      return keys.length === 0 ? new Map() : load([...keys]);
    },
    async membership(_key, ids, load) {
      const loaded = await load();
      if (loaded === TOO_MANY_MEMBERS) return null;
      const members = new Set(loaded);
      return new Set(ids.filter((id) => members.has(id)));
    },
    async members(_key, load) {
      const loaded = await load();
      return loaded === TOO_MANY_MEMBERS ? null : [...loaded];
    },
    generations: async () => null,
    query: (_cache, _dependsOn, _params, load) => load({ preferPrimary: true }),
    forget: async () => {},
    invalidate: async () => true,
  };
}
