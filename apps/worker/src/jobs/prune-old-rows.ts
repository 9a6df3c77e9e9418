// prune-old-rows (scheduled, nightly): deletes delivered outbox events and read notifications
// past their retention, PRUNE_BATCH_SIZE rows per statement, so no statement holds locks or
// bloats WAL for long, and the tables stay the size of their recent past.
import type { PrismaClient } from '@headroom/db/client';
import { defineJob } from '../job-registry.ts';

export interface PruneSettings {
  outboxRetentionDays: number;
  readNotificationRetentionDays: number;
  batchSize: number;
}

export function createPruneOldRowsJob(deps: {
  db: Pick<PrismaClient, '$executeRaw'>;
  settings: PruneSettings;
}) {
  const { db, settings } = deps;

  async function inBatches(deleteBatch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await deleteBatch();
      total += deleted;
      if (deleted < settings.batchSize) return total;
    }
  }

  return defineJob('prune-old-rows', async ({ log }) => {
    const outboxEvents = await inBatches(
      () => db.$executeRaw`
        DELETE FROM outbox_events WHERE id IN (
          SELECT id FROM outbox_events
           WHERE delivered_at < now() - make_interval(days => ${settings.outboxRetentionDays})
           LIMIT ${settings.batchSize})`,
    );
    const notifications = await inBatches(
      () => db.$executeRaw`
        DELETE FROM notifications WHERE id IN (
          SELECT id FROM notifications
           WHERE read_at < now() - make_interval(days => ${settings.readNotificationRetentionDays})
           LIMIT ${settings.batchSize})`,
    );
    log.info({ outboxEvents, notifications }, 'old rows pruned');
  });
}
