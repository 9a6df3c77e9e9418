// The queues' Redis fails over under write load: a primary, its replica and three Sentinels
// (packages/testing/src/redis-sentinel.ts), a real API process and a real worker connected
// through the Sentinels. Writers register, publish and comment without pause; the primary is
// killed (SIGKILL); Sentinel promotes the replica, and the same processes carry on against it.
// Then every event the API recorded has become its jobs exactly once: none lost with the old
// primary, none run twice. It prints one pass/fail line with the write outage (the time from
// the kill to the last write answered 503), which docs/high-availability.md quotes.
// `npm run test:faults` runs it; on its own:
//   npx vitest run --config vitest.faults.config.ts load-tests/faults/redis-failover.fault.test.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DomainEvent, followUpJobs, type JobName, jobNames } from '@headroom/jobs/contract';
import { createQueueRedisConnection, queueRedisTarget } from '@headroom/jobs/queue-redis';
import { closeQueues, createQueues, DEAD_LETTER_QUEUE } from '@headroom/jobs/queues';
import { startWorkerProcess, type WorkerProcess } from '@headroom/testing/processes';
import {
  type PrivateSentinelRedis,
  startPrivateSentinelRedis,
} from '@headroom/testing/redis-sentinel';
import { type Job, Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack } from './fault-stack.ts';
import { type Answer, type RequestSpec, startRequestLoops, summarise } from './request-loops.ts';

/** Writers at once: a write in flight at every moment of the failover. */
const WRITERS = 4;
/** Writes before the kill, so the relay and the workers are busy when it comes. */
const WARM_UP_MS = 2_000;
/** Writes go on this long after the last one that failed, to show service stays back. */
const STEADY_AFTER_MS = 3_000;
/**
 * The outage the test accepts: Sentinel's down-after (2 s, infra/redis-sentinel/sentinel.conf),
 * the vote and promotion, and a client's reconnection, with room for a slow CI machine.
 */
const OUTAGE_BOUND_MS = 10_000;
/** How long the delivered events' jobs get to complete after the writes stop. */
const JOBS_DEADLINE_MS = 30_000;
const QUEUE_PREFIX = 'failover';
/** Jobs the worker's schedules add by themselves, not from the writers' events. */
const SCHEDULED: JobName[] = ['recompute-trending-tags', 'prune-old-rows'];

let redis: PrivateSentinelRedis;
let stack: FaultStack;
let worker: WorkerProcess;
let sql: pg.Pool;
let emailDir: string;
let writers: { token: string; slug: string }[];

beforeAll(async () => {
  redis = await startPrivateSentinelRedis();
  // REDIS_URL '' is unset to the API: it connects through the Sentinels only.
  stack = await startFaultStack({ REDIS_URL: '', ...redis.env });
  const direct = new URL(stack.postgres.url);
  direct.pathname = '/headroom';
  sql = new pg.Pool({ connectionString: direct.href, max: 2 });
  emailDir = await mkdtemp(join(tmpdir(), 'headroom-failover-mail-'));
  worker = await startWorkerProcess({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: stack.pgbouncer.url,
    DATABASE_DIRECT_URL: direct.href,
    ...redis.env,
    CACHE_REDIS_URL: stack.cacheRedis.url,
    CACHE_KEY_PREFIX: 'faults:cache:',
    QUEUE_PREFIX,
    EMAIL_FILE_DIR: emailDir,
    JOB_BACKOFF_MS: '50',
    OUTBOX_POLL_INTERVAL_MS: '100',
  });
  writers = [];
  for (let index = 0; index < WRITERS; index++) {
    const user = await post('/api/users', undefined, { user: newUser(`writer${index}`) });
    const token = (user as { user: { token: string } }).user.token;
    const article = await post('/api/articles', token, { article: newArticle('first') });
    writers.push({ token, slug: (article as { article: { slug: string } }).article.slug });
  }
}, 120_000);

afterAll(async () => {
  await worker?.stop('SIGKILL');
  await sql?.end();
  await stack?.close();
  await redis?.stop();
  if (emailDir) await rm(emailDir, { recursive: true, force: true });
});

let sequence = 0;
function newUser(prefix: string) {
  const username = `${prefix}${Date.now().toString(36)}${sequence++}`;
  return { username, email: `${username}@example.com`, password: 'password123' };
}

