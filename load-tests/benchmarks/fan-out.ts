// Fan-out time for an author with 50,000 followers, for several FAN_OUT_BATCH_SIZE values, to
// choose its default (docs/background-jobs.md quotes the result). Each run publishes a new
// article through the outbox (so the relay is part of the path) and times from the event's
// commit until every follower's notification is there. Each batch is one INSERT ... SELECT with its own
// now(), so the notifications' created_at values also give the time between batches: the
// longest gap is the most the fan-out ever stood still (one batch, or a job handing over to
// its continuation), and the batch size bounds how long any one statement holds its locks.
//   npx tsx load-tests/benchmarks/fan-out.ts [batchSizes=200,1000,5000] [followers=50000] [rounds=3]
import { parsePositionalNumbers } from '../cli.ts';
import { median } from '../stats.ts';
import { machineLine, openBenchStack, timeUntil } from './worker-bench-stack.ts';

const DEFAULTS = { batchSizes: '200,1000,5000', followers: '50000', rounds: '3' };
const USAGE = `usage: npx tsx load-tests/benchmarks/fan-out.ts [batchSizes=${DEFAULTS.batchSizes}] [followers=${DEFAULTS.followers}] [rounds=${DEFAULTS.rounds}]

  batchSizes  FAN_OUT_BATCH_SIZE values to compare, comma-separated
  followers   followers of the one author whose article is fanned out
  rounds      articles published per batch size (the table shows medians)`;

const [batchSizes, followers, rounds] = parsePositionalNumbers(USAGE, [
  { name: 'batchSizes', fallback: DEFAULTS.batchSizes, list: true, integer: true },
  { name: 'followers', fallback: DEFAULTS.followers, integer: true },
  { name: 'rounds', fallback: DEFAULTS.rounds, integer: true },
]);
const BATCHES_PER_JOB = 10;

const stack = await openBenchStack('fanout');
try {
  const { rows: authors } = await stack.sql.query<{ id: number }>(
    `INSERT INTO users (email, username, password_hash, updated_at)
     VALUES ('author@example.com', 'author', 'x', now()) RETURNING id`,
  );
  const authorId = authors[0]!.id;
  await stack.sql.query(
    `WITH readers AS (
       INSERT INTO users (email, username, password_hash, updated_at)
       SELECT 'reader' || n || '@example.com', 'reader' || n, 'x', now()
         FROM generate_series(1, $1::int) AS n
       RETURNING id)
     INSERT INTO follows (follower_id, following_id) SELECT id, $2 FROM readers`,
    [followers, authorId],
  );
  await stack.sql.query('VACUUM ANALYZE follows');

  console.log(machineLine());
  console.log(
    `One author with ${followers} followers; one worker process, FAN_OUT_BATCHES_PER_JOB=${BATCHES_PER_JOB}, FAN_OUT_BATCH_PAUSE_MS=0\n`,
  );
  console.log(
    `| FAN_OUT_BATCH_SIZE | batches | jobs | total s (median of ${rounds}) | notifications/s | event to first batch ms (median) | longest gap between batches ms (median) |`,
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|');

  for (const batchSize of batchSizes) {
    const worker = await stack.startWorker({
      FAN_OUT_BATCH_SIZE: String(batchSize),
      FAN_OUT_BATCHES_PER_JOB: String(BATCHES_PER_JOB),
    });
    const samples: { totalMs: number; firstMs: number; longestGapMs: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      const { rows: articles } = await stack.sql.query<{ id: number }>(
        `INSERT INTO articles (slug, title, description, body, author_id, updated_at)
         VALUES ('fan-out-' || $1 || '-' || $2, 't', 'd', 'b', $3, now()) RETURNING id`,
        [batchSize, round, authorId],
      );
      const articleId = articles[0]!.id;
      const since = Date.now();
      const { rows: events } = await stack.sql.query<{ created_at: Date }>(
        `INSERT INTO outbox_events (id, type, payload)
         VALUES (gen_random_uuid(), 'article.published', $1) RETURNING created_at`,
        [JSON.stringify({ articleId, authorId })],
      );
      const countNotified = async () =>
        (
          await stack.sql.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM notifications WHERE article_id = $1',
            [articleId],
          )
        ).rows[0]!.n;
      const totalMs = await timeUntil(async () => (await countNotified()) >= followers, {
        since,
        intervalMs: 50,
      });
      const { rows: batchStarts } = await stack.sql.query<{ at: Date }>(
        'SELECT DISTINCT created_at AS at FROM notifications WHERE article_id = $1 ORDER BY at',
        [articleId],
      );
      const starts = batchStarts.map((row) => row.at.getTime());
      samples.push({
        totalMs,
        firstMs: starts[0]! - events[0]!.created_at.getTime(),
        longestGapMs: Math.max(0, ...starts.slice(1).map((at, index) => at - starts[index]!)),
      });
    }
    await worker.stop();
    const totalMs = median(samples.map((sample) => sample.totalMs));
    const batches = Math.ceil(followers / batchSize);
    console.log(
      `| ${batchSize} | ${batches} | ${Math.ceil(batches / BATCHES_PER_JOB)} | ${(totalMs / 1000).toFixed(2)} | ${Math.round((followers / totalMs) * 1000)} | ${median(samples.map((sample) => sample.firstMs))} | ${median(samples.map((sample) => sample.longestGapMs))} |`,
    );
  }
} finally {
  await stack.close();
}
