// Load shedding: a process given more than it can serve answers the excess at once with 503 and
// Retry-After (the error handler's table), before its latency collapses for every request.
// Two signals, checked as each request arrives, before any other work is done for it:
//   - event-loop delay, sampled by @fastify/under-pressure: the process's CPU is saturated;
//   - queries waiting for one of the pool's Postgres connections: the database side is.
// A 503 also makes the load balancer skip this replica for fail_timeout and retry idempotent
// requests elsewhere (docs/load-balancing.md). Health checks are always answered.
import underPressure from '@fastify/under-pressure';
import type { ConnectionPoolLoad } from '@headroom/db/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, type Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: answered even while the process sheds load (liveness and readiness). */
    sheddable?: boolean;
  }
}

/** This process refused a request to protect the ones it is serving; the error handler's 503. */
export class OverloadedError extends Error {
  /** The two checked at arrival, or password hashes queued (modules/users/passwords.ts). */
  readonly signal: 'eventLoopDelay' | 'poolWaiters' | 'passwordHashes';

  constructor(signal: OverloadedError['signal']) {
    super(`overloaded: ${signal}`);
    this.name = 'OverloadedError';
    this.signal = signal;
  }
}

export interface LoadSheddingSettings {
  /** Mean event-loop delay (ms) over a sample above which requests are refused; 0: never. */
  maxEventLoopDelayMs: number;
  /** How often the delay is sampled (ms): the longest an overload goes unnoticed. */
  sampleIntervalMs: number;
  /** Queries waiting for a pooled connection above which requests are refused; 0: never. */
  maxPoolWaiters: number;
}

export const loadSheddingPlugin = fp(
  async (
    app: FastifyInstance,
    options: LoadSheddingSettings & { pool?: ConnectionPoolLoad; registry: Registry },
  ) => {
    const shedRequests = new Counter({
      name: 'http_requests_shed_total',
      help: 'Requests answered 503 at arrival because the process was overloaded, by signal',
      labelNames: ['signal'],
      registers: [options.registry],
    });
    const shed = (request: FastifyRequest, signal: OverloadedError['signal']) => {
      if (request.routeOptions.config.sheddable === false) return;
      shedRequests.inc({ signal });
      throw new OverloadedError(signal);
    };

    if (options.maxEventLoopDelayMs > 0) {
      await app.register(underPressure, {
        maxEventLoopDelay: options.maxEventLoopDelayMs,
        sampleInterval: options.sampleIntervalMs,
        // Rejecting hands the error to the error handler: the 503 in the RealWorld shape.
        pressureHandler: async (request) => shed(request, 'eventLoopDelay'),
      });
    }
    // Refused later, by the work that would queue (password hashes): counted as it is answered.
    app.addHook('onError', async (_request, _reply, error) => {
      if (error instanceof OverloadedError && error.signal === 'passwordHashes') {
        shedRequests.inc({ signal: error.signal });
      }
    });
    const { pool } = options;
    if (options.maxPoolWaiters > 0 && pool) {
      app.addHook('onRequest', async (request) => {
        if (pool.waitingCount > options.maxPoolWaiters) shed(request, 'poolWaiters');
      });
    }
  },
  { name: 'load-shedding' },
);
