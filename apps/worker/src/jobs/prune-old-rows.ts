// prune-old-rows (scheduled, nightly): deletes, past each one's retention, every kind of row
// that grows without the product needing it: delivered outbox events, outbox events no worker
// can route, read notifications, unread notifications nobody came back for, and the record of
// sent emails. PRUNE_BATCH_SIZE rows per statement, so no statement holds locks or bloats WAL
// for long, and the tables stay the size of their recent past (docs/security.md, "Bounded growth").
import type { PrismaClient } from '@headroom/db/client';
import { defineJob } from '../job-registry.ts';
import { ROUTABLE_TYPES } from '../outbox-relay.ts';

export interface PruneSettings {
  outboxRetentionDays: number;
  readNotificationRetentionDays: number;
  unreadNotificationRetentionDays: number;
  emailDeliveryRetentionDays: number;
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
    // Never delivered because no worker can route them (a type no worker knows, a payload that
    // is not an object): past the same retention, no deploy is still rolling out a worker that
    // would. Routable pending events are never touched, however old: they are work owed.
    const unroutableOutboxEvents = await inBatches(
      () => db.$executeRaw`
        DELETE FROM outbox_events WHERE id IN (
          SELECT id FROM outbox_events
           WHERE delivered_at IS NULL
             AND created_at < now() - make_interval(days => ${settings.outboxRetentionDays})
             AND NOT (type = ANY(${ROUTABLE_TYPES}::text[]) AND jsonb_typeof(payload) = 'object')
           LIMIT ${settings.batchSize})`,
    );
    const readNotifications = await inBatches(
      () => db.$executeRaw`
        DELETE FROM notifications WHERE id IN (
          SELECT id FROM notifications
           WHERE read_at < now() - make_interval(days => ${settings.readNotificationRetentionDays})
           LIMIT ${settings.batchSize})`,
    );
    // Fan-out writes one per follower per article, read or not: the fastest-growing table.
    // Oldest first by id, so each batch walks the primary key from where the last one stopped.
    const unreadNotifications = await inBatches(
      () => db.$executeRaw`
        DELETE FROM notifications WHERE id IN (
          SELECT id FROM notifications
           WHERE read_at IS NULL
             AND created_at < now() - make_interval(days => ${settings.unreadNotificationRetentionDays})
           ORDER BY id
           LIMIT ${settings.batchSize})`,
    );
    // The send-email job's "already sent" record only has to outlive the job's retries.
    const emailDeliveries = await inBatches(
      () => db.$executeRaw`
        DELETE FROM email_deliveries WHERE key IN (
          SELECT key FROM email_deliveries
           WHERE sent_at < now() - make_interval(days => ${settings.emailDeliveryRetentionDays})
           LIMIT ${settings.batchSize})`,
    );
    log.info(
      {
        outboxEvents,
        unroutableOutboxEvents,
        readNotifications,
        unreadNotifications,
        emailDeliveries,
      },
      'old rows pruned',
    );
  });
}
