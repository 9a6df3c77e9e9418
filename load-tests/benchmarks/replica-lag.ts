// The native stack's replica lag, as the API's read routing measures it (packages/db's poller,
// the same numbers as pg_replica_lag_seconds and _bytes): first with the primary idle, then
// during a burst of small write transactions (one row each, like a comment and its outbox
// event), to choose REPLICA_MAX_LAG_MS (docs/database.md, "Read replicas").
// Needs the stack's Postgres and replica: `bash infra/native/services.sh up` first. Writes go
// to a table of its own, dropped at the end.
//   npx tsx load-tests/benchmarks/replica-lag.ts [idle-seconds=10] [burst-seconds=10] [writers=16]
import { createPrismaClient } from '@headroom/db/client';
import { createReadRouting } from '@headroom/db/read-routing';
import { nativeServices } from '@headroom/testing/native-services';
import pg from 'pg';
import { Registry } from 'prom-client';
import { parsePositionalNumbers } from '../cli.ts';
import { summarizeLatencies } from '../stats.ts';

const DEFAULTS = { idle: '10', burst: '10', writers: '16' };
const USAGE = `usage: npx tsx load-tests/benchmarks/replica-lag.ts [idle-seconds=${DEFAULTS.idle}] [burst-seconds=${DEFAULTS.burst}] [writers=${DEFAULTS.writers}]

  idle-seconds   how long to sample with no writes of ours
  burst-seconds  how long the write burst lasts
  writers        connections writing one row per transaction, as fast as they can`;

const [idleSeconds, burstSeconds, writers] = parsePositionalNumbers(USAGE, [
  { name: 'idle-seconds', fallback: DEFAULTS.idle },
  { name: 'burst-seconds', fallback: DEFAULTS.burst },
  { name: 'writers', fallback: DEFAULTS.writers, integer: true },
]);
/** Samples per second: the poller's interval here, finer than the API's default. */
const SAMPLE_INTERVAL_MS = 100;
/** A comment-sized row. */
const ROW_BYTES = 200;
const TABLE = 'replica_lag_probe';

const printed = nativeServices('env', 'stack');
const url = (name: string) => {
  const found = new RegExp(`^${name}=(.*)$`, 'm').exec(printed)?.[1];
  if (!found) throw new Error(`services.sh env printed no ${name}: is the stack profile up?`);
  return found;
};
const primaryUrl = url('DATABASE_URL');
const primary = createPrismaClient({ databaseUrl: primaryUrl, maxConnections: 2 });
const replica = createPrismaClient({
  databaseUrl: url('DATABASE_REPLICA_DIRECT_URL'),
  maxConnections: 2,
});
const reads = createReadRouting({
  primary,
  replicas: [{ name: 'replica', client: replica }],
  maxLagMs: 60_000,
  statusIntervalMs: SAMPLE_INTERVAL_MS,
  registry: new Registry(),
});

async function sample(seconds: number): Promise<{ ms: number[]; bytes: number[] }> {
  const ms: number[] = [];
  const bytes: number[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await reads.refresh();
    const [status] = reads.replicas();
    if (status?.lagMs != null) ms.push(status.lagMs);
    if (status?.lagBytes != null) bytes.push(status.lagBytes);
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_INTERVAL_MS));
  }
  return { ms, bytes };
}

async function burst(seconds: number): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let written = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const client = new pg.Client({ connectionString: primaryUrl });
      await client.connect();
      try {
        while (Date.now() < end) {
          await client.query(`INSERT INTO ${TABLE} (body) VALUES (repeat('x', ${ROW_BYTES}))`);
          written++;
        }
      } finally {
        await client.end();
      }
    }),
  );
  return written;
}

function row(phase: string, { ms, bytes }: { ms: number[]; bytes: number[] }, extra = '') {
  // Bytes go through the same histogram as times: three significant digits of any quantity.
  const lag = summarizeLatencies(ms);
  const lagBytes = summarizeLatencies(bytes);
  console.log(
    `| ${phase} | ${ms.length} | ${Math.round(lag.p50)} | ${Math.round(lag.p99)} | ${Math.round(lag.max)} | ${Math.round(lagBytes.p50)} | ${Math.round(lagBytes.p99)} | ${Math.round(lagBytes.max)} | ${extra} |`,
  );
}

const admin = new pg.Client({ connectionString: primaryUrl });
await admin.connect();
try {
  await admin.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (id bigserial PRIMARY KEY, body text)`);
  console.log(
    '| phase | samples | lag p50 ms | p99 ms | max ms | lag p50 bytes | p99 bytes | max bytes | writes |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  row('idle', await sample(idleSeconds));
  const [during, written] = await Promise.all([sample(burstSeconds), burst(burstSeconds)]);
  row(`burst (${writers} writers)`, during, `${written} (${Math.round(written / burstSeconds)}/s)`);
} finally {
  await admin.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await admin.end();
  await reads.close();
  await Promise.allSettled([primary.$disconnect(), replica.$disconnect()]);
}
