// A database of a test's own on the shared test server, for tests that need an empty or
// freshly migrated database (created through `adminDatabaseUrl`, dropped afterwards).
import { randomUUID } from 'node:crypto';
import pg from 'pg';

export type ScratchDatabase = { url: string; drop: () => Promise<void> };

export async function createScratchDatabase(
  adminDatabaseUrl: string,
  purpose: string,
): Promise<ScratchDatabase> {
  const name = `headroom_${purpose}_${randomUUID().slice(0, 8)}`;
  await runAsAdmin(adminDatabaseUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: () => runAsAdmin(adminDatabaseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function runAsAdmin(adminDatabaseUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
