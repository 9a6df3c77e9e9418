// The write side of the transactional outbox. A service calls `recordEvent(tx, event)` inside
// the transaction that makes the change, so the event exists if and only if the change
// committed: no accepted write can lose its follow-up work, even if Redis or every worker is
// down at that moment. The worker's relay (apps/worker/src/outbox-relay.ts) does the rest.
import type { Prisma } from '@headroom/db/client';
import type { DomainEvent } from '@headroom/jobs/contract';
import { context, propagation } from '@opentelemetry/api';

export type OutboxWriter = Pick<Prisma.TransactionClient, 'outboxEvent'>;

export async function recordEvent(tx: OutboxWriter, event: DomainEvent): Promise<void> {
  // The request's trace context travels with the event, so the job that handles it joins the
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
