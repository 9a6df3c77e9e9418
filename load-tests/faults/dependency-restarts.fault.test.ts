// Postgres, PgBouncer (killed), the queues' Redis and the cache's Redis each restarted while
// clients read and write through a real API process (and, for Postgres, PgBouncer): during the
// outage readiness says 503 and every request that needs the missing part gets 503 with
// Retry-After (never a 500, never a hang); within 5 s of the part being back, service is back,
// with the same API process. docs/reliability.md has the figures; `npm run test:faults` runs this file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, signUpWriters, startFaultStack } from './fault-stack.ts';
import {
  type Answer,
  ask,
  type RequestSpec,
  startRequestLoops,
  summarise,
} from './request-loops.ts';

/** Clients asking at once: enough to keep requests in flight at every moment of the outage. */
const CONCURRENCY = 6;
/** How long each part stays down. */
const OUTAGE_MS = 3_000;
/** The bound: service is back this soon after the part is. */
const RECOVERY_BOUND_MS = 5_000;

let stack: FaultStack;
let tokens: string[];
let slug: string;

beforeAll(async () => {
  stack = await startFaultStack();
  ({ tokens, slug } = await signUpWriters(stack.api.baseUrl, CONCURRENCY));
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** Each loop: an anonymous list, a signed-in article, and a comment (a write with its event). */
function mixedTraffic(loop: number, index: number): RequestSpec {
  const token = tokens[loop % tokens.length];
  switch (index % 3) {
    case 0:
      return { name: 'list', method: 'GET', path: '/api/articles?limit=10' };
    case 1:
      return { name: 'article', method: 'GET', path: `/api/articles/${slug}`, token };
    default:
      return {
        name: 'comment',
        method: 'POST',
        path: `/api/articles/${slug}/comments`,
        token,
        body: { comment: { body: `during the faults ${index}` } },
      };
  }
}

/**
 * Runs the traffic, takes a part down for OUTAGE_MS and brings it back, and keeps the traffic
 * going until RECOVERY_BOUND_MS past that; returns every answer, readiness during the outage,
 * when readiness was back, and the moments in between.
 */
async function restartUnderLoad(part: { stop: () => Promise<void>; start: () => Promise<void> }) {
  const readyz: RequestSpec = { name: 'readyz', method: 'GET', path: '/api/readyz' };
  const loops = startRequestLoops(stack.api.baseUrl, CONCURRENCY, mixedTraffic);
  await sleep(1_000);
  await part.stop();
  const downAt = Date.now();
  const readiness: Answer[] = [];
  while (Date.now() - downAt < OUTAGE_MS) {
    readiness.push(await ask(stack.api.baseUrl, readyz));
    await sleep(200);
  }
  await part.start();
  const backAt = Date.now();
  let readyAgainMs: number | undefined;
  while (Date.now() - backAt < RECOVERY_BOUND_MS + 2_000) {
    const answer = await ask(stack.api.baseUrl, readyz);
    if (answer.outcome === 'ok') {
      readyAgainMs ??= answer.at - backAt;
    } else {
      readyAgainMs = undefined;
    }
    await sleep(100);
  }
  const answers = await loops.stop();
  return { answers, readiness, readyAgainMs, downAt, backAt };
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The first moment after `backAt` from which every request of `name` succeeded. */
function recoveredAfter(answers: Answer[], name: string, backAt: number): number | undefined {
  const after = answers.filter((answer) => answer.name === name && answer.at >= backAt);
  const lastFailure = after.findLast((answer) => answer.outcome !== 'ok');
  const firstGood = after.find(
    (answer) => answer.outcome === 'ok' && answer.at > (lastFailure?.at ?? 0),
  );
  return firstGood && firstGood.at - backAt;
}

describe('dependencies restarted under load', () => {
  it('when Postgres restarts, then readiness and writes say 503 (never 500 or a hang) and service is back within 5 s, in the same process', async () => {
    const pid = stack.api.child.pid;
    const { answers, readiness, readyAgainMs, downAt, backAt } = await restartUnderLoad({
      stop: () => stack.postgres.stop('fast'),
      start: () => stack.postgres.start(),
    });
    const { counts, wrong } = summarise(answers);
    const recoveredMs = recoveredAfter(answers, 'comment', backAt);
    console.info('postgres restart', {
      counts,
      readyAgainMs,
      recoveredMs,
      slowestMs: Math.max(...answers.map((answer) => answer.answeredAt - answer.at)),
    });

    expect(wrong).toEqual([]);
    expect(readiness.some((answer) => answer.status === 503)).toBe(true);
    // Writes answered while Postgres was down were 503s. (PgBouncer may also hold a query
    // until Postgres is back, and then it succeeds: late, not failed.)
    const writesAnsweredDuring = answers.filter(
      (answer) =>
        answer.name === 'comment' && answer.answeredAt > downAt && answer.answeredAt < backAt,
    );
    expect(writesAnsweredDuring.filter((answer) => answer.outcome !== 'unavailable')).toEqual([]);
    expect(recoveredMs).toBeLessThan(RECOVERY_BOUND_MS);
    expect(readyAgainMs).toBeLessThan(RECOVERY_BOUND_MS);
    expect(stack.api.child.pid).toBe(pid);
    expect(stack.api.child.exitCode).toBeNull();
  }, 60_000);

  it('when PgBouncer is killed and started again, then readiness and every database request say 503 (never 500 or a hang) and service is back within 5 s, in the same process', async () => {
    const pid = stack.api.child.pid;
    const { answers, readiness, readyAgainMs, backAt } = await restartUnderLoad({
      stop: () => stack.pgbouncer.crash(),
      start: () => stack.pgbouncer.start(),
    });
    const { counts, wrong } = summarise(answers);
    const recoveredMs = recoveredAfter(answers, 'comment', backAt);
    console.info('pgbouncer killed and restarted', { counts, readyAgainMs, recoveredMs });

    expect(wrong).toEqual([]);
    expect(readiness.some((answer) => answer.status === 503)).toBe(true);
    expect(recoveredMs).toBeLessThan(RECOVERY_BOUND_MS);
    expect(readyAgainMs).toBeLessThan(RECOVERY_BOUND_MS);
    expect(stack.api.child.pid).toBe(pid);
    expect(stack.api.child.exitCode).toBeNull();
  }, 60_000);

  it("when the queues' Redis restarts, then readiness says 503, nothing answers 500 or hangs, and readiness is back within 5 s", async () => {
    const { answers, readiness, readyAgainMs, backAt } = await restartUnderLoad({
      stop: () => stack.queueRedis.stop(),
      start: () => stack.queueRedis.start(),
    });
    const { counts, wrong } = summarise(answers);
    console.info('queue redis restart', { counts, readyAgainMs });

    expect(wrong).toEqual([]);
    expect(readiness.some((answer) => answer.status === 503)).toBe(true);
    expect(readyAgainMs).toBeLessThan(RECOVERY_BOUND_MS);
    expect(recoveredAfter(answers, 'comment', backAt)).toBeLessThan(RECOVERY_BOUND_MS);
    expect(stack.api.child.exitCode).toBeNull();
  }, 60_000);

  it("when the cache's Redis restarts, then reads and writes keep succeeding from Postgres", async () => {
    const { answers } = await restartUnderLoad({
      stop: () => stack.cacheRedis.stop(),
      start: () => stack.cacheRedis.start(),
    });
    const { counts, wrong } = summarise(answers);
    console.info('cache redis restart', { counts });

    expect(wrong).toEqual([]);
    expect(counts.unavailable).toBe(0);
    expect(stack.api.child.exitCode).toBeNull();
  }, 60_000);
});
