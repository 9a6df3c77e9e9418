// Request metrics in Prometheus form: one histogram of request durations labelled by route
// pattern (never the raw URL, which would explode the label set), method and status code.
// The registry is served by main.ts on METRICS_PORT, away from the public port.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Histogram, type Registry } from 'prom-client';

/** Buckets span a cached read (~1 ms) to a request that is already failing its objective. */
const DURATION_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

export const metricsPlugin = fp(
  async (app: FastifyInstance, options: { registry: Registry }) => {
    const requestDuration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Time from request received to response sent',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: DURATION_BUCKETS_SECONDS,
      registers: [options.registry],
    });

    app.addHook('onResponse', async (request, reply) => {
      requestDuration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });
  },
  { name: 'metrics' },
);
