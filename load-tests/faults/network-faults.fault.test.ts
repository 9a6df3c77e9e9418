// Latency, loss and a partition between the API and Postgres (through PgBouncer), and between
// the API and both Redis servers, while clients read and write: the API runs in a network
// namespace and reaches them across a veth pair that each test degrades for FAULT_MS and then
// heals (packages/testing/src/network-hop.ts says how, and why latency is a relay's). Clients get
// an answer within the API's request deadline, a 503 with Retry-After when the part is out of
// reach, never a 500 or a hang; and every article and comment written under the fault that was
// committed has its one outbox event, delivered by the worker once the fault is gone, its jobs
// completed once. Prints a PASS/FAIL line per fault with the figures (docs/reliability.md).
// `npm run test:faults` runs this file.
import { type DomainEvent, followUpJobs, type JobName } from '@headroom/jobs/contract';
import { closeQueues, createQueues, DEFAULT_QUEUE_PREFIX } from '@headroom/jobs/queues';
import type { NetworkFault } from '@headroom/testing/network-hop';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack } from './fault-stack.ts';
import { type Answer, type RequestSpec, startRequestLoops, summarise } from './request-loops.ts';

/** Clients asking at once, each with an account and an article of its own. */
const CONCURRENCY = 6;
/** Traffic before the fault, so connections are open and warm when it starts. */
const WARM_UP_MS = 1_000;
/** How long each fault lasts: longer than the request deadline, so that deadline is what answers. */
const FAULT_MS = 6_000;
/** Traffic after the fault is healed. */
const AFTER_MS = 5_000;
/** The API's request deadline (REQUEST_DEADLINE_MS, its default), set here so the bound is explicit. */
const REQUEST_DEADLINE_MS = 5_000;
/**
 * An answer may come this much after the deadline: the deadline cancels the queries, then the
 * error is answered, and a client on a loaded two-core machine reads it a little later.
 */
const DEADLINE_GRACE_MS = 1_000;
/** The bound: service is back this soon after the network is. */
const RECOVERY_BOUND_MS = 5_000;
/** How long the worker gets to relay the backlog after the fault. */
const DELIVERY_DEADLINE_MS = 30_000;

interface Case {
  name: string;
  part: 'postgres' | 'redis';
  fault: NetworkFault;
}

const CASES: Case[] = [
  { name: 'latency 200 ms each way to Postgres', part: 'postgres', fault: latency(200) },
  { name: 'loss 30% to Postgres', part: 'postgres', fault: { kind: 'loss', percent: 30 } },
  { name: 'partition from Postgres', part: 'postgres', fault: { kind: 'partition' } },
  { name: 'latency 200 ms each way to Redis', part: 'redis', fault: latency(200) },
  { name: 'loss 30% to Redis', part: 'redis', fault: { kind: 'loss', percent: 30 } },
  { name: 'partition from Redis', part: 'redis', fault: { kind: 'partition' } },
];

function latency(delayMs: number): NetworkFault {
  return { kind: 'latency', delayMs };
}

let stack: FaultStack;
let sql: pg.Client;
let users: { token: string; slug: string }[];

beforeAll(async () => {
  stack = await startFaultStack(
    { REQUEST_DEADLINE_MS: String(REQUEST_DEADLINE_MS) },
    { networkHop: true, worker: true },
  );
  sql = new pg.Client({ connectionString: stack.databaseUrl });
  await sql.connect();
  users = [];
  for (let index = 0; index < CONCURRENCY; index++) {
    const username = `net${index}${Date.now().toString(36)}`;
    const registered = await post('/api/users', undefined, {
      user: { username, email: `${username}@example.com`, password: 'password123' },
    });
    const token = (registered as { user: { token: string } }).user.token;
    const article = await post('/api/articles', token, {
      article: { title: `Network ${username}`, description: 'd', body: 'b', tagList: ['net'] },
    });
    users.push({ token, slug: (article as { article: { slug: string } }).article.slug });
  }
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await stack?.close();
});

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
 * Each loop: the anonymous list, its own article signed in, a new article, and a comment on
 * its own article (an author's own comment makes no email job, so every event's jobs are
 * certain and can be counted).
 */
