-- The pg_stat_statements view in the apps' database, for the Postgres exporter's slow-statements
-- query (infra/postgres-exporter/queries.yaml). The library itself is loaded at server start
-- (shared_preload_libraries); until then the view exists but refuses to be read. Idempotent:
-- run by infra/native/services.sh on every up, and once by compose's Postgres image at init.
-- No NOTICE on every up when it exists already.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
