// Background housekeeping that runs on a timer (the outbox relay's polls) would otherwise
// start a new trace every round, most of them for an empty outbox: at the default one-second
// poll that is a dozen spans a second per worker, burying the traces of real requests.
// Work run through `untraced` records no spans; a context made from elsewhere inside it (the
// relay adding a job in the context of the request that recorded the event) is traced again.
// Costs nothing when telemetry is off: the API's no-op tracer ignores the flag.
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

export function untraced<T>(work: () => T): T {
  return context.with(suppressTracing(context.active()), work);
}
