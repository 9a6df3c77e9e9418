// Writing a domain event to the transactional outbox, inside the transaction that makes the
// change: the event exists if and only if the change committed. The API records what users do
// (apps/api/src/outbox.ts), the worker what its jobs change (a rendered body, a new ranking);
// the worker's relay then turns each event into its jobs and its cache invalidations.
import { randomBytes } from 'node:crypto';
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

/**
 * The current trace context, to travel with an event so the job that handles it joins the same
 * trace; null without an active OpenTelemetry SDK (then it costs nothing).
 */
export function currentTraceContext(): Record<string, string> | null {
  const traceContext: Record<string, string> = {};
  propagation.inject(context.active(), traceContext);
  return Object.keys(traceContext).length > 0 ? traceContext : null;
}

/**
 * A UUID version 7 (RFC 9562): time-ordered, as Prisma's `@default(uuid(7))` makes the ids of
 * events recorded through it; for a write that inserts its event in the same SQL statement.
 */
export function uuidv7(): string {
  const bytes = randomBytes(16);
  const now = Date.now();
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export async function recordEvent(tx: OutboxWriter, event: DomainEvent): Promise<void> {
  const traceContext = currentTraceContext() ?? {};
  await tx.outboxEvent.create({
    data: {
      type: event.type,
      payload: event.payload,
      ...(Object.keys(traceContext).length > 0 && { traceContext }),
    },
    select: { id: true },
  });
}
