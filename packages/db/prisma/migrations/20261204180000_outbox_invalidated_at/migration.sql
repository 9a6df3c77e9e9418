-- The outbox relay's second pass: each event's application-cache invalidation, applied after
-- the API's own (the backstop for a cache the API could not reach), with its own progress so a
-- cache that is down never holds up delivery (apps/worker/src/outbox-relay.ts, docs/caching.md).

-- AlterTable
ALTER TABLE "outbox_events" ADD COLUMN     "invalidated_at" TIMESTAMPTZ(3);

-- Events from before this column: whatever they invalidated has long expired from any cache.
UPDATE "outbox_events" SET "invalidated_at" = COALESCE("delivered_at", "created_at");

-- CreateIndex
CREATE INDEX "outbox_events_invalidated_at_created_at_idx" ON "outbox_events"("invalidated_at", "created_at");
