// When the standard OTEL_* variables ask for telemetry, and when they only look as if they do.
import { describe, expect, it } from 'vitest';
import { isTelemetryEnabled } from '../src/enabled.ts';

describe('isTelemetryEnabled', () => {
  it('when no OTEL_* variable is set, then telemetry is off', () => {
    expect(isTelemetryEnabled({})).toBe(false);
  });

  it('when an endpoint or an exporter is set, then telemetry is on', () => {
    expect(isTelemetryEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(isTelemetryEnabled({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(
      isTelemetryEnabled({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_METRICS_EXPORTER: 'none' }),
    ).toBe(true);
  });

  it('when every exporter set is "none", then telemetry is off', () => {
    expect(isTelemetryEnabled({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(isTelemetryEnabled({ OTEL_METRICS_EXPORTER: 'none' })).toBe(false);
    expect(
      isTelemetryEnabled({ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' }),
    ).toBe(false);
  });

  it('when OTEL_SDK_DISABLED is true, then telemetry is off whatever else is set', () => {
    expect(
      isTelemetryEnabled({
        OTEL_SDK_DISABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      }),
    ).toBe(false);
  });
});
