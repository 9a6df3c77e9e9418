// Read routing against a real streaming replica whose replay this file pauses and which it
// kills and restarts: a private primary and its replica (packages/testing), so that no other
// test's writes move the lag these tests measure. Each test leaves the replica running and
// caught up for the next.
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type PrivatePostgres,
  type PrivateReplica,
  startPrivatePrimary,
  startPrivateReplica,
} from '@headroom/testing/postgres-replica';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../src/client.ts';
import { createReadRouting, freshAsOf, type ReadRouting } from '../src/read-routing.ts';

/** Short enough that a paused replica passes it within a test, long enough for a busy machine. */
const MAX_LAG_MS = 1_000;
const STATUS_INTERVAL_MS = 100;

let primary: PrivatePostgres;
let replica: PrivateReplica;
let primaryClient: PrismaClient;
let replicaClient: PrismaClient;
const table = 'read_routing_probe';
const routings: ReadRouting[] = [];

beforeAll(async () => {
  primary = await startPrivatePrimary();
  await sql(primary.url, `CREATE TABLE ${table} (id text PRIMARY KEY)`);
  replica = await startPrivateReplica(primary.url);
  primaryClient = createPrismaClient({ databaseUrl: primary.url, maxConnections: 4 });
  replicaClient = createPrismaClient({ databaseUrl: replica.url, maxConnections: 4 });
});

afterEach(async () => {
  await Promise.all(routings.splice(0).map((routing) => routing.close()));
  await replica.start();
  await replica.resumeReplay();
  await replica.catchUp();
});

afterAll(async () => {
  await Promise.allSettled([primaryClient?.$disconnect(), replicaClient?.$disconnect()]);
  await replica?.remove();
  await primary?.remove();
});

function routing(registry = new Registry()): { reads: ReadRouting; registry: Registry } {
  const reads = createReadRouting({
    primary: primaryClient,
    replicas: [{ name: 'replica-1', client: replicaClient }],
    maxLagMs: MAX_LAG_MS,
    statusIntervalMs: STATUS_INTERVAL_MS,
    registry,
  });
  routings.push(reads);
  return { reads, registry };
}

/** Where a read ran, and whether it found the row `id`. */
async function readRow(reads: ReadRouting, id: string, options = {}) {
  return reads.read(async (client) => {
    const [row] = await client.$queryRawUnsafe<{ standby: boolean; found: boolean }[]>(
      `SELECT pg_is_in_recovery() AS standby, EXISTS (SELECT FROM ${table} WHERE id = $1) AS found`,
      id,
    );
    return { ranOn: row?.standby ? 'replica' : 'primary', found: row?.found };
  }, options);
}

async function insertRow(): Promise<string> {
  const id = randomBytes(8).toString('hex');
  await primaryClient.$executeRawUnsafe(`INSERT INTO ${table} (id) VALUES ($1)`, id);
  return id;
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string>) {
  const metric = await registry.getSingleMetric(name)?.get();
  const value = metric?.values.find((sample) =>
    Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted),
  );
  return value?.value ?? 0;
}