function newArticle(title: string) {
  return { title: `${title} ${Date.now()} ${sequence++}`, description: 'd', body: '# Failover' };
}

async function post(path: string, token: string | undefined, body: unknown): Promise<unknown> {
  const response = await fetch(`${stack.api.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Token ${token}` }),
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * Each writer in turn: a registration (a welcome email job), an article (render and fan-out
 * jobs) and a comment on its own article (no job), whose rate limits fail open while Redis is
 * away (their events wait in the outbox); and a profile update, whose limit fails closed
 * (plugins/rate-limit.ts): it answers 503 until the API reaches the new primary.
 */
function writes(loop: number, index: number): RequestSpec {
  const writer = writers[loop]!;
  switch (index % 4) {
    case 0:
      return { name: 'register', method: 'POST', path: '/api/users', body: { user: newUser('w') } };
    case 1:
      return {
        name: 'article',
        method: 'POST',
        path: '/api/articles',
        token: writer.token,
        body: { article: newArticle('during the failover') },
      };
    case 2:
      return {
        name: 'comment',
        method: 'POST',
        path: `/api/articles/${writer.slug}/comments`,
        token: writer.token,
        body: { comment: { body: 'still writing' } },
      };
    default:
      return {
        name: 'profile',
        method: 'PUT',
        path: '/api/user',
        token: writer.token,
        body: { user: { bio: `updated at ${Date.now()}` } },
      };
  }
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it holds or `timeoutMs` passes; says which. */
async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
  return true;
}

/** The write outage: from the kill to the answer of the last write that did not succeed. */
function outageAfter(answers: Answer[], killedAt: number): number {
  const lastFailure = answers.findLast((answer) => answer.outcome !== 'ok');
  return lastFailure ? Math.max(0, lastFailure.answeredAt - killedAt) : 0;
}

interface OutboxRow {
  id: string;
  type: DomainEvent['type'];
  payload: DomainEvent['payload'];
}

