// What the worker benchmarks run against, set up and torn down by each run: a scratch database
// on the native stack's PostgreSQL (durable, fsync on, like production; started here if it is
// not running, and stopped again afterwards), a private in-memory Redis, and the typed queues.
// Worker processes are started by the benchmarks themselves, with the settings they compare.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyMigrations } from '@headroom/db/migrate';
import { closeQueues, createQueues, type Queues } from '@headroom/jobs/queues';
import {
  nativeServices,
  nativeServicesRunning,
  nativeServiceUrls,
} from '@headroom/testing/native-services';
import { startWorkerProcess, type WorkerProcess } from '@headroom/testing/processes';
import { startPrivateRedis } from '@headroom/testing/redis-server';
import { createScratchDatabase } from '@headroom/testing/scratch-database';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describeMachine } from '../results.ts';

const PREFIX = 'bench';

export interface BenchStack {
  databaseUrl: string;
  redisUrl: string;
  sql: pg.Pool;
  queues: Queues;
  startWorker: (overrides?: Record<string, string>) => Promise<WorkerProcess>;
  close: () => Promise<void>;
}

export async function openBenchStack(purpose: string): Promise<BenchStack> {
  const wasRunning = nativeServicesRunning('stack');
  if (!wasRunning) nativeServices('up', 'stack');
  const serverUrl = nativeServiceUrls('stack').DATABASE_URL;
  const adminUrl = new URL(serverUrl);
  adminUrl.pathname = '/postgres';

  const database = await createScratchDatabase(adminUrl.href, `bench_${purpose}`);
  await applyMigrations({ databaseUrl: database.url });
  const redis = await startPrivateRedis();
  const emailDir = await mkdtemp(path.join(tmpdir(), 'headroom-bench-mail-'));
  const sql = new pg.Pool({ connectionString: database.url, max: 4 });
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queues = createQueues({
    connection,
    prefix: PREFIX,
    retry: { attempts: 5, backoffMs: 1_000 },
  });
  const workers: WorkerProcess[] = [];

  return {
    databaseUrl: database.url,
    redisUrl: redis.url,
    sql,
    queues,
    // Production settings (NODE_ENV, pool size, concurrency, batch sizes) unless overridden.
    startWorker: async (overrides = {}) => {
      const worker = await startWorkerProcess({
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        QUEUE_PREFIX: PREFIX,
        EMAIL_FILE_DIR: emailDir,
        ...overrides,
      });
      workers.push(worker);
      return worker;
    },
    close: async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      await closeQueues(queues);
      connection.disconnect();
      await sql.end();
      await database.drop();
      await redis.stop('SIGTERM');
      await rm(emailDir, { recursive: true, force: true });
      if (!wasRunning) nativeServices('down', 'stack');
    },
  };
}

/** A line saying where the numbers come from, printed above each table. */
export function machineLine(): string {
  const machine = describeMachine();
  return `${machine.cpus} CPU cores (${machine.cpuModel}), Node ${machine.node}; PostgreSQL, Redis and the worker on the same machine`;
}

/** Waits until `done()` holds, checking every `intervalMs`; returns the elapsed ms. */
export async function timeUntil(
  done: () => Promise<boolean>,
  options: { since: number; intervalMs?: number; timeoutMs?: number },
): Promise<number> {
  const deadline = options.since + (options.timeoutMs ?? 120_000);
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('benchmark timed out');
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 10));
  }
  return Date.now() - options.since;
}
