// After a write commits, the application cache forgets what it changed, before the response
// goes out: the writer's next read, on any replica of the API, sees the write. What each event
// invalidates is the rule table in packages/cache/src/invalidation-rules.ts; the worker's
// outbox relay applies the same rules again when it relays the events.
import { invalidationFor, mergeInvalidations } from '@headroom/cache/invalidation-rules';
import type { VersionedCache } from '@headroom/cache/versioned-cache';
import type { ReadRouting } from '@headroom/db/read-routing';
import type { DomainEvent } from '@headroom/jobs/contract';
import type { FastifyBaseLogger } from 'fastify';

export function createCacheInvalidation(deps: {
  cache: VersionedCache;
  reads: Pick<ReadRouting, 'currentLsn'>;
  log: FastifyBaseLogger;
}) {
  return async (events: DomainEvent[]): Promise<void> => {
    const invalidation = mergeInvalidations(events.map(invalidationFor));
    // The primary's WAL position now covers the commit: a reload of what this invalidates may
    // use a replica only once it has replayed this far (0 when there is no replica). Asked
    // only when a bumped generation's results may come from a replica.
    const lsn = invalidation.generations.some((key) => key.filledFromReplica)
      ? await deps.reads.currentLsn().catch((error: unknown) => {
          deps.log.warn({ err: error }, 'could not read the WAL position after a write');
          return 0;
        })
      : 0;
    // A failure is the cache's own to report; the relay's pass and the entries' TTL cover it.
    await deps.cache.invalidate(invalidation, lsn);
  };
}
