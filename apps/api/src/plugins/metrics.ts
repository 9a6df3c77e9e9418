// Request metrics in Prometheus form: one histogram of request durations labelled by route
// pattern (never the raw URL, which would explode the label set), method and status code.
// The registry is served by main.ts on METRICS_PORT, away from the public port, as OpenMetrics,
// so each bucket carries an exemplar: the trace id of its latest request when tracing is on,
// its request id otherwise, and a slow request in a panel leads to its trace and its log lines.
import { trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Histogram, Registry } from 'prom-client';

/** Buckets span a cached read (~1 ms) to a request that is already failing its objective. */
const DURATION_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
/** OpenMetrics caps an exemplar's label names and values at 128 characters together. */
const EXEMPLAR_VALUE_MAX_CHARS = 100;

/** The exemplar for a request: its trace when one is recorded, else the id its log lines carry. */
function exemplarFor(requestId: string): Record<string, string> {
  const span = trace.getActiveSpan()?.spanContext();
  if (span && trace.isSpanContextValid(span)) return { trace_id: span.traceId };
  return { request_id: requestId.slice(0, EXEMPLAR_VALUE_MAX_CHARS) };
}

export const metricsPlugin = fp(
  async (app: FastifyInstance, options: { registry: Registry }) => {
    const withExemplars =
      (options.registry.contentType as string) === Registry.OPENMETRICS_CONTENT_TYPE;
    const requestDuration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Time from request received to response sent',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: DURATION_BUCKETS_SECONDS,
      registers: [options.registry],
      // prom-client refuses exemplars on a registry in Prometheus' text format (tests build
      // the app with one): only main.ts's OpenMetrics registry gets them.
      enableExemplars: withExemplars,
    });

    app.addHook('onResponse', async (request, reply) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      };
      const seconds = reply.elapsedTime / 1000;
      if (!withExemplars) {
        requestDuration.observe(labels, seconds);
        return;
      }
      requestDuration.observe({
        labels,
        value: seconds,
        // prom-client types exemplar labels as the metric's own label names; they are not.
        exemplarLabels: exemplarFor(String(request.id)) as never,
      });
    });
  },
  { name: 'metrics' },
);
