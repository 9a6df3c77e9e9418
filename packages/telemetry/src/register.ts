// OpenTelemetry for any Headroom process, loaded before the app with
//   node --import tsx --import @headroom/telemetry/register src/main.ts
// It is configured only through the standard OTEL_* variables
// (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
// When none of the exporter variables is set, this file imports nothing else: no SDK, no
// patched modules, no cost on the request path.
import { register } from 'node:module';
import { isTelemetryEnabled } from './enabled.ts';
import { setRunningTelemetry } from './lifecycle.ts';

if (isTelemetryEnabled(process.env)) {
  // ESM modules can only be patched through a loader hook registered before they load.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const { startTelemetry } = await import('./start-telemetry.ts');
  const sdk = await startTelemetry();
  // Apps call flushTelemetry() (./lifecycle.ts) as the last step of a graceful shutdown;
  // a process that simply runs out of work flushes here.
  setRunningTelemetry(sdk);
  process.once('beforeExit', () => void sdk.shutdown());
}