describe("the queues' Redis fails over", () => {
  it('when the primary is killed under write load, then Sentinel promotes the replica, the same API and worker carry on, and every event becomes its jobs once', async () => {
    const [oldPrimary, replica] = redis.servers;
    const apiPid = stack.api.child.pid;
    const workerPid = worker.child.pid;
    expect(await redis.primaryPort()).toBe(oldPrimary.port);

    const loops = startRequestLoops(stack.api.baseUrl, WRITERS, writes);
    await sleep(WARM_UP_MS);
    const killedAt = Date.now();
    await oldPrimary.stop('SIGKILL');
    await expect
      .poll(() => redis.primaryPort(), { timeout: OUTAGE_BOUND_MS, interval: 100 })
      .toBe(replica.port);
    const promotedMs = Date.now() - killedAt;
    // Until the writes have succeeded for STEADY_AFTER_MS, or the bound has passed.
    while (Date.now() - killedAt < OUTAGE_BOUND_MS + STEADY_AFTER_MS) {
      const lastFailure = loops.answers.findLast((answer) => answer.outcome !== 'ok');
      if (Date.now() - (lastFailure?.answeredAt ?? killedAt) > STEADY_AFTER_MS) break;
      await sleep(200);
    }
    const answers = await loops.stop();
    const during = answers.filter((answer) => answer.answeredAt >= killedAt);
    const outageMs = outageAfter(during, killedAt);
    const { counts, wrong } = summarise(answers);
    const failedWrites = (name: string) =>
      during.filter((answer) => answer.name === name && answer.outcome !== 'ok').length;

    // The old primary comes back as a replica of the new one (Sentinel reconfigures it).
    await oldPrimary.start();
    await expect
      .poll(() => redis.role(oldPrimary.port), { timeout: 15_000, interval: 200 })
      .toBe('slave');

    // Every event the API recorded is delivered, and its jobs complete, on the new primary.
    const { rows: events } = await sql.query<OutboxRow>(
      `SELECT id, type, payload FROM outbox_events
        WHERE type NOT IN ('tags.ranked', 'article.rendered') ORDER BY created_at`,
    );
    await expect
      .poll(
        async () =>
          Number(
            (await sql.query('SELECT count(*) FROM outbox_events WHERE delivered_at IS NULL'))
              .rows[0].count,
          ),
        { timeout: 30_000 },
      )
      .toBe(0);
    const expected = new Map<JobName, string[]>(jobNames.map((name) => [name, []]));
    for (const event of events) {
      for (const job of followUpJobs({ type: event.type, payload: event.payload } as DomainEvent)) {
        expected.get(job.name)?.push(`${event.id}.${job.name}`);
      }
    }
    const connection = createQueueRedisConnection(queueRedisTarget(redis.env), {
      maxRetriesPerRequest: null,
    });
    const queues = createQueues({
      connection,
      prefix: QUEUE_PREFIX,
      retry: { attempts: 1, backoffMs: 50 },
    });
    const deadLetters = new Queue(DEAD_LETTER_QUEUE, { connection, prefix: QUEUE_PREFIX });
    const completed = (name: JobName) =>
      (queues[name] as unknown as { getJobs: (types: string[]) => Promise<Job[]> }).getJobs([
        'completed',
      ]);
    const lost: string[] = [];
    const unexpected: string[] = [];
    let reruns = 0;
    try {
      for (const name of jobNames.filter((name) => !SCHEDULED.includes(name))) {
        const want = expected.get(name) ?? [];
        const missing = async () => {
          const ids = new Set((await completed(name)).map((job) => job.id));
          return want.filter((id) => !ids.has(id));
        };
        await waitUntil(async () => (await missing()).length === 0, JOBS_DEADLINE_MS);
        const jobs = await completed(name);
        lost.push(...(await missing()));
        unexpected.push(...jobs.map((job) => job.id ?? '').filter((id) => !want.includes(id)));
        // A job whose worker lost Redis mid-run is run again (handlers are idempotent).
        reruns += jobs.filter((job) => job.attemptsStarted > 1).length;
      }
      expect(await deadLetters.getJobCounts('wait', 'completed', 'failed')).toEqual({
        wait: 0,
        completed: 0,
        failed: 0,
      });
    } finally {
      await Promise.all([closeQueues(queues), deadLetters.close()]);
      connection.disconnect();
    }
    // Each welcome email sent once: one delivery record per send-email job.
    const deliveries = Number(
      (await sql.query('SELECT count(*) FROM email_deliveries')).rows[0].count,
    );
    // The longest an event waited in the outbox for Redis: the failover's delay to its jobs.
    const longestWaitMs = Number(
      (
        await sql.query(
          `SELECT coalesce(max(extract(epoch FROM delivered_at - created_at)), 0) * 1000 AS ms
             FROM outbox_events WHERE type NOT IN ('tags.ranked', 'article.rendered')`,
        )
      ).rows[0].ms,
    );

    const passed =
      wrong.length === 0 &&
      outageMs < OUTAGE_BOUND_MS &&
      lost.length === 0 &&
      unexpected.length === 0 &&
      stack.api.child.pid === apiPid &&
      worker.child.pid === workerPid;
    console.info(
      `redis failover: ${passed ? 'PASS' : 'FAIL'} write outage ${(outageMs / 1000).toFixed(1)} s ` +
        `(bound ${OUTAGE_BOUND_MS / 1000} s; promoted after ${(promotedMs / 1000).toFixed(1)} s), ` +
        `${counts.unavailable} writes answered 503 of ${answers.length} (profile ${failedWrites('profile')}, ` +
        `comment ${failedWrites('comment')}, article ${failedWrites('article')}, register ${failedWrites('register')}), ` +
        `${events.length} events waited at most ${(longestWaitMs / 1000).toFixed(1)} s in the outbox: ` +
        `${lost.length} lost, ${unexpected.length} unexpected (${reruns} jobs run again), ` +
        `same API and worker processes: ${stack.api.child.pid === apiPid && worker.child.pid === workerPid}`,
    );

    expect(wrong).toEqual([]);
    expect(outageMs).toBeLessThan(OUTAGE_BOUND_MS);
    expect(lost).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(deliveries).toBe(expected.get('send-email')?.length);
    expect(stack.api.child.pid).toBe(apiPid);
    expect(stack.api.child.exitCode).toBeNull();
    expect(worker.child.pid).toBe(workerPid);
    expect(worker.child.exitCode).toBeNull();
  }, 180_000);
});
