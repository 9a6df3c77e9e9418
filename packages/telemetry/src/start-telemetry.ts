// The instrumentations Headroom processes need: incoming and outgoing HTTP, Fastify's
// request lifecycle, Prisma operations, the pg queries beneath them, ioredis commands, and
// trace ids in pino's log lines so a log line leads to its trace. Exporters, sampling and
// the service name all come from the OTEL_* variables, read by the SDK itself.
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { PrismaInstrumentation } from '@prisma/instrumentation';

/** Health checks and scrapes run every few seconds; tracing them would drown real traffic. */
const UNTRACED_PATHS = new Set(['/api/healthz', '/api/readyz', '/metrics']);

export async function startTelemetry(): Promise<NodeSDK> {
  const sdk = new NodeSDK({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) =>
          UNTRACED_PATHS.has(request.url?.split('?')[0] ?? ''),
      }),
      new FastifyOtelInstrumentation({ registerOnInitialization: true }),
      new PrismaInstrumentation(),
      new PgInstrumentation(),
      new IORedisInstrumentation(),
      new UndiciInstrumentation(),
      new PinoInstrumentation(),
    ],
  });
  sdk.start();
  return sdk;
}
