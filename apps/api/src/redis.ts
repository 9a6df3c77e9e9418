// The API's Redis connection (rate-limit counters and the readiness ping), built one way for
// main.ts and the tests, so tests run the settings production runs. The queues' Redis, one
// server or through its Sentinels: packages/jobs/src/queue-redis.ts builds every connection to
// it; these are the API's options (the worker's BullMQ workers need the opposite, commands
// that never time out).
import { createQueueRedisConnection, type QueueRedisTarget } from '@headroom/jobs/queue-redis';
import type { Redis } from 'ioredis';

/** A connection attempt slower than this fails (and is retried), so an unreachable Redis is noticed fast. */
export const REDIS_CONNECT_TIMEOUT_MS = 2_000;
/**
 * A command slower than this fails: the rate limiter then lets the request through and readyz
 * reports Redis down, rather than requests waiting on a stuck Redis. Readiness gives Redis
 * the same 1 s (READINESS_CHECK_TIMEOUT_MS in plugins/health.ts).
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;

/**
 * Not connected yet: the caller attaches its 'error' listener, then calls `connect()`. An
 * 'error' event before a listener exists would only reach the console, never the logs.
 */
export function createRedisClient(target: QueueRedisTarget): Redis {
  return createQueueRedisConnection(target, {
    lazyConnect: true,
    // Fail fast instead of queueing commands while Redis is away.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    // A limited write counts against two limits at once (per user, per address): their commands
    // leave in one write to the socket instead of one each (docs/capacity.md, "The relay's memory
    // of windows").
    enableAutoPipelining: true,
  });
}

/**
 * ioredis' ways of saying Redis could not answer now: a command past REDIS_COMMAND_TIMEOUT_MS,
 * no connection (and no offline queue to wait in), or retries used up while reconnecting.
 */
const UNAVAILABLE_MESSAGES = [
  'Command timed out',
  "Stream isn't writeable",
  'Connection is closed',
  'Reached the max retries per request limit',
];

/** Redis was down, unreachable or too slow: a 503, not a 500, for a request that needed it. */
export function isRedisUnavailableError(error: unknown): boolean {
  return (
    error instanceof Error &&
    UNAVAILABLE_MESSAGES.some((message) => error.message.startsWith(message))
  );
}
