// Liveness and readiness, the two questions an orchestrator or load balancer asks:
//   GET /api/healthz  is the process alive? (never touches a dependency, so a slow database
//                     does not get healthy processes restarted)
//   GET /api/readyz   can it serve? Postgres and Redis both answer within a short deadline;
//                     503 otherwise, so the load balancer sends traffic elsewhere. Replicas
//                     are reported but never make it fail: without them reads go to the primary.
// Neither is ever refused for load (plugins/load-shedding.ts): a busy process is alive and able.
import type { PrismaClient } from '@headroom/db/client';
import type { ReadRouting } from '@headroom/db/read-routing';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { Type } from 'typebox';

/** A dependency slower than this is "down" for readiness purposes. */
const READINESS_CHECK_TIMEOUT_MS = 1_000;

const CheckStatus = Type.Union([Type.Literal('up'), Type.Literal('down')]);
const ReadinessResponse = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  checks: Type.Object({ postgres: CheckStatus, redis: CheckStatus }),
  /** Present when a replica is configured: whether each takes reads now, from its last poll. */
  replicas: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String(),
        takesReads: Type.Boolean(),
        lagMs: Type.Union([Type.Number(), Type.Null()]),
      }),
    ),
  ),
});

export async function healthPlugin(
  app: FastifyInstance,
  options: {
    db: Pick<PrismaClient, '$queryRaw'>;
    redis: Pick<Redis, 'ping'>;
    reads?: Pick<ReadRouting, 'replicas'>;
  },
) {
  app.get(
    '/healthz',
    {
      config: { httpCache: 'no-store', sheddable: false },
      schema: {
        tags: ['Operations'],
        summary: 'Liveness: the process is running',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { httpCache: 'no-store', sheddable: false },
      schema: {
        tags: ['Operations'],
        summary: 'Readiness: Postgres and Redis are reachable',
        response: { 200: ReadinessResponse, 503: ReadinessResponse },
      },
    },
    async (_request, reply) => {
      const [postgres, redis] = await Promise.all([
        probe(() => options.db.$queryRaw`SELECT 1`),
        probe(() => options.redis.ping()),
      ]);
      const ready = postgres === 'up' && redis === 'up';
      const replicas = (options.reads?.replicas() ?? []).map(({ name, healthy, lagMs }) => ({
        name,
        takesReads: healthy,
        lagMs,
      }));
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'unavailable',
        checks: { postgres, redis },
        ...(replicas.length > 0 && { replicas }),
      });
    },
  );
}

async function probe(check: () => Promise<unknown>): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), READINESS_CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), deadline]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}
