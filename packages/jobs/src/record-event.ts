// Writing a domain event to the transactional outbox, inside the transaction that makes the
// change: the event exists if and only if the change committed. The API records what users do
// (apps/api/src/outbox.ts), the worker what its jobs change (a rendered body, a new ranking);
// the worker's relay then turns each event into its jobs and its cache invalidations.
import { context, propagation } from '@opentelemetry/api';
import type { DomainEvent } from './contract.ts';

/** The part of a Prisma transaction client this needs (packages/jobs does not depend on db). */
export interface OutboxWriter {
  outboxEvent: {
    create(args: {
      data: { type: string; payload: object; traceContext?: Record<string, string> };
      select: { id: true };
    }): PromiseLike<unknown>;
  };
}

export async function recordEvent(tx: OutboxWriter, event: DomainEvent): Promise<void> {
  // The current trace context travels with the event, so the job that handles it joins the
  // same trace. Without an active OpenTelemetry SDK this stays empty and costs nothing.
  const traceContext: Record<string, string> = {};
  propagation.inject(context.active(), traceContext);
  await tx.outboxEvent.create({
    data: {
      type: event.type,
      payload: event.payload,
      ...(Object.keys(traceContext).length > 0 && { traceContext }),
    },
    select: { id: true },
  });
}