describe('read routing with a streaming replica', () => {
  it('when the replica is healthy and caught up, then reads run on it', async () => {
    const { reads, registry } = routing();
    const id = await insertRow();
    await replica.catchUp();
    await reads.refresh();

    expect(reads.replicas()).toEqual([
      expect.objectContaining({ name: 'replica-1', healthy: true, replayPaused: false }),
    ]);
    expect(await readRow(reads, id)).toEqual({ ranOn: 'replica', found: true });
    expect(await metricValue(registry, 'db_reads_total', { target: 'replica' })).toBe(1);
    expect(await metricValue(registry, 'pg_replica_healthy', { replica: 'replica-1' })).toBe(1);
  });

  it('when a read asks for the LSN of a write, then it sees the write, wherever it runs', async () => {
    const { reads } = routing();
    await reads.refresh();
    const where = new Set<string>();
    for (let attempt = 0; attempt < 30; attempt++) {
      const id = await insertRow();
      const minLsn = await reads.currentLsn();
      const result = await readRow(reads, id, { minLsn });
      expect(result.found).toBe(true);
      where.add(result.ranOn);
      // Every third round, let the replica catch up and be polled, so it serves some of them.
      if (attempt % 3 === 2) {
        await replica.catchUp();
        await reads.refresh();
        const again = await readRow(reads, id, { minLsn });
        expect(again).toEqual({ ranOn: 'replica', found: true });
        where.add(again.ranOn);
      }
    }
    expect([...where].sort()).toEqual(['primary', 'replica']);
  });

  it('when the replica has not replayed a write yet, then a read needing it runs on the primary', async () => {
    const { reads, registry } = routing();
    await replica.pauseReplay();
    const id = await insertRow();
    const minLsn = await reads.currentLsn();
    await reads.refresh();

    expect(await readRow(reads, id, { minLsn })).toEqual({ ranOn: 'primary', found: true });
    expect(await metricValue(registry, 'db_reads_total', { reason: 'behind_lsn' })).toBe(1);
  });

  it('when replay is paused while the primary writes, then past the lag bound reads go to the primary, fresh and without errors, and back to the replica after resume', async () => {
    const { reads, registry } = routing();
    await reads.refresh();
    await replica.pauseReplay();
    const id = await insertRow();

    await expect.poll(() => reads.replicas()[0]?.healthy, { timeout: 10_000 }).toBe(false);
    expect(reads.replicas()[0]).toEqual(
      expect.objectContaining({ replayPaused: true, reason: expect.stringContaining('bound') }),
    );
    // Fresh data: the row written after the pause is found, on the primary.
    expect(await readRow(reads, id)).toEqual({ ranOn: 'primary', found: true });
    expect(await metricValue(registry, 'db_reads_total', { reason: 'lagging' })).toBe(1);
    expect(await metricValue(registry, 'pg_replica_healthy', { replica: 'replica-1' })).toBe(0);
    expect(
      await metricValue(registry, 'pg_replica_lag_seconds', { replica: 'replica-1' }),
    ).toBeGreaterThanOrEqual(MAX_LAG_MS / 1000 - STATUS_INTERVAL_MS / 1000);
    expect(
      await metricValue(registry, 'pg_replica_lag_bytes', { replica: 'replica-1' }),
    ).toBeGreaterThan(0);

    await replica.resumeReplay();
    await expect.poll(() => reads.replicas()[0]?.healthy, { timeout: 10_000 }).toBe(true);
    expect(await readRow(reads, id)).toEqual({ ranOn: 'replica', found: true });
    expect(
      await metricValue(registry, 'pg_replica_lag_seconds', { replica: 'replica-1' }),
    ).toBeLessThan(MAX_LAG_MS / 1000);
  });

  it('when the replica is killed with a read in flight, then that read and the next ones succeed on the primary', async () => {
    const { reads, registry } = routing();
    await reads.refresh();
    const id = await insertRow();
    await replica.catchUp();
    await reads.refresh();

    // Long on the replica, instant on the primary: it is still running when the replica dies.
    const inFlight = reads.read(async (client) => {
      const [row] = await client.$queryRawUnsafe<{ standby: boolean; found: boolean }[]>(
        `SELECT pg_is_in_recovery() AS standby,
                EXISTS (SELECT FROM ${table} WHERE id = $1) AS found
         FROM pg_sleep(CASE WHEN pg_is_in_recovery() THEN 60 ELSE 0 END)`,
        id,
      );
      return row;
    });
    await until(async () => (await replicaSleepers()) > 0);
    await replica.stop('immediate');

    expect(await inFlight).toEqual({ standby: false, found: true });
    expect(await metricValue(registry, 'db_reads_total', { reason: 'replica_failed' })).toBe(1);
    // Marked by the failed read, or already by a poll that found it gone.
    expect(reads.replicas()[0]).toEqual(
      expect.objectContaining({
        healthy: false,
        reason: expect.stringMatching(/^(read|poll) failed/),
      }),
    );
    expect(await readRow(reads, id)).toEqual({ ranOn: 'primary', found: true });
    await reads.refresh();
    expect(reads.replicas()[0]?.reason).toMatch(/^poll failed/);
    expect(await readRow(reads, id)).toEqual({ ranOn: 'primary', found: true });
  });

  it('when the replica stops answering with a read waiting on it, then that read moves to the primary at the next failed poll', async () => {
    // As PgBouncer does for a replica that died: it holds the query, waiting for a server
    // (up to its query_wait_timeout, 10 s), and answers nothing.
    const proxy = await startFreezableProxy(replica.port);
    const proxied = new URL(replica.url);
    proxied.port = String(proxy.port);
    const client = createPrismaClient({ databaseUrl: proxied.href, maxConnections: 2 });
    try {
      const registry = new Registry();
      const reads = createReadRouting({
        primary: primaryClient,
        replicas: [{ name: 'replica-1', client }],
        maxLagMs: MAX_LAG_MS,
        statusIntervalMs: STATUS_INTERVAL_MS,
        registry,
      });
      routings.push(reads);
      const id = await insertRow();
      await replica.catchUp();
      await reads.refresh();
      expect(reads.replicas()[0]?.healthy).toBe(true);

      proxy.freeze();
      expect(await readRow(reads, id)).toEqual({ ranOn: 'primary', found: true });
      expect(reads.replicas()[0]?.reason).toMatch(/^poll failed: no answer within/);
      expect(await metricValue(registry, 'db_reads_total', { reason: 'replica_failed' })).toBe(1);
    } finally {
      proxy.close();
      await client.$disconnect();
    }
  });

  it('when a killed replica is started again, then it takes reads after its next good poll', async () => {
    const { reads } = routing();
    await replica.stop('immediate');
    await reads.refresh();
    const id = await insertRow();
    expect(await readRow(reads, id)).toEqual({ ranOn: 'primary', found: true });

    await replica.start();
    await expect.poll(() => reads.replicas()[0]?.healthy, { timeout: 10_000 }).toBe(true);
    await replica.catchUp();
    expect(await readRow(reads, id)).toEqual({ ranOn: 'replica', found: true });
  });

  it('when a read fails for a reason of its own on the replica, then the caller gets that error and the replica keeps its reads', async () => {
    const { reads } = routing();
    await reads.refresh();
    await expect(
      reads.read((client) => client.$queryRawUnsafe('SELECT * FROM no_such_table')),
    ).rejects.toThrow(/no_such_table/);
    expect(reads.replicas()[0]?.healthy).toBe(true);
  });

  it('when the replica status changes, then listeners hear it once per change', async () => {
    const { reads } = routing();
    const heard: boolean[] = [];
    reads.onStatusChange((status) => heard.push(status.healthy));
    await reads.refresh();
    await replica.stop('immediate');
    await reads.refresh();
    await reads.refresh();
    expect(heard).toEqual([true, false]);
  });
});

