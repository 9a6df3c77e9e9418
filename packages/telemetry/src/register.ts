// OpenTelemetry for any Headroom process, loaded before the app with
//   node --import tsx --import @headroom/telemetry/register src/main.ts
// It is configured only through the standard OTEL_* variables
// (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
// When none of the exporter variables is set, this file imports nothing else: no SDK, no
// patched modules, no cost on the request path.
import { register } from 'node:module';

const EXPORTER_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_TRACES_EXPORTER',
  'OTEL_METRICS_EXPORTER',
];

const enabled =
  process.env.OTEL_SDK_DISABLED !== 'true' &&
  EXPORTER_VARIABLES.some((name) => (process.env[name] ?? '') !== '');

if (enabled) {
  // ESM modules can only be patched through a loader hook registered before they load.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const { startTelemetry } = await import('./start-telemetry.ts');
  const sdk = await startTelemetry();
  // Flush what is buffered when the process is asked to stop; the app's own SIGTERM handler
  // runs as well, and exits once in-flight requests are done.
  process.once('beforeExit', () => void sdk.shutdown());
}
