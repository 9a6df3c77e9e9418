// The load balancer (infra/nginx/lb.conf.template, started by nginx.sh as the stack starts it)
// and replicas that shed load: nginx open source cannot probe /api/readyz, so a replica leaves
// the rotation through the passive checks instead. Its 503 (shedding, or Postgres away) makes
// the load balancer retry an idempotent request on another replica and skip it for
// fail_timeout; with every replica skipped, the load balancer answers 503 in the API's error
// shape with Retry-After, never its own 502; and once fail_timeout has passed they are back.
// Stand-in replicas, so the test decides exactly when each one sheds.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot } from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** As LB_API_SERVERS sets it natively and in compose. */
const LB_FAIL_TIMEOUT_SECONDS = 2;
const SHED_BODY = { errors: { server: ['temporarily unavailable, retry later'] } };

interface StandInReplica {
  port: number;
  shedding: boolean;
  requests: number;
  server: Server;
}

let work: string;
let lbPort: number;
let replicas: StandInReplica[];

function nginx(command: 'up' | 'down') {
  execFileSync('bash', ['infra/native/nginx.sh', command, 'lb', work], {
    cwd: repoRoot,
    env: {
      ...process.env,
      LB_LISTEN: `127.0.0.1:${lbPort}`,
      LB_API_SERVERS: replicas
        .map(
          ({ port }) =>
            `server 127.0.0.1:${port} max_fails=1 fail_timeout=${LB_FAIL_TIMEOUT_SECONDS}s;`,
        )
        .join('\n    '),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Answers 200, or, while shedding, what the API's error handler answers for overload. */
async function startStandInReplica(): Promise<StandInReplica> {
  const replica: StandInReplica = {
    port: await freePort(),
    shedding: false,
    requests: 0,
    server: createServer((_request, response) => {
      replica.requests++;
      if (replica.shedding) {
        response
          .writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
          .end(JSON.stringify(SHED_BODY));
      } else {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"tags":[]}');
      }
    }),
  };
  await new Promise<void>((resolve) => replica.server.listen(replica.port, '127.0.0.1', resolve));
  return replica;
}

async function get(path = '/api/tags') {
  const response = await fetch(`http://127.0.0.1:${lbPort}${path}`);
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    servedBy: response.headers.get('x-served-by'),
    body: await response.json(),
  };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'headroom-lb-shedding-'));
  lbPort = await freePort();
  replicas = [await startStandInReplica(), await startStandInReplica()];
  nginx('up');
});

afterAll(async () => {
  nginx('down');
  await Promise.all(
    replicas.map((replica) => new Promise((resolve) => replica.server.close(resolve))),
  );
  await rm(work, { recursive: true, force: true });
});

describe('the load balancer in front of replicas that shed load', () => {
  it('when one replica sheds, then a read is retried on the other and the shedding one is skipped for fail_timeout', async () => {
    const [shedding, healthy] = replicas as [StandInReplica, StandInReplica];
    shedding.shedding = true;
    try {
      const answers = [];
      for (let index = 0; index < 10; index++) answers.push(await get());
      expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
      // At most the first request reached the shedding replica; then it was skipped.
      expect(shedding.requests).toBeLessThanOrEqual(1);
      expect(healthy.requests).toBeGreaterThanOrEqual(10);
    } finally {
      shedding.shedding = false;
    }
  });

  it('when every replica sheds, then the client gets 503 with Retry-After in the API error shape, never 502, and service returns after fail_timeout', async () => {
    // Past the previous test's skip window: both replicas are in the rotation again once the
    // one that shed is sent a request.
    const [skippedBefore] = replicas as [StandInReplica];
    const requestsBefore = skippedBefore.requests;
    await expect
      .poll(
        async () => {
          await get();
          return skippedBefore.requests;
        },
        { timeout: (LB_FAIL_TIMEOUT_SECONDS + 3) * 1_000 },
      )
      .toBeGreaterThan(requestsBefore);
    for (const replica of replicas) replica.shedding = true;
    const answers = [];
    for (let index = 0; index < 5; index++) answers.push(await get());
    for (const replica of replicas) replica.shedding = false;
    const sheddingEnded = Date.now();

    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).toBe('1');
      expect(answer.body).toEqual(SHED_BODY);
    }
    // The replicas' own 503 first; then, with both skipped, the load balancer's own (no
    // replica named), which nginx would have sent as a 502.
    expect(answers[0]?.servedBy).not.toBeNull();
    expect(answers.some((answer) => answer.servedBy === null)).toBe(true);
    await expect.poll(async () => (await get()).status, { timeout: 5_000 }).toBe(200);
    expect(Date.now() - sheddingEnded).toBeLessThan((LB_FAIL_TIMEOUT_SECONDS + 2) * 1_000);
  });
});
