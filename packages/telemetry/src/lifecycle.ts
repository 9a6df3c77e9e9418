// Lets an app flush telemetry before it exits without knowing whether telemetry is on: the
// --import hook hands the running SDK over here, and `flushTelemetry` is a no-op without one.
// Needed because a graceful shutdown ends in process.exit, which skips 'beforeExit'.

interface Flushable {
  shutdown: () => Promise<void>;
}

let running: Flushable | undefined;

export function setRunningTelemetry(sdk: Flushable): void {
  running = sdk;
}

/** Exports what is still buffered (spans of the last requests). Never throws. */
export async function flushTelemetry(): Promise<void> {
  await running?.shutdown().catch(() => {});
}
