// A stand-in for an OpenTelemetry collector: accepts OTLP/HTTP JSON traces on a free port and
// keeps every span, so a test can check which processes and libraries took part in a trace.
// Processes export to it with OTEL_EXPORTER_OTLP_ENDPOINT=<url> OTEL_EXPORTER_OTLP_PROTOCOL=http/json.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** The instrumentation that made it, e.g. `@opentelemetry/instrumentation-pg`. */
  scope: string;
}

export interface OtlpCollector {
  url: string;
  spans: ExportedSpan[];
  close: () => Promise<void>;
}

export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: ExportedSpan[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        for (const resourceSpans of JSON.parse(body).resourceSpans ?? []) {
          const service =
            resourceSpans.resource?.attributes?.find(
              (attribute: { key: string }) => attribute.key === 'service.name',
            )?.value?.stringValue ?? '';
          for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
            for (const span of scopeSpans.spans ?? []) {
              spans.push({
                service,
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId ?? '',
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
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The variables that make a process export its traces to `collector`, promptly. */
export function otlpEnv(collector: OtlpCollector, serviceName: string): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: serviceName,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
}
