// The nightly prune (jobs/prune-old-rows.ts), run as a handler against a database of its own:
// every kind of row that only grows is deleted past its retention, in batches, and nothing the
// product still needs (recent rows, routable events still owed to a queue) is touched.
import { createPrismaClient, type PrismaClient } from '@headroom/db/client';
import type { Job } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPruneOldRowsJob } from '../src/jobs/prune-old-rows.ts';
import { insertArticle, insertUsers } from './support/seed-sql.ts';
import { createTestStack, type TestStack } from './support/test-stack.ts';

let stack: TestStack;
let db: PrismaClient;

beforeAll(async () => {
  stack = await createTestStack('prune');
  db = createPrismaClient({ databaseUrl: stack.databaseUrl, maxConnections: 2 });
});
afterAll(async () => {
  await db?.$disconnect();
  await stack?.close();
});

async function idsIn(table: string, column: string, ids: unknown[]): Promise<unknown[]> {
  const { rows } = await stack.sql.query(
    `SELECT ${column} AS id FROM ${table} WHERE ${column} = ANY($1) ORDER BY ${column}`,
    [ids],
  );
  return rows.map((row) => row.id);
}

describe('prune-old-rows', () => {
  it('when rows are past their retention, then each kind is deleted and everything recent or still owed stays', async () => {
    const [author, reader] = (await insertUsers(stack.sql, 2)) as [number, number];
    const articles = [];
    for (let index = 0; index < 4; index++) articles.push(await insertArticle(stack.sql, author));

    const { rows: events } = await stack.sql.query<{ id: string }>(
      `INSERT INTO outbox_events (id, type, payload, created_at, delivered_at)
       SELECT gen_random_uuid(), type, payload::jsonb, now() - created::interval,
              now() - delivered::interval
         FROM (VALUES
           ('delivered long ago', 'user.followed', '{}', '10 days', '10 days'),
           ('delivered lately', 'user.followed', '{}', '10 days', '1 hour'),
           ('unknown type, old', 'article.teleported', '{}', '10 days', NULL),
           ('not an object, old', 'user.followed', '[]', '10 days', NULL),
           ('unknown type, recent', 'article.teleported', '{}', '1 hour', NULL),
           ('owed, old', 'user.followed', '{}', '10 days', NULL)
         ) AS event(label, type, payload, created, delivered)
       RETURNING id`,
    );
    const eventIds = events.map((event) => event.id);
    expect(eventIds).toHaveLength(6);

    const { rows: notifications } = await stack.sql.query<{ id: number }>(
      `INSERT INTO notifications (user_id, article_id, actor_id, kind, created_at, read_at)
       VALUES ($1, $3, $2, 'article.published', now() - interval '40 days', now() - interval '40 days'),
              ($1, $4, $2, 'article.published', now() - interval '40 days', now() - interval '1 day'),
              ($1, $5, $2, 'article.published', now() - interval '100 days', NULL),
              ($1, $6, $2, 'article.published', now() - interval '10 days', NULL)
       RETURNING id`,
      [reader, author, ...articles],
    );
    const [, readRecently, , unreadRecent] = notifications.map((row) => row.id);

    const suffix = String(reader);
    await stack.sql.query(
      `INSERT INTO email_deliveries (key, sent_at)
       VALUES ($1, now() - interval '40 days'), ($2, now() - interval '1 day')`,
      [`old-${suffix}`, `recent-${suffix}`],
    );

    const job = createPruneOldRowsJob({
      db,
      settings: {
        outboxRetentionDays: 7,
        readNotificationRetentionDays: 30,
        unreadNotificationRetentionDays: 90,
        emailDeliveryRetentionDays: 30,
        // Smaller than what each table has to lose: the batches must loop.
        batchSize: 1,
      },
    });
    const runOnce = () =>
      job.handle({
        payload: {},
        job: {} as Job<never, void, 'prune-old-rows'>,
        log: pino({ level: 'silent' }),
      });
    await runOnce();

    const { rows: eventsLeft } = await stack.sql.query<{
      type: string;
      payload: unknown;
      delivered: boolean;
    }>(
      `SELECT type, payload, delivered_at IS NOT NULL AS delivered FROM outbox_events
        WHERE id = ANY($1) ORDER BY created_at, type, delivered DESC`,
      [eventIds],
    );
    expect(eventsLeft).toEqual([
      // Delivered lately (created 10 days ago), and an old event still owed to a queue.
      { type: 'user.followed', payload: {}, delivered: true },
      { type: 'user.followed', payload: {}, delivered: false },
      // Unroutable, but younger than the retention: a newer worker may yet be rolling out.
      { type: 'article.teleported', payload: {}, delivered: false },
    ]);
    expect(
      await idsIn(
        'notifications',
        'id',
        notifications.map((row) => row.id),
      ),
    ).toEqual([readRecently, unreadRecent].sort((a, b) => Number(a) - Number(b)));
    expect(await idsIn('email_deliveries', 'key', [`old-${suffix}`, `recent-${suffix}`])).toEqual([
      `recent-${suffix}`,
    ]);

    // A second run finds nothing more to do.
    await runOnce();
    expect(await idsIn('email_deliveries', 'key', [`recent-${suffix}`])).toHaveLength(1);
    expect(
      await idsIn(
        'notifications',
        'id',
        notifications.map((row) => row.id),
      ),
    ).toHaveLength(2);
  });
});
