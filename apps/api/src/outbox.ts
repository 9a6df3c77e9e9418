// The write side of the transactional outbox. A service runs its write through
// `outbox.transaction`, and calls `record(event)` inside it, so the event exists if and only if
// the change committed: no accepted write can lose its follow-up work, even if Redis or every
// worker is down at that moment. The worker's relay (apps/worker/src/outbox-relay.ts) does the
// rest. Once the transaction has committed, `afterCommit` gets its events (the application
// cache's invalidations, so the writer's next read sees the write).
import type { Prisma, PrismaClient } from '@headroom/db/client';
import type { DomainEvent } from '@headroom/jobs/contract';
import { recordEvent } from '@headroom/jobs/record-event';

export type RecordEvent = (event: DomainEvent) => Promise<void>;

/**
 * Records events and invalidates after the commit. `transaction` is the usual way; a hot write
 * that inserts its row and its event in one SQL statement (comments) calls `committed` itself.
 */
export function createOutbox(deps: {
  db: Pick<PrismaClient, '$transaction'>;
  /** Runs after every commit that recorded events; must not throw (failures are its own). */
  afterCommit: (events: DomainEvent[]) => Promise<void>;
}) {
  return {
    /** Runs `write` in one transaction; the events it records commit with it. */
    async transaction<T>(
      write: (tx: Prisma.TransactionClient, record: RecordEvent) => Promise<T>,
    ): Promise<T> {
      const events: DomainEvent[] = [];
      const result = await deps.db.$transaction((tx) =>
        write(tx, async (event) => {
          await recordEvent(tx, event);
          events.push(event);
        }),
      );
      if (events.length > 0) await deps.afterCommit(events);
      return result;
    },

    /** After a single-statement write that inserted these events with its row. */
    committed(events: DomainEvent[]): Promise<void> {
      return deps.afterCommit(events);
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
