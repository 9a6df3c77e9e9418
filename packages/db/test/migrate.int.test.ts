import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createScratchDatabase, type ScratchDatabase } from '@headroom/testing/scratch-database';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  applyMigrations,
  ContractStepRefusedError,
  MIGRATION_ADVISORY_LOCK_KEY,
  MIGRATIONS_DIR,
  pendingMigrationSql,
} from '../src/migrate.ts';

async function migrationFolders(): Promise<string[]> {
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

async function recordedMigrations(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ migration_name: string; times: number }>(
      `SELECT migration_name, count(*)::int AS times FROM _prisma_migrations
       WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL
       GROUP BY migration_name ORDER BY migration_name`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

/** Polls a condition (a state in Postgres, not a duration) for up to five seconds. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 250; attempt++) {
    if (await condition()) return;
    await delay(20);
  }
  throw new Error('condition not met within 5 s');
}

describe('applyMigrations', () => {
  let database: ScratchDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it('when two replicas start at once on an empty database, then both succeed and each migration is recorded once', async () => {
    database = await createScratchDatabase(inject('adminDatabaseUrl'), 'migrate');
    const folders = await migrationFolders();

    const runs = await Promise.all([
      applyMigrations({ databaseUrl: database.url }),
      applyMigrations({ databaseUrl: database.url }),
    ]);

    // The lock serialises the runs: whichever goes first applies everything, the other nothing.
    expect(runs.flat().sort()).toEqual(folders);
    expect(runs.map((applied) => applied.length).sort()).toEqual([0, folders.length]);
    expect(await recordedMigrations(database.url)).toEqual(
      folders.map((name) => ({ migration_name: name, times: 1 })),
    );
  });

  it('when another replica holds the migration lock, then a run waits for it before changing anything', async () => {
    database = await createScratchDatabase(inject('adminDatabaseUrl'), 'migrate');
    const otherReplica = new pg.Client({ connectionString: database.url });
    await otherReplica.connect();
    try {
      await otherReplica.query('SELECT pg_advisory_lock($1)', [MIGRATION_ADVISORY_LOCK_KEY]);

      const run = applyMigrations({ databaseUrl: database.url });
      await until(async () => {
        const { rows } = await otherReplica.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_locks
           WHERE locktype = 'advisory' AND NOT granted AND objid::bigint = $1`,
          [MIGRATION_ADVISORY_LOCK_KEY],
        );
        return rows[0]?.waiting === 1;
      });
      const { rows } = await otherReplica.query(`SELECT to_regclass('_prisma_migrations') AS t`);
      expect(rows[0].t).toBeNull();

      await otherReplica.query('SELECT pg_advisory_unlock($1)', [MIGRATION_ADVISORY_LOCK_KEY]);
      expect(await run).toEqual(await migrationFolders());
    } finally {
      await otherReplica.end();
    }
  });

  it('when the database is up to date, then a further run applies nothing', async () => {
    database = await createScratchDatabase(inject('adminDatabaseUrl'), 'migrate');
    await applyMigrations({ databaseUrl: database.url });

    expect(await applyMigrations({ databaseUrl: database.url })).toEqual([]);
    expect(await recordedMigrations(database.url)).toHaveLength((await migrationFolders()).length);
  });
});

describe('applyMigrations in a deploy (expand only) and a rollback', () => {
  const EXPAND = '29990101000000_add_users_nickname';
  const CONTRACT = '29990102000000_drop_users_bio';
  let database: ScratchDatabase | undefined;
  let nextRelease: string | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
    if (nextRelease) await rm(nextRelease, { recursive: true, force: true });
  });

  /** This release's migrations plus `added` ({ name: sql }): a later release's folder. */
  async function laterMigrations(added: Record<string, string>): Promise<string> {
    nextRelease = await mkdtemp(path.join(tmpdir(), 'headroom-migrations-'));
    await cp(MIGRATIONS_DIR, nextRelease, { recursive: true });
    for (const [name, sql] of Object.entries(added)) {
      await mkdir(path.join(nextRelease, name));
      await writeFile(path.join(nextRelease, name, 'migration.sql'), sql);
    }
    return nextRelease;
  }

  it('when a pending migration is a contract step, then an expand-only run applies nothing and names it', async () => {
    database = await createScratchDatabase(inject('adminDatabaseUrl'), 'migrate');
    await applyMigrations({ databaseUrl: database.url });
    const migrationsDir = await laterMigrations({
      [EXPAND]: 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;',
      [CONTRACT]: `-- contract-of: ${EXPAND}\nALTER TABLE "users" DROP COLUMN "bio";`,
    });

    const refused = applyMigrations({ databaseUrl: database.url, migrationsDir, expandOnly: true });
    await expect(refused).rejects.toBeInstanceOf(ContractStepRefusedError);
    await expect(refused).rejects.toMatchObject({ migrations: [CONTRACT] });
    expect(await recordedMigrations(database.url)).toHaveLength((await migrationFolders()).length);

    expect(await applyMigrations({ databaseUrl: database.url, migrationsDir })).toEqual([
      EXPAND,
      CONTRACT,
    ]);
  });

  it('when the database has migrations of a later release (a rollback), then a run applies nothing and succeeds', async () => {
    database = await createScratchDatabase(inject('adminDatabaseUrl'), 'migrate');
    const migrationsDir = await laterMigrations({
      [EXPAND]: 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;',
    });
    await applyMigrations({ databaseUrl: database.url, migrationsDir, expandOnly: true });

    expect(await applyMigrations({ databaseUrl: database.url, expandOnly: true })).toEqual([]);
    expect(await recordedMigrations(database.url)).toContainEqual({
      migration_name: EXPAND,
      times: 1,
    });
  });
});

describe('pendingMigrationSql', () => {
  it('when schema.prisma is covered by the migrations, then there is nothing to migrate', async () => {
    const sql = await pendingMigrationSql({ databaseUrl: inject('databaseUrl') });

    expect(
      sql,
      'schema.prisma changed without a migration: npm run migrate:create -w @headroom/db -- <name>',
    ).toBeNull();
  });
});
