// The application cache's Redis connection, built one way for the API, the worker and the tests.
// It is a cache: every command fails fast, and a failure means "read from Postgres instead",
// never an error for a client. (The queue's Redis is a different server with the opposite
// policy: noeviction, and BullMQ workers that wait forever.)
import { Redis } from 'ioredis';

/** A connection attempt slower than this fails (and is retried in the background). */
export const CACHE_CONNECT_TIMEOUT_MS = 1_000;

/**
 * Not connected yet: the caller attaches its 'error' listener, then calls `connect()`.
 * `commandTimeoutMs` bounds what a stuck cache can add to a request (CACHE_COMMAND_TIMEOUT_MS).
 */
export function createCacheRedisClient(url: string, commandTimeoutMs: number): Redis {
  return new Redis(url, {
    lazyConnect: true,
    // Disconnected: fail at once and read from Postgres, rather than queue behind a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: CACHE_CONNECT_TIMEOUT_MS,
    commandTimeout: commandTimeoutMs,
    // A page's lookups (cards, authors, the viewer's sets) are issued together, and so are
    // concurrent requests': sent as one write instead of one each (docs/capacity.md).
    enableAutoPipelining: true,
  });
}
