// The outbox's promise: a write the API accepted keeps its follow-up work even when Redis is
// down. This file runs a Redis of its own so it can crash it (and lose everything in it)
// while an API process takes registrations and articles and a worker keeps trying to relay.
import { readdir } from 'node:fs/promises';
import { type DomainEvent, followUpJobs, jobNames } from '@headroom/jobs/contract';
import {
  type ApiProcess,
  startApiProcess,
  startWorkerProcess,
  type WorkerProcess,
} from '@headroom/testing/processes';
import { type PrivateRedis, startPrivateRedis } from '@headroom/testing/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConduitClient, conduitClient } from './support/conduit-http.ts';
import { scrapeMetrics } from './support/scrape-metrics.ts';
import { countRows } from './support/seed-sql.ts';
import { openTestQueues } from './support/test-queues.ts';
import { apiEnv, createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

let redis: PrivateRedis;
let stack: TestStack;
let api: ApiProcess;
let worker: WorkerProcess;
let conduit: ConduitClient;

beforeAll(async () => {
  redis = await startPrivateRedis();
  stack = await createTestStack('redisoutage', { redisUrl: redis.url });
  [api, worker] = await Promise.all([
    startApiProcess(apiEnv(stack)),
    startWorkerProcess(workerEnv(stack)),
  ]);
  conduit = conduitClient(api.baseUrl);
});
afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await stack?.close();
  await redis?.stop();
});

interface OutboxRow {
  id: string;
  type: DomainEvent['type'];
  payload: DomainEvent['payload'];
  delivered_at: Date | null;
}

describe('Redis down while the API takes writes', () => {
  it('when Redis crashes, then registrations and articles still succeed, their events wait in the outbox, and once Redis is back each is delivered and each job runs once', async () => {
    await redis.stop('SIGKILL');

    const users = [];
    for (let index = 0; index < 3; index++) users.push(await conduit.register('outage'));
    const articles = [];
    for (const user of users.slice(0, 2)) {
      articles.push(await conduit.publish(user, { body: '# During the outage\n\nStill *here*.' }));
    }
    expect((await conduit.call('GET', '/api/readyz')).status).toBe(503);

    // The API's writes; not the events the worker records itself (a schedule ran, a body was
    // rendered), which come and go with its jobs.
    const outbox = async () =>
      (
        await stack.sql.query<OutboxRow>(
          `SELECT id, type, payload, delivered_at FROM outbox_events
            WHERE type NOT IN ('tags.ranked', 'article.rendered') ORDER BY created_at`,
        )
      ).rows;
    const events = await outbox();
    expect(events.map((event) => event.type).sort()).toEqual([
      'article.published',
      'article.published',
      'user.registered',
      'user.registered',
      'user.registered',
    ]);
    // The relay has tried since the writes (it logs each failed round) and delivered nothing.
    const failedRounds = () =>
      worker
        .output()
        .split('\n')
        .filter((line) => line.includes('outbox relay round failed')).length;
    const failedBefore = failedRounds();
    await expect.poll(failedRounds, { timeout: 15_000 }).toBeGreaterThan(failedBefore);
    expect((await outbox()).every((event) => event.delivered_at === null)).toBe(true);
    // Meanwhile the worker is still up and its metrics show the backlog (the queue gauges,
    // read from Redis, are absent until Redis is back).
    const metrics = await scrapeMetrics(worker.metricsUrl);
    const pending = await countRows(stack.sql, 'outbox_events WHERE delivered_at IS NULL');
    expect(pending).toBeGreaterThanOrEqual(5);
    expect(metrics.get('outbox_pending_events')).toBe(pending);
    expect(metrics.get('outbox_lag_seconds')).toBeGreaterThan(0);
    expect([...metrics.keys()].filter((series) => series.startsWith('queue_jobs{'))).toEqual([]);

    await redis.start();

    await expect
      .poll(async () => (await outbox()).filter((event) => event.delivered_at === null).length, {
        timeout: 20_000,
      })
      .toBe(0);
    for (const article of articles) {
      await expect
        .poll(
          async () => (await conduit.call('GET', `/api/articles/${article.slug}`)).body.article,
          { timeout: 15_000 },
        )
        .toMatchObject({ bodyHtml: expect.stringContaining('<h1>During the outage</h1>') });
    }

    const { rows: registered } = await stack.sql.query<{ id: number }>(
      'SELECT id FROM users WHERE username = ANY($1) ORDER BY id',
      [users.map((user) => user.username)],
    );
    const welcomeFiles = registered.map((user) => `welcome-${user.id}.eml`).sort();
    await expect
      .poll(async () => (await readdir(stack.emailDir)).sort(), { timeout: 15_000 })
      .toEqual(welcomeFiles);
    const { rows: deliveries } = await stack.sql.query<{ key: string }>(
      'SELECT key FROM email_deliveries ORDER BY key',
    );
    expect(deliveries.map((row) => `${row.key}.eml`).sort()).toEqual(welcomeFiles);

    // Each event became its jobs once: one completed job per `<event id>.<job name>`, started
    // once, and nothing else in the queues (Redis came back empty, so all of it is new).
    const queues = openTestQueues(stack);
    try {
      const expectedIds = events.flatMap((event) =>
        followUpJobs({ type: event.type, payload: event.payload } as DomainEvent).map(
          (job) => `${event.id}.${job.name}`,
        ),
      );
      for (const name of jobNames) {
        if (name === 'recompute-trending-tags' || name === 'prune-old-rows') continue;
        const completed = await queues.completed(name);
        expect(completed.map((job) => job.id).sort(), name).toEqual(
          expectedIds.filter((id) => id.endsWith(`.${name}`)).sort(),
        );
        for (const job of completed) expect(job.attemptsStarted, `${job.id}`).toBe(1);
      }
      expect(await queues.deadLetters.list()).toEqual([]);
      // The schedules lived in Redis too: the worker registered them again when it reconnected.
      for (const name of ['recompute-trending-tags', 'prune-old-rows'] as const) {
        await expect
          .poll(async () => (await queues.queues[name].getJobSchedulers()).map((s) => s.key))
          .toEqual([name]);
      }
    } finally {
      await queues.close();
    }
  });
});
