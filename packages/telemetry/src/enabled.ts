// Whether the standard OTEL_* variables ask for telemetry at all. Shared by the --import hook
// (which loads the SDK only then) and by apps that wire optional tracing of their own.

const ENDPOINT_VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
/**
 * Each takes a comma-separated list of exporters, where `none` is the spec's way to say "no
 * exporter" (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/):
 * `OTEL_METRICS_EXPORTER=none` alone asks for nothing, so it counts as unset.
 */
const EXPORTER_VARIABLES = ['OTEL_TRACES_EXPORTER', 'OTEL_METRICS_EXPORTER'];

export function isTelemetryEnabled(env: Record<string, string | undefined>): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  return (
    ENDPOINT_VARIABLES.some((name) => (env[name] ?? '') !== '') ||
    EXPORTER_VARIABLES.some((name) =>
      (env[name] ?? '')
        .split(',')
        .map((exporter) => exporter.trim())
        .some((exporter) => exporter !== '' && exporter !== 'none'),
    )
  );
}
