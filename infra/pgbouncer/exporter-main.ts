// Entry point of the PgBouncer exporter (exporter.ts), started by infra/native/stack.sh and by
// compose's pgbouncer-exporter service: PGBOUNCER_ADMIN_URL, the admin console as the stats
// role (postgresql://headroom_stats:PASSWORD@HOST:PORT/pgbouncer), and where to serve /metrics:
// PGBOUNCER_EXPORTER_HOST (127.0.0.1 natively, 0.0.0.0 in a container), PGBOUNCER_EXPORTER_PORT.
import { startPgBouncerExporter } from './exporter.ts';

const adminUrl = process.env.PGBOUNCER_ADMIN_URL;
const host = process.env.PGBOUNCER_EXPORTER_HOST;
const port = Number(process.env.PGBOUNCER_EXPORTER_PORT);
if (!adminUrl || !host || !Number.isInteger(port) || port <= 0) {
  console.error(
    'pgbouncer-exporter: set PGBOUNCER_ADMIN_URL (the admin console as the stats role), PGBOUNCER_EXPORTER_HOST and PGBOUNCER_EXPORTER_PORT',
  );
  process.exit(2);
}
const exporter = await startPgBouncerExporter({
  adminUrl,
  host,
  port,
  // The reason a scrape reported pgbouncer_up 0, without the URL (it holds the password).
  onScrapeError: (error) => console.error(`pgbouncer-exporter: scrape failed: ${error.message}`),
});
console.log(`pgbouncer-exporter: serving ${exporter.url}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void exporter.close().then(() => process.exit(0)));
}
