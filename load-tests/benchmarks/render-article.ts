// render-article jobs per second on one worker process, for several RENDER_ARTICLE_CONCURRENCY
// values, to choose its default (docs/background-jobs.md quotes the result). Each run enqueues
// N jobs for N articles of about 900 words of markdown (headings, lists, code, links) and
// times from the enqueue to the last job completed. Each concurrency is measured in several
// rounds, in alternating order, and the median is reported, so a burst of load from anything
// else on the machine skews one sample rather than one row.
//   npx tsx load-tests/benchmarks/render-article.ts [concurrencies=1,2,4,8] [jobs=1000] [rounds=3]
import { parsePositionalNumbers } from '../cli.ts';
import { median, summarizeLatencies } from '../stats.ts';
import { machineLine, openBenchStack, timeUntil } from './worker-bench-stack.ts';

const DEFAULTS = { concurrencies: '1,2,4,8', jobs: '1000', rounds: '3' };
const USAGE = `usage: npx tsx load-tests/benchmarks/render-article.ts [concurrencies=${DEFAULTS.concurrencies}] [jobs=${DEFAULTS.jobs}] [rounds=${DEFAULTS.rounds}]

  concurrencies  RENDER_ARTICLE_CONCURRENCY values to compare, comma-separated
  jobs           render-article jobs per measured run
  rounds         runs per concurrency, in alternating order (the table shows medians)`;

const [concurrencies, jobCount, rounds] = parsePositionalNumbers(USAGE, [
  { name: 'concurrencies', fallback: DEFAULTS.concurrencies, list: true, integer: true },
  { name: 'jobs', fallback: DEFAULTS.jobs, integer: true },
  { name: 'rounds', fallback: DEFAULTS.rounds, integer: true },
]);
const WARM_UP_JOBS = 200;

function markdownBody(seed: number): string {
  const paragraph = (n: number) =>
    Array.from(
      { length: 60 },
      (_, index) => `word${(seed * 31 + n * 7 + index) % 997}${index % 9 === 0 ? ',' : ''}`,
    ).join(' ');
  const sections = Array.from({ length: 3 }, (_, n) =>
    [
      `## Section ${n + 1} of article ${seed}`,
      paragraph(n),
      `Some **bold**, some _emphasis_, a [link](https://example.com/${seed}/${n}) and \`code\`.`,
      `- first point ${paragraph(n + 10).slice(0, 120)}\n- second point\n- third point`,
      '```ts\nconst answer = 42;\nconsole.log(answer);\n```',
      paragraph(n + 20),
      `> A quotation ${paragraph(n + 30).slice(0, 200)}`,
      paragraph(n + 40),
    ].join('\n\n'),
  );
  return `# Article ${seed}\n\n${sections.join('\n\n')}`;
}

const stack = await openBenchStack('render');
try {
  const { rows: authors } = await stack.sql.query<{ id: number }>(
    `INSERT INTO users (email, username, password_hash, updated_at)
     VALUES ('bench@example.com', 'bench', 'x', now()) RETURNING id`,
  );
  const bodies = Array.from({ length: jobCount }, (_, index) => markdownBody(index));
  const { rows: articles } = await stack.sql.query<{ id: number }>(
    `INSERT INTO articles (slug, title, description, body, author_id, updated_at)
     SELECT 'bench-' || n, 'Bench ' || n, 'd', body, $2, now()
       FROM unnest($1::text[]) WITH ORDINALITY AS t(body, n)
     RETURNING id`,
    [bodies, authors[0]!.id],
  );
  const articleIds = articles.map((row) => row.id);
  const words = bodies[0]!.split(/\s+/).length;

  console.log(`${machineLine()}`);
  console.log(
    `${jobCount} render-article jobs per run, articles of ~${words} words (${bodies[0]!.length} characters of markdown); one worker process, DATABASE_POOL_SIZE=10\n`,
  );
  console.log(
    `| RENDER_ARTICLE_CONCURRENCY | jobs/s (median of ${rounds}) | jobs/s (min-max) | job p50 ms (median) | job p99 ms (median) |`,
  );
  console.log('|---:|---:|---:|---:|---:|');

  const queue = stack.queues['render-article'];
  const samples = new Map<number, { jobsPerSecond: number; p50: number; p99: number }[]>();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? concurrencies : [...concurrencies].reverse();
    for (const concurrency of order) {
      await queue.obliterate({ force: true });
      const worker = await stack.startWorker({ RENDER_ARTICLE_CONCURRENCY: String(concurrency) });
      const run = async (ids: number[], label: string) => {
        const before = await queue.getCompletedCount();
        const since = Date.now();
        await queue.addBulk(
          ids.map((articleId) => ({
            name: 'render-article' as const,
            data: { articleId },
            opts: { jobId: `${label}-${articleId}` },
          })),
        );
        return timeUntil(async () => (await queue.getCompletedCount()) - before >= ids.length, {
          since,
        });
      };
      // JIT, connection pool and prepared statements warm before the measured run.
      await run(articleIds.slice(0, WARM_UP_JOBS), 'warm');
      const elapsedMs = await run(articleIds, 'run');
      await worker.stop();

      const durations = (await queue.getJobs(['completed'], 0, -1))
        .filter((job) => String(job.id).startsWith('run-'))
        .map((job) => (job.finishedOn ?? 0) - (job.processedOn ?? 0));
      const { p50, p99 } = summarizeLatencies(durations);
      const sample = { jobsPerSecond: (jobCount / elapsedMs) * 1000, p50, p99 };
      samples.set(concurrency, [...(samples.get(concurrency) ?? []), sample]);
    }
  }
  for (const concurrency of concurrencies) {
    const runs = samples.get(concurrency) ?? [];
    const jobsPerSecond = runs.map((run) => run.jobsPerSecond);
    console.log(
      `| ${concurrency} | ${Math.round(median(jobsPerSecond))} | ${Math.round(Math.min(...jobsPerSecond))}-${Math.round(Math.max(...jobsPerSecond))} | ${median(runs.map((run) => run.p50))} | ${median(runs.map((run) => run.p99))} |`,
    );
  }
} finally {
  await stack.close();
}
