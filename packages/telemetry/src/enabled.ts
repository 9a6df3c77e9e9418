// Whether the standard OTEL_* variables ask for telemetry at all. Shared by the --import hook
// (which loads the SDK only then) and by apps that wire optional tracing of their own.

const EXPORTER_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_TRACES_EXPORTER',
  'OTEL_METRICS_EXPORTER',
];

export function isTelemetryEnabled(env: Record<string, string | undefined>): boolean {
  return (
    env.OTEL_SDK_DISABLED !== 'true' && EXPORTER_VARIABLES.some((name) => (env[name] ?? '') !== '')
  );
}
