// One request through a real API process, exported over OTLP to a collector stand-in:
// the trace holds spans from HTTP, Fastify, Prisma, pg and ioredis, all under one trace id.
import { apiTestEnv } from '@headroom/testing/api-env';
import { type OtlpCollector, otlpEnv, startOtlpCollector } from '@headroom/testing/otlp-collector';
import { startApiProcess } from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from './support/conduit-client.ts';

let collector: OtlpCollector;
beforeAll(async () => {
  collector = await startOtlpCollector();
});
afterAll(() => collector.close());

describe('OpenTelemetry', () => {
  it('when OTEL_* variables are set, then a request yields one trace across http, fastify, prisma, pg and ioredis', async () => {
    const api = await startApiProcess(apiTestEnv(otlpEnv(collector, 'headroom-api-test')));
    try {
      // Login touches Redis (the rate limiter) and Postgres (the user lookup).
      const response = await fetch(`${api.baseUrl}/api/users/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          user: { email: `${uniqueName('t')}@example.com`, password: 'password123' },
        }),
      });
      expect(response.status).toBe(401);

      await expect
        .poll(
          () => {
            const root = collector.spans.find(
              (span) =>
                span.scope === '@opentelemetry/instrumentation-http' &&
                span.name.startsWith('POST'),
            );
            if (!root) return [];
            return [
              ...new Set(
                collector.spans
                  .filter((span) => span.traceId === root.traceId)
                  .map((span) => span.scope),
              ),
            ].sort();
          },
          { timeout: 10_000 },
        )
        .toEqual(
          expect.arrayContaining([
            '@fastify/otel',
            '@opentelemetry/instrumentation-http',
            '@opentelemetry/instrumentation-ioredis',
            '@opentelemetry/instrumentation-pg',
            'prisma',
          ]),
        );
      // The latency histogram's bucket for that request names its trace (an exemplar).
      const traceId = collector.spans.find(
        (span) =>
          span.scope === '@opentelemetry/instrumentation-http' && span.name.startsWith('POST'),
      )?.traceId;
      const metrics = await (await fetch(api.metricsUrl)).text();
      expect(
        metrics
          .split('\n')
          .some(
            (line) =>
              line.startsWith('http_server_request_duration_seconds_bucket{') &&
              line.includes('route="/api/users/login"') &&
              line.includes(`# {trace_id="${traceId}"}`),
          ),
      ).toBe(true);
    } finally {
      await api.stop();
    }
  });
});
