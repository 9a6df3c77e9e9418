// The accounts migration on a database that already holds names differing only in case (they
// could be registered before it): it must not fail, the oldest account keeps its name, the
// later ones are renamed "<name>-<id>", and from then on case-only duplicates are refused.
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createScratchDatabase, type ScratchDatabase } from '@headroom/testing/scratch-database';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR } from '../src/migrate.ts';

const ACCOUNTS_MIGRATION = '20261204210000_accounts';

/** A migrations folder holding only what came before the accounts migration. */
async function migrationsBeforeAccounts(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'headroom-migrations-'));
  for (const entry of await readdir(MIGRATIONS_DIR, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name >= ACCOUNTS_MIGRATION) continue;
    await cp(path.join(MIGRATIONS_DIR, entry.name), path.join(directory, entry.name), {
      recursive: true,
    });
  }
  return directory;
}

describe('the accounts migration', () => {
  let database: ScratchDatabase | undefined;
  let before: string | undefined;
  afterEach(async () => {
    await database?.drop();
    if (before) await rm(before, { recursive: true, force: true });
  });

  it('when names differ only in case before it runs, then it succeeds, renames the later ones and refuses new duplicates', async () => {
    database = await createScratchDatabase(inject('adminDatabaseUrl'), 'accounts');
    before = await migrationsBeforeAccounts();
    await applyMigrations({ databaseUrl: database.url, migrationsDir: before });

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      for (const username of ['alice', 'Alice', 'ÄRGER', 'ärger', 'ALICE', 'bob']) {
        await client.query(
          `INSERT INTO users (email, username, password_hash, updated_at)
           VALUES ($1, $2, 'x', now())`,
          [`${Buffer.from(username).toString('hex')}@example.com`, username],
        );
      }
      await applyMigrations({ databaseUrl: database.url });

      const { rows } = await client.query<{ id: number; username: string }>(
        'SELECT id, username FROM users ORDER BY id',
      );
      expect(rows.map((row) => row.username)).toEqual([
        'alice',
        `Alice-${rows[1]!.id}`,
        'ÄRGER',
        `ärger-${rows[3]!.id}`,
        `ALICE-${rows[4]!.id}`,
        'bob',
      ]);
      await expect(
        client.query(
          `INSERT INTO users (email, username, password_hash, updated_at)
           VALUES ('bob2@example.com', 'BOB', 'x', now())`,
        ),
      ).rejects.toMatchObject({ code: '23505' });
    } finally {
      await client.end();
    }
  });
});
