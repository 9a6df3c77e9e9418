-- The outbox relay is woken by the writers now, after their commit and at most once per
-- OUTBOX_NOTIFY_INTERVAL_MS per process (packages/jobs/src/relay-wakeup.ts), not by a NOTIFY in
-- every writing transaction: Postgres takes its notification queue lock for each committing
-- transaction that notified, which serialised concurrent writers (docs/background-jobs.md).
DROP TRIGGER "outbox_events_notify" ON "outbox_events";
DROP FUNCTION "notify_outbox_events"();
