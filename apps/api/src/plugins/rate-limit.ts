// Rate limiting whose counters live in Redis, so a limit holds across every API instance
// behind the load balancer instead of multiplying by the number of replicas.
// Nothing is limited globally; a route opts in with `config: { rateLimit: {...} }` (login and
// registration do). If Redis is unreachable, requests pass rather than fail: an outage of the
// limiter must not become an outage of sign-in (readyz reports Redis down meanwhile).
import rateLimit from '@fastify/rate-limit';
import { TooManyRequestsError } from '@headroom/errors/http-errors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';

export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: { redis: Redis; keyPrefix: string }) => {
    await app.register(rateLimit, {
      global: false,
      // After the body is parsed (the login limit is keyed by the email in it), before it is
      // validated, so malformed attempts count too.
      hook: 'preValidation',
      redis: options.redis,
      nameSpace: options.keyPrefix,
      skipOnError: true,
      // Thrown after the plugin has set Retry-After (and the X-RateLimit-* headers) on the reply.
      errorResponseBuilder: () => new TooManyRequestsError(),
    });
  },
  { name: 'rate-limit' },
);
