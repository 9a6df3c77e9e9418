// Outbox delivery latency: from an event committed in Postgres to its job added to BullMQ, and
// to that job started by a worker. Events are inserted at a steady rate (each in its own
// transaction, as the API's writes are, and waking the relay as the API does: a NOTIFY after
// the commit, at most one per OUTBOX_NOTIFY_INTERVAL_MS), with the worker at its production settings, and
// each event's times are read back afterwards: commit time from the row (created_at, in an
// autocommit INSERT the transaction's start, a millisecond before its commit), added and
// started from the BullMQ job (timestamp, processedOn). Everything runs on one machine, so
// the clocks agree. docs/background-jobs.md quotes the result.
//   npx tsx load-tests/benchmarks/outbox-latency.ts [ratesPerSecond=20,200] [seconds=15]
import { createRelayWakeup, RELAY_NOTIFY_SQL } from '@headroom/jobs/relay-wakeup';
import { parsePositionalNumbers } from '../cli.ts';
import { summarizeLatencies } from '../stats.ts';
import { machineLine, openBenchStack, timeUntil } from './worker-bench-stack.ts';

const DEFAULTS = { rates: '20,200', seconds: '15' };
/** The API's default OUTBOX_NOTIFY_INTERVAL_MS (apps/api/src/config.ts). */
const NOTIFY_INTERVAL_MS = 50;
const USAGE = `usage: npx tsx load-tests/benchmarks/outbox-latency.ts [ratesPerSecond=${DEFAULTS.rates}] [seconds=${DEFAULTS.seconds}]

  ratesPerSecond  steady event rates to measure, comma-separated
  seconds         how long events are inserted at each rate`;

const [rates, seconds] = parsePositionalNumbers(USAGE, [
  { name: 'ratesPerSecond', fallback: DEFAULTS.rates, list: true },
  { name: 'seconds', fallback: DEFAULTS.seconds },
]);

const stack = await openBenchStack('outbox');
const relay = createRelayWakeup({
  notify: () => stack.sql.query(RELAY_NOTIFY_SQL),
  intervalMs: NOTIFY_INTERVAL_MS,
  onError: (error) => console.error(error),
});
try {
  const { rows: authors } = await stack.sql.query<{ id: number }>(
    `INSERT INTO users (email, username, password_hash, updated_at)
     VALUES ('author@example.com', 'author', 'x', now()) RETURNING id`,
  );
  const { rows: articles } = await stack.sql.query<{ id: number }>(
    `INSERT INTO articles (slug, title, description, body, author_id, updated_at)
     VALUES ('latency', 't', 'd', 'A short *body*.', $1, now()) RETURNING id`,
    [authors[0]!.id],
  );
  const articleId = articles[0]!.id;
  const worker = await stack.startWorker();

  console.log(machineLine());
  console.log(
    `article.updated events (one render-article job each) inserted at a steady rate for ${seconds} s; one worker process, default settings (NOTIFY at most every ${NOTIFY_INTERVAL_MS} ms, OUTBOX_POLL_INTERVAL_MS=1000, OUTBOX_BATCH_SIZE=200)\n`,
  );
  console.log(
    '| events/s | events | commit to job added p50 ms | p99 ms | max ms | commit to job started p50 ms | p99 ms | max ms |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');

  for (const rate of rates) {
    const total = rate * seconds;
    const ids: string[] = [];
    const startedAt = Date.now();
    const inserts: Promise<void>[] = [];
    for (let index = 0; index < total; index++) {
      // A steady schedule, not back-to-back: event i is due at startedAt + i / rate.
      const due = startedAt + (index * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      inserts.push(
        stack.sql
          .query<{ id: string }>(
            `INSERT INTO outbox_events (id, type, payload)
             VALUES (gen_random_uuid(), 'article.updated', $1) RETURNING id`,
            [JSON.stringify({ articleId })],
          )
          .then(({ rows }) => {
            ids.push(rows[0]!.id);
            relay.wake();
          }),
      );
    }
    await Promise.all(inserts);
    const queue = stack.queues['render-article'];
    // Done when every event is delivered and no job of theirs waits or runs.
    await timeUntil(
      async () => {
        const { rows: pending } = await stack.sql.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM outbox_events WHERE delivered_at IS NULL',
        );
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed');
        return pending[0]!.n === 0 && Object.values(counts).every((count) => count === 0);
      },
      { since: Date.now(), intervalMs: 100 },
    );

    const { rows } = await stack.sql.query<{ id: string; created_at: Date }>(
      'SELECT id, created_at FROM outbox_events WHERE id = ANY($1::uuid[])',
      [ids],
    );
    const added: number[] = [];
    const started: number[] = [];
    for (const row of rows) {
      const job = await queue.getJob(`${row.id}.render-article`);
      if (!job?.processedOn) throw new Error(`job for event ${row.id} never started`);
      added.push(job.timestamp - row.created_at.getTime());
      started.push(job.processedOn - row.created_at.getTime());
    }
    const toAdded = summarizeLatencies(added);
    const toStarted = summarizeLatencies(started);
    console.log(
      `| ${rate} | ${rows.length} | ${toAdded.p50} | ${toAdded.p99} | ${toAdded.max} | ${toStarted.p50} | ${toStarted.p99} | ${toStarted.max} |`,
    );
  }

  // The worker's own view, for comparison: its outbox_delivery_latency_seconds histogram.
  const metrics = await (await fetch(worker.metricsUrl)).text();
  const sum = Number(/^outbox_delivery_latency_seconds_sum (\S+)/m.exec(metrics)?.[1]);
  const count = Number(/^outbox_delivery_latency_seconds_count (\S+)/m.exec(metrics)?.[1]);
  console.log(
    `\nWorker metric outbox_delivery_latency_seconds over all runs: ${count} events, mean ${((sum / count) * 1000).toFixed(1)} ms`,
  );
} finally {
  relay.close();
  await stack.close();
}