describe('read routing without a replica', () => {
  it('when no replica is configured, then every read runs on the primary and currentLsn is 0', async () => {
    const registry = new Registry();
    const reads = createReadRouting({
      primary: primaryClient,
      replicas: [],
      maxLagMs: MAX_LAG_MS,
      statusIntervalMs: STATUS_INTERVAL_MS,
      registry,
    });
    routings.push(reads);
    const id = await insertRow();
    expect(await readRow(reads, id)).toEqual({ ranOn: 'primary', found: true });
    expect(await reads.currentLsn()).toBe(0);
    expect(reads.replicas()).toEqual([]);
    expect(await metricValue(registry, 'db_reads_total', { reason: 'no_replica' })).toBe(1);
  });
});

describe('how fresh a replica is (freshAsOf)', () => {
  const sample = (at: number, insertLsn: number) => ({ at, insertLsn });

  it('when the primary has been idle for longer than the bound, then a replica that replayed everything has no lag', () => {
    // Last commit an hour ago; the replica has replayed all of it and so has the latest sample.
    const hourAgo = 3_600_000;
    const fresh = freshAsOf({
      samples: [sample(10_000, 500), sample(10_500, 500), sample(11_000, 500)],
      replayLsn: 500,
      replayAgeMs: hourAgo,
      sentAt: 11_000,
      answeredAt: 11_002,
      previous: 10_500,
    });
    expect(fresh).toBe(11_000);
  });

  it('when the replica stopped replaying while the primary writes, then its data is dated by the last sample it reached', () => {
    const fresh = freshAsOf({
      samples: [sample(10_000, 500), sample(10_500, 900), sample(11_000, 1_400)],
      replayLsn: 500,
      replayAgeMs: 5_000,
      sentAt: 11_000,
      answeredAt: 11_002,
      previous: null,
    });
    expect(fresh).toBe(10_000);
  });

  it('when the primary commits steadily and the replica trails by a few bytes, then the last replayed commit dates it', () => {
    const fresh = freshAsOf({
      samples: [sample(10_000, 500), sample(10_500, 900), sample(11_000, 1_400)],
      replayLsn: 1_390,
      replayAgeMs: 3,
      sentAt: 11_000,
      answeredAt: 11_002,
      previous: 10_500,
    });
    expect(fresh).toBe(10_999);
  });

  it('when nothing dates the replica yet, then its freshness is unknown', () => {
    const fresh = freshAsOf({
      samples: [sample(11_000, 1_400)],
      replayLsn: 500,
      replayAgeMs: null,
      sentAt: 11_000,
      answeredAt: 11_002,
      previous: null,
    });
    expect(fresh).toBeNull();
  });
});

/**
 * A TCP proxy to the replica that can stop passing bytes (and connecting) while keeping every
 * connection open: a replica that hangs rather than refuses.
 */
async function startFreezableProxy(targetPort: number) {
  let frozen = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const server = createServer((client) => {
    track(client);
    if (frozen) return;
    const upstream = connect(targetPort, '127.0.0.1');
    track(upstream);
    client.on('data', (chunk) => frozen || upstream.write(chunk));
    upstream.on('data', (chunk) => frozen || client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    freeze: () => {
      frozen = true;
    },
    close: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

async function replicaSleepers(): Promise<number> {
  const [row] = await sql(
    replica.url,
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE state = 'active' AND query LIKE '%pg_sleep(CASE%' AND pid <> pg_backend_pid()`,
  );
  return Number(row?.n ?? 0);
}

/** Polls a condition (a state in Postgres, not a duration) for up to ten seconds. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (await condition()) return;
    await delay(20);
  }
  throw new Error('condition not met within 10 s');
}

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}
