// Vitest global set-up: the real PostgreSQL and Redis every integration test talks to.
// It starts the repo's private test instances (own ports, own data directory under .local/test,
// see infra/native/services.sh), creates a fresh database for this run, migrates it with the
// same code production uses, and hands the URLs to tests through `inject()`.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { applyMigrations } from '@headroom/db/migrate';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated database of this test run's own. */
    databaseUrl: string;
    /** The same server's `postgres` database, for tests that create scratch databases. */
    adminDatabaseUrl: string;
    redisUrl: string;
  }
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const servicesScript = 'infra/native/services.sh';

function services(...args: string[]): string {
  return execFileSync('bash', [servicesScript, ...args, '--profile', 'test'], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line.trim()))
      .filter((match) => match !== null)
      .map((match) => [match[1], match[2]]),
  );
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export default async function setup(project: TestProject) {
  const wasRunning = /^postgres\s+up/m.test(services('status'));
  services('up');
  const env = parseEnv(services('env'));
  const serverUrl = env.DATABASE_URL;
  const redisUrl = env.REDIS_URL;
  if (!serverUrl || !redisUrl) throw new Error(`${servicesScript} env printed no URLs`);

  const adminDatabaseUrl = withDatabase(serverUrl, 'postgres');
  const database = `headroom_test_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();

  const databaseUrl = withDatabase(serverUrl, database);
  await applyMigrations({ databaseUrl });

  project.provide('databaseUrl', databaseUrl);
  project.provide('adminDatabaseUrl', adminDatabaseUrl);
  project.provide('redisUrl', redisUrl);

  return async () => {
    const cleanup = new pg.Client({ connectionString: adminDatabaseUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await cleanup.end();
    // Leave instances someone started on purpose; stop the ones this run started.
    if (!wasRunning) services('down');
  };
}
