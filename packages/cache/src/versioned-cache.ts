// The application cache: cache-aside in a Redis of its own (allkeys-lru), with invalidation
// that a concurrent reader cannot undo and that LRU eviction cannot corrupt. docs/caching.md.
//
//   entities     an article card, a profile: a version key (`K:v`) and the data (`K`), tagged
//                with the version it was stored at. A write bumps the version and drops the data.
//                A reader that missed remembers the version it saw and stores what it loaded
//                only if the version has not moved meanwhile (checked in Lua), so a row loaded
//                just before a write can never be stored after that write's invalidation. Data
//                whose tag is not the current version is a miss, whatever was evicted.
//   memberships  a viewer's favorites or follows: one hash {v, s: state, <id>: 1 ...}, with the
//                same version rule; asked about a page's ids with one HMGET.
//   generations  one key per family of query results ("version|lsn"); the results are plain
//                values under keys built from the versions they depend on. A write bumps the
//                generation; the old keys are never read again and expire. No key scans. A
//                generation that is evicted or expires comes back with a random version, so it
//                never matches a result stored before.
//
// Each generation also keeps the highest WAL position (LSN) of the writes that bumped it, so a
// reload can tell whether a lagging replica already has those writes.
//
// First level: each process keeps the entries it parsed (local-entries.ts), by key and
// version. A read asks Redis for the versions only (one MGET) and uses its own copy when the
// version matches, so an unchanged card is neither sent nor parsed again.
//
// Fail-open: a Redis error or timeout is counted, and the caller's loader runs against
// Postgres instead. After an error the cache is skipped for CACHE_BREAKER_COOLDOWN_MS, so a
// Redis that is down costs one failed command per cool-down, not one per request.
import { hash, randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { CacheKey, CacheName } from './keys.ts';
import { LocalEntries } from './local-entries.ts';

export interface VersionedCacheSettings {
  redis: Redis;
  /** Prepended to every key: one cache Redis can serve several deployments (and tests). */
  keyPrefix: string;
  /** Every entry expires after this, whatever happens to invalidation (CACHE_TTL_SECONDS). */
  ttlSeconds: number;
  /** How long the cache is skipped after a Redis error (CACHE_BREAKER_COOLDOWN_MS). */
  breakerCooldownMs: number;
  /**
   * Parsed entries this process keeps, checked against Redis's version on every read
   * (CACHE_LOCAL_ENTRIES; local-entries.ts). 0: none, every read carries the data.
   */
  localEntries: number;
  registry: Registry;
  log: { warn: (details: object, message: string) => void };
  /**
   * Starts a load that other callers may wait on (single flight). The API runs it outside the
   * calling request's query cancellation, so that one client going away cannot fail everyone
   * waiting on the same load (@headroom/db's onItsOwnDeadline: the load has a deadline of its own).
   */
  runShared?: <T>(load: () => Promise<T>) => Promise<T>;
}

/** What a reload must be at least as fresh as: a WAL position, or "the primary, nothing less". */
export type Freshness = { minLsn: number } | { preferPrimary: true };

export interface Generation {
  version: string;
  lsn: number;
}

/** What a write invalidates (invalidation-rules.ts builds these from domain events). */
export interface Invalidation {
  /** Entities and membership sets. */
  entities: CacheKey[];
  generations: CacheKey[];
}

/** A loaded membership set too big to keep whole; the caller asks Postgres instead. */
export const TOO_MANY_MEMBERS = 'too-many' as const;

export type VersionedCache = ReturnType<typeof createVersionedCache>;

/** Versions past this length are hashed into a query result's key. */
const MAX_INLINE_VERSIONS_LENGTH = 100;

// Versions never start at 0 or 1: a key that is evicted gets a fresh random one (see above).
const RANDOM_VERSION_LIMIT = 2 ** 40;

// KEYS: entities' data keys. ARGV: ttl, version ttl, a random number, then (version seen,
// data) per key. Stores only where the version is still the one seen before loading ('' =
// none); a key with no version gets a random one, so no two fills of a key share a version.
// Returns the version each key was stored at, or false where a write came first.
const FILL_ENTITIES = `
local out = {}
for i, key in ipairs(KEYS) do
  local seen = ARGV[2 * i + 2]
  local versionKey = key .. ':v'
  local current = redis.call('GET', versionKey) or ''
  if current == seen then
    if current == '' then
      current = tostring(tonumber(ARGV[3]) + i)
      redis.call('SET', versionKey, current, 'EX', ARGV[2])
    end
    redis.call('SET', key, current .. '|' .. ARGV[2 * i + 3], 'EX', ARGV[1])
    out[i] = current
  else
    out[i] = false
  end
end
return out`;

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

// KEYS: generations that were missing. ARGV: a random number, ttl. Creates each with a random
// version (unless another reader just did) and returns every one's value.
const CREATE_GENERATIONS = `
local out = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, tostring(tonumber(ARGV[1]) + i) .. '|0', 'NX', 'EX', ARGV[2])
  out[i] = redis.call('GET', key)
end
return out`;

// The generations of a query over a membership set (a feed: the reader's followed authors,
// and each author's articles), read with the set itself in one round trip. KEYS[1]: the
// membership hash; KEYS[2..]: generations every such query depends on. ARGV: the key prefix of
// each member's generation, a random number, generation ttl. Returns [state, version] when
// the set is not stored whole, else ['all', n, member ids (n), then each generation's value,
// the fixed ones first, missing ones created at a random version].
const READ_MEMBER_GENERATIONS = `
local state = redis.call('HGET', KEYS[1], 's')
if state ~= 'all' then
  return {state or false, redis.call('HGET', KEYS[1], 'v') or false}
end
local members = {}
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if field ~= 'v' and field ~= 's' then members[#members + 1] = field end
end
local out = {'all', #members}
local generations = {}
for _, member in ipairs(members) do out[#out + 1] = member end
for i = 2, #KEYS do generations[#generations + 1] = KEYS[i] end
for _, member in ipairs(members) do generations[#generations + 1] = ARGV[1] .. member end
for i, key in ipairs(generations) do
  local value = redis.call('GET', key)
  if not value then
    redis.call('SET', key, tostring(tonumber(ARGV[2]) + i) .. '|0', 'NX', 'EX', ARGV[3])
    value = redis.call('GET', key)
  end
  out[#out + 1] = value
end
return out`;

// KEYS: entities, memberships, then generations. ARGV: how many entities, how many
// memberships, lsn, a random number, version ttl (and generation ttl), membership ttl.
const INVALIDATE = `
local entities = tonumber(ARGV[1])
local memberships = tonumber(ARGV[2])
local lsn = tonumber(ARGV[3])
local random = tonumber(ARGV[4])
for i, key in ipairs(KEYS) do
  if i <= entities then
    local versionKey = key .. ':v'
    if redis.call('EXISTS', versionKey) == 1 then
      redis.call('INCR', versionKey)
      redis.call('EXPIRE', versionKey, ARGV[5])
    else
      redis.call('SET', versionKey, tostring(random + i), 'EX', ARGV[5])
    end
    redis.call('DEL', key)
  elseif i <= entities + memberships then
    local v = tonumber(redis.call('HGET', key, 'v') or tostring(random + i)) + 1
    redis.call('DEL', key)
    redis.call('HSET', key, 'v', v)
    redis.call('EXPIRE', key, ARGV[6])
  else
    local current = redis.call('GET', key)
    local version, known = random + i, 0
    if current then
      local bar = string.find(current, '|', 1, true)
      version = tonumber(string.sub(current, 1, bar - 1))
      known = tonumber(string.sub(current, bar + 1))
    end
    if lsn > known then known = lsn end
    redis.call('SET', key, string.format('%d|%d', version + 1, known), 'EX', ARGV[5])
  end
end
return 0`;

interface CacheScripts {
  fillEntities(...args: (string | number)[]): Promise<(string | null)[]>;
  fillMembership(...args: (string | number)[]): Promise<number>;
  createGenerations(...args: (string | number)[]): Promise<(string | null)[]>;
  readMemberGenerations(...args: (string | number)[]): Promise<(string | number | null)[]>;
  invalidate(...args: (string | number)[]): Promise<number>;
}

/** "version|data" as stored; the version and the data's text. */
function splitTagged(stored: string): [version: string, data: string] {
  const bar = stored.indexOf('|');
  return [stored.slice(0, bar), stored.slice(bar + 1)];
}

export function createVersionedCache(settings: VersionedCacheSettings) {
  const { keyPrefix, ttlSeconds, log } = settings;
  const runShared = settings.runShared ?? ((load) => load());
  const redis = settings.redis as Redis & CacheScripts;
  // Versions and generations outlive the data stored under them (a result expires ttlSeconds
  // after it was stored, at the latest); when they expire, the next write or read starts them
  // again at a random version.
  const versionTtlSeconds = ttlSeconds * 2;
  redis.defineCommand('fillEntities', { lua: FILL_ENTITIES });
  redis.defineCommand('fillMembership', { lua: FILL_MEMBERSHIP, numberOfKeys: 1 });
  redis.defineCommand('createGenerations', { lua: CREATE_GENERATIONS });
  redis.defineCommand('readMemberGenerations', { lua: READ_MEMBER_GENERATIONS });
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

  // Entities by key, and query results by their full key (which names their versions).
  const local = new LocalEntries(settings.localEntries, ttlSeconds * 1000);

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
    const started = runShared(load).finally(() => inFlight.delete(flightKey));
    inFlight.set(flightKey, started);
    return started;
  }

  const prefixed = (key: CacheKey) => keyPrefix + key.key;
  const randomVersion = () => String(randomInt(2, RANDOM_VERSION_LIMIT));

  async function readGenerations(keys: readonly CacheKey[]): Promise<Generation[] | null> {
    if (keys.length === 0) return [];
    if (!available()) return null;
    try {
      const values = await redis.mget(...keys.map(prefixed));
      const absent = keys.filter((_, index) => values[index] === null);
      if (absent.length > 0) {
        const created = await redis.createGenerations(
          absent.length,
          ...absent.map(prefixed),
          randomVersion(),
          versionTtlSeconds,
        );
        let next = 0;
        values.forEach((value, index) => {
          if (value === null) values[index] = created[next++] ?? null;
        });
      }
      return values.map((value) => {
        const [version, lsn] = splitTagged(value ?? '|0');
        return { version, lsn: Number(lsn) };
      });
    } catch (error) {
      failed('read-generations', error);
      return null;
    }
  }

  /** A query result's key: the cache, the versions it depends on (hashed when long), params. */
  function queryKey(cache: CacheName, generations: readonly Generation[], params: string) {
    const joined = generations.map((generation) => generation.version).join('.');
    const versions =
      joined.length > MAX_INLINE_VERSIONS_LENGTH ? hash('sha1', joined, 'base64url') : joined;
    return `${keyPrefix}${cache}:${versions}:${params}`;
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

  /** A query result under the key made of `generations`: this process's copy, Redis's, or loaded. */
  async function storedQuery<T>(
    cache: CacheName,
    generations: readonly Generation[],
    params: string,
    load: (freshness: Freshness) => Promise<T>,
  ): Promise<T> {
    const key = queryKey(cache, generations, params);
    // The key names the versions, so a copy held under it is current.
    const held = local.versionOf(key) === key ? (local.take(key) as T | undefined) : undefined;
    if (held !== undefined) {
      requests.inc({ cache, result: 'hit' });
      return held;
    }
    let stored: string | null = null;
    try {
      stored = await redis.get(key);
    } catch (error) {
      failed('read-query', error);
      requests.inc({ cache, result: 'bypass' });
      return load({ preferPrimary: true });
    }
    if (stored !== null) {
      requests.inc({ cache, result: 'hit' });
      const value = JSON.parse(stored) as T;
      local.set(key, key, value);
      return value;
    }
    requests.inc({ cache, result: 'miss' });
    const minLsn = Math.max(0, ...generations.map((generation) => generation.lsn));
    return once(`q:${key}`, async () => {
      const value = await load({ minLsn });
      try {
        await redis.set(key, JSON.stringify(value), 'EX', ttlSeconds);
        local.set(key, key, value);
      } catch (error) {
        failed('fill-query', error);
      }
      return value;
    });
  }

  /**
   * A query result that depends on the generations `dependsOn`: stored under a key made of
   * their versions and `params`. `load` is told how fresh it must be: at least the newest write
   * that bumped one of them, or the primary when the cache cannot say. One round trip when this
   * process holds the result, two otherwise.
   */
  async function query<T>(
    cache: CacheName,
    dependsOn: readonly CacheKey[],
    params: string,
    load: (freshness: Freshness) => Promise<T>,
  ): Promise<T> {
    const generations = await readGenerations(dependsOn);
    if (!generations) {
      requests.inc({ cache, result: 'bypass' });
      return load({ preferPrimary: true });
    }
    return storedQuery(cache, generations, params, load);
  }

  /**
   * The stored entities of `keys` (current versions only): this process's own copies where
   * their version is still the current one, the rest from Redis. Null when Redis failed.
   */
  async function readEntities<T>(
    keys: readonly CacheKey[],
  ): Promise<{ found: Map<string, T>; versions: string[] } | null> {
    if (!available()) return null;
    try {
      const versions = (await redis.mget(keys.map((key) => `${prefixed(key)}:v`))).map(
        (version) => version ?? '',
      );
      const found = new Map<string, T>();
      const fetch: number[] = [];
      keys.forEach((key, index) => {
        const version = versions[index]!;
        if (version === '') return;
        const held = local.versionOf(key.key) === version ? local.take(key.key) : undefined;
        if (held !== undefined) found.set(key.key, held as T);
        else fetch.push(index);
      });
      if (fetch.length > 0) {
        const stored = await redis.mget(fetch.map((index) => prefixed(keys[index]!)));
        fetch.forEach((index, position) => {
          const value = stored[position];
          if (!value) return;
          const [version, data] = splitTagged(value);
          // Data stored at another version is stale (or not yet current): a miss.
          if (version !== versions[index]) return;
          const parsed = JSON.parse(data) as T;
          found.set(keys[index]!.key, parsed);
          local.set(keys[index]!.key, version, parsed);
        });
      }
      return { found, versions };
    } catch (error) {
      failed('read-entities', error);
      return null;
    }
  }

  return {
    /** False while Redis is unreachable or in its cool-down after an error. */
    available,

    /**
     * Entities by key, all of one cache; `load` gets the keys that missed and returns the ones
     * that exist. What it returns is stored, unless a write invalidated the key meanwhile.
     * One round trip when this process holds the current versions, two otherwise.
     */
    async entities<T>(
      keys: readonly CacheKey[],
      load: (missing: CacheKey[]) => Promise<Map<string, T>>,
    ): Promise<Map<string, T>> {
      if (keys.length === 0) return new Map<string, T>();
      const read = await readEntities<T>(keys);
      const found = read?.found ?? new Map<string, T>();
      const missing: CacheKey[] = [];
      const versionsSeen: string[] = [];
      keys.forEach((key, index) => {
        if (found.has(key.key)) return;
        missing.push(key);
        versionsSeen.push(read?.versions[index] ?? '');
      });
      // Counted once per call (a page's 20 cards are one increment, not 20).
      const { cache } = keys[0]!;
      if (found.size > 0) requests.inc({ cache, result: 'hit' }, found.size);
      if (missing.length > 0) {
        requests.inc({ cache, result: read ? 'miss' : 'bypass' }, missing.length);
      }
      if (missing.length === 0) return found;

      // Keys another request of this process is loading already are awaited, not reloaded.
      const mine = missing.filter((key) => !inFlight.has(`e:${key.key}`));
      const batch =
        mine.length > 0 ? runShared(() => load(mine)) : Promise.resolve(new Map<string, T>());
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
      const filled: { key: CacheKey; value: T }[] = [];
      const fillArgs: string[] = [];
      missing.forEach((key, index) => {
        const value = loaded[index];
        if (value === undefined) return;
        found.set(key.key, value);
        if (read && mine.includes(key)) {
          filled.push({ key, value });
          fillArgs.push(versionsSeen[index]!, JSON.stringify(value));
        }
      });
      if (filled.length > 0) {
        try {
          const stored = await redis.fillEntities(
            filled.length,
            ...filled.map(({ key }) => prefixed(key)),
            ttlSeconds,
            versionTtlSeconds,
            randomVersion(),
            ...fillArgs,
          );
          filled.forEach(({ key, value }, index) => {
            const version = stored[index];
            if (version) local.set(key.key, version, value);
          });
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

    /** A query result under generations (see `query` above). */
    query,

    /**
     * A query over the members of a membership set (a reader's feed, over the authors they
     * follow): its result depends on `dependsOn` and on each member's generation, named by
     * `memberGeneration` + the member's id. The set and every generation are read in one round
     * trip. `members` is null when the set is too big to keep; `load` is then not called.
     */
    async queryOverMembers<T>(
      cache: CacheName,
      set: { key: CacheKey; load: MembershipLoader },
      dependsOn: readonly CacheKey[],
      memberGeneration: { prefix: string; of: (id: number) => CacheKey },
      params: string,
      load: (freshness: Freshness, members: readonly number[]) => Promise<T>,
    ): Promise<{ members: number[]; value: T } | { members: null }> {
      let reply: (string | number | null)[] | null = null;
      if (available()) {
        try {
          reply = await redis.readMemberGenerations(
            1 + dependsOn.length,
            prefixed(set.key),
            ...dependsOn.map(prefixed),
            keyPrefix + memberGeneration.prefix,
            randomVersion(),
            versionTtlSeconds,
          );
        } catch (error) {
          failed('read-member-generations', error);
        }
      }
      if (reply?.[0] === 'all') {
        requests.inc({ cache: set.key.cache, result: 'hit' });
        const count = reply[1] as number;
        const members = reply.slice(2, 2 + count).map(Number);
        const generations = reply.slice(2 + count).map((value) => {
          const [version, lsn] = splitTagged(String(value ?? '|0'));
          return { version, lsn: Number(lsn) };
        });
        const value = await storedQuery(cache, generations, params, (freshness) =>
          load(freshness, members),
        );
        return { members, value };
      }
      // The set is not stored whole (a miss, too many members) or Redis failed: the set first,
      // then the query as any other.
      let setMembers: number[] | null;
      if (reply) {
        requests.inc({ cache: set.key.cache, result: 'miss' });
        const loaded = await loadMembership(set.key, String(reply[1] ?? ''), set.load);
        setMembers = loaded === TOO_MANY_MEMBERS ? null : [...loaded];
      } else {
        setMembers = await members(set.key, set.load);
      }
      if (setMembers === null) return { members: null };
      const known = setMembers;
      const value = await query(
        cache,
        [...dependsOn, ...known.map(memberGeneration.of)],
        params,
        (freshness) => load(freshness, known),
      );
      return { members: known, value };
    },

    /** Drops a stored query result, e.g. one that named an article deleted since. */
    async forget(cache: CacheName, dependsOn: readonly CacheKey[], params: string): Promise<void> {
      const generations = await readGenerations(dependsOn);
      if (!generations) return;
      const key = queryKey(cache, generations, params);
      local.forget(key);
      try {
        await redis.del(key);
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
      const entities = target.entities.filter((key) => key.kind === 'entity');
      const memberships = target.entities.filter((key) => key.kind === 'membership');
      const keys = [...entities, ...memberships, ...target.generations];
      if (keys.length === 0) return true;
      try {
        await redis.invalidate(
          keys.length,
          ...keys.map(prefixed),
          entities.length,
          memberships.length,
          lsn,
          randomVersion(),
          versionTtlSeconds,
          ttlSeconds,
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
    async queryOverMembers(_cache, set, _dependsOn, _memberGeneration, _params, load) {
      const loaded = await set.load();
      if (loaded === TOO_MANY_MEMBERS) return { members: null };
      const members = [...loaded];
      return { members, value: await load({ preferPrimary: true }, members) };
    },
    forget: async () => {},
    invalidate: async () => true,
  };
}