function mixedTraffic(loop: number, index: number): RequestSpec {
  const user = users[loop % users.length] as { token: string; slug: string };
  switch (index % 4) {
    case 0:
      return { name: 'list', method: 'GET', path: '/api/articles?limit=10' };
    case 1:
      return {
        name: 'article',
        method: 'GET',
        path: `/api/articles/${user.slug}`,
        token: user.token,
      };
    case 2:
      return {
        name: 'publish',
        method: 'POST',
        path: '/api/articles',
        token: user.token,
        body: {
          article: {
            title: `Under a fault ${loop}.${index}.${Date.now()}`,
            description: 'd',
            body: '# b',
          },
        },
      };
    default:
      return {
        name: 'comment',
        method: 'POST',
        path: `/api/articles/${user.slug}/comments`,
        token: user.token,
        body: { comment: { body: `under a fault ${index}` } },
      };
  }
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The first moment after `healedAt` from which every request succeeded. */
function recoveredAfter(answers: Answer[], healedAt: number): number | undefined {
  const after = answers.filter((answer) => answer.at >= healedAt);
  const lastFailure = after.findLast((answer) => answer.outcome !== 'ok');
  const firstGood = after.find(
    (answer) => answer.outcome === 'ok' && answer.at > (lastFailure?.at ?? 0),
  );
  return firstGood && firstGood.at - healedAt;
}

interface OutboxRow {
  id: string;
  type: DomainEvent['type'];
  payload: DomainEvent['payload'];
  delivered_at: Date | null;
}

/**
 * The articles and comments committed since `since`, with their outbox events: each row must
 * have exactly one, and no event may lack its row.
 */
async function writesSince(since: Date) {
  const rows = await sql.query<{ kind: string; id: number; events: string[] }>(
    `SELECT 'article' AS kind, a.id, array_remove(array_agg(e.id::text), NULL) AS events
       FROM articles a
       LEFT JOIN outbox_events e
         ON e.type = 'article.published' AND (e.payload->>'articleId')::int = a.id
      WHERE a.created_at >= $1 GROUP BY a.id
     UNION ALL
     SELECT 'comment', c.id, array_remove(array_agg(e.id::text), NULL)
       FROM comments c
       LEFT JOIN outbox_events e
         ON e.type = 'comment.created' AND (e.payload->>'commentId')::int = c.id
      WHERE c.created_at >= $1 GROUP BY c.id`,
    [since],
  );
  const events = await sql.query<OutboxRow>(
    `SELECT id, type, payload, delivered_at FROM outbox_events
      WHERE type IN ('article.published', 'comment.created') AND created_at >= $1`,
    [since],
  );
  return { rows: rows.rows, events: events.rows };
}

/** Every completed job of the queues the events' jobs go to, by id. */
async function completedJobs(names: JobName[]): Promise<Map<string, Job>> {
  const connection = new Redis(stack.queueRedis.url, { maxRetriesPerRequest: null });
  // The worker's prefix (the fault stack sets none); the retry policy is unused: nothing is added.
  const queues = createQueues({
    connection,
    prefix: DEFAULT_QUEUE_PREFIX,
    retry: { attempts: 1, backoffMs: 1_000 },
  });
  try {
    const jobs = new Map<string, Job>();
    for (const name of names) {
      const queue = queues[name] as unknown as {
        getJobs: (types: string[], start: number, end: number) => Promise<Job[]>;
      };
      for (const job of await queue.getJobs(['completed'], 0, -1)) {
        if (job.id) jobs.set(job.id, job);
      }
    }
    return jobs;
  } finally {
    await closeQueues(queues);
    connection.disconnect();
  }
}

describe('network faults between the API and its dependencies', () => {
  it.each(CASES)(
    'when $name, then clients get answers within the deadline (503, never 500 or a hang), service is back within 5 s, and every committed write is relayed exactly once',
    async ({ name, part, fault }) => {
      const hop = stack.hop;
      if (!hop) throw new Error('the fault stack was started without its network hop');
      const since = new Date();
      const loops = startRequestLoops(stack.api.baseUrl, CONCURRENCY, mixedTraffic);
      await sleep(WARM_UP_MS);
      await hop.network.degrade(part === 'postgres' ? hop.postgresPorts : hop.redisPorts, fault);
      const faultAt = Date.now();
      await sleep(FAULT_MS);
      await hop.network.heal();
      const healedAt = Date.now();
      await sleep(AFTER_MS);
      const answers = await loops.stop();

      const { counts, wrong } = summarise(answers);
      const during = answers.filter((answer) => answer.at >= faultAt && answer.at < healedAt);
      const unavailableShare =
        during.filter((answer) => answer.outcome === 'unavailable').length /
        Math.max(1, during.length);
      const slowest = answers.reduce((worst, answer) =>
        answer.answeredAt - answer.at > worst.answeredAt - worst.at ? answer : worst,
      );
      const slowestMs = slowest.answeredAt - slowest.at;
      const recoveredMs = recoveredAfter(answers, healedAt);

      // Nothing lost or doubled: once the worker has relayed the backlog, every committed
      // write has one event, delivered, and each of its jobs completed once.
      await expect
        .poll(
          async () =>
            (await writesSince(since)).events.filter((event) => event.delivered_at === null).length,
          { timeout: DELIVERY_DEADLINE_MS, interval: 250 },
        )
        .toBe(0);
      const { rows, events } = await writesSince(since);
      const expectedJobs = events.flatMap((event) =>
        followUpJobs({ type: event.type, payload: event.payload } as DomainEvent).map((job) => ({
          id: `${event.id}.${job.name}`,
          name: job.name,
        })),
      );
      const names = [...new Set(expectedJobs.map((job) => job.name))];
      let completed = new Map<string, Job>();
      await expect
        .poll(
          async () => {
            completed = await completedJobs(names);
            return expectedJobs.filter((job) => !completed.has(job.id)).length;
          },
          { timeout: DELIVERY_DEADLINE_MS, interval: 250 },
        )
        .toBe(0);
      const okWrites = answers.filter(
        (answer) =>
          (answer.name === 'publish' || answer.name === 'comment') && answer.outcome === 'ok',
      ).length;
      const rowsWithOneEvent = rows.filter((row) => row.events.length === 1).length;
      const delivered = events.filter((event) => event.delivered_at !== null).length;
      const figures = {
        requests: answers.length,
        counts,
        unavailableShareDuringFault: Number((unavailableShare * 100).toFixed(1)),
        slowestMs,
        recoveredMs,
        writesAnswered2xx: okWrites,
        rowsCommitted: rows.length,
        outboxEvents: events.length,
        delivered,
        jobsCompleted: `${expectedJobs.filter((job) => completed.has(job.id)).length}/${expectedJobs.length}`,
      };
      const passed =
        wrong.length === 0 &&
        slowestMs <= REQUEST_DEADLINE_MS + DEADLINE_GRACE_MS &&
        recoveredMs !== undefined &&
        recoveredMs < RECOVERY_BOUND_MS &&
        rows.length >= okWrites &&
        rowsWithOneEvent === rows.length &&
        events.length === rows.length &&
        delivered === events.length;
      console.info(
        `${passed ? 'PASS' : 'FAIL'} network fault: ${name}: 503 share during the fault ${figures.unavailableShareDuringFault}% (${counts.unavailable} of ${answers.length} requests in all), slowest answer ${slowestMs} ms (${slowest.name}, ${slowest.status ?? slowest.outcome}; bound ${REQUEST_DEADLINE_MS + DEADLINE_GRACE_MS}), service back ${recoveredMs ?? 'never'} ms after the heal; writes answered 2xx ${okWrites}, rows committed ${rows.length}, outbox events ${events.length}, delivered ${delivered}, jobs completed ${figures.jobsCompleted}`,
      );

      expect(wrong).toEqual([]);
      expect(slowestMs).toBeLessThanOrEqual(REQUEST_DEADLINE_MS + DEADLINE_GRACE_MS);
      expect(recoveredMs).toBeLessThan(RECOVERY_BOUND_MS);
      // Nothing lost: every write a client was told succeeded is a row (rows may be more: a
      // commit whose answer the fault cut off). Nothing doubled: one event per row.
      expect(rows.length).toBeGreaterThanOrEqual(okWrites);
      expect(rows.filter((row) => row.events.length !== 1)).toEqual([]);
      expect(events.length).toBe(rows.length);
      expect(delivered).toBe(events.length);
      for (const job of expectedJobs) {
        expect(completed.get(job.id)?.attemptsStarted, job.id).toBeGreaterThanOrEqual(1);
      }
      expect(stack.api.child.exitCode).toBeNull();
    },
    120_000,
  );
});
