// One request through a real API process, exported over OTLP to a collector stand-in:
// the trace holds spans from HTTP, Fastify, Prisma, pg and ioredis, all under one trace id.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApiProcess } from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from './support/conduit-client.ts';
import { testEnv } from './support/test-app.ts';

interface ExportedSpan {
  traceId: string;
  name: string;
  scope: string;
}

const received: ExportedSpan[] = [];
const collector = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => {
    body += chunk;
  });
  request.on('end', () => {
    if (request.url === '/v1/traces') {
      for (const resourceSpans of JSON.parse(body).resourceSpans ?? []) {
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? []) {
            received.push({
              traceId: span.traceId,
              name: span.name,
              scope: scopeSpans.scope?.name ?? '',
            });
          }
        }
      }
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

beforeAll(async () => {
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
});
afterAll(() => collector.close());

describe('OpenTelemetry', () => {
  it('when OTEL_* variables are set, then a request yields one trace across http, fastify, prisma, pg and ioredis', async () => {
    const { port } = collector.address() as AddressInfo;
    const api = await startApiProcess(
      testEnv({
        OTEL_SERVICE_NAME: 'headroom-api-test',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      }),
    );
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
            const root = received.find(
              (span) =>
                span.scope === '@opentelemetry/instrumentation-http' &&
                span.name.startsWith('POST'),
            );
            if (!root) return [];
            return [
              ...new Set(
                received.filter((span) => span.traceId === root.traceId).map((span) => span.scope),
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
    } finally {
      await api.stop();
    }
  });
});
