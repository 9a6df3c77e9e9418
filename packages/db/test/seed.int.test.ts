import { createScratchDatabase, type ScratchDatabase } from '@headroom/testing/scratch-database';
import { verify } from '@node-rs/argon2';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { COUNTER_DRIFT_SQL } from '../src/counters.ts';
import { applyMigrations } from '../src/migrate.ts';
import {
  DEMO_PASSWORD,
  SEED_PHASES,
  type SeedOptions,
  type SeedProgress,
  seedDatabase,
} from '../src/seed.ts';

const small: Partial<SeedOptions> = {
  users: 40,
  articles: 120,
  tags: 15,
  followsPerUser: 5,
  favoritesPerArticle: 3,
  commentsPerArticle: 2,
  seed: 7,
  now: new Date('2026-01-01T00:00:00Z'),
};

const TABLES = ['users', 'tags', 'articles', 'article_tags', 'follows', 'favorites', 'comments'];

describe('seedDatabase', () => {
  let database: ScratchDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createScratchDatabase(inject('adminDatabaseUrl'), 'seed');
    await applyMigrations({ databaseUrl: database.url });
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  async function count(table: string): Promise<number> {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`);
    return rows[0]!.n;
  }

  /**
   * One hash per table over every row, in a stable order: equal only if the data is. Password
   * hashes are left out: argon2 salts each one randomly.
   */
  async function fingerprint(): Promise<Record<string, string>> {
    const hashes: Record<string, string> = {};
    for (const table of TABLES) {
      const { rows } = await client.query<{ md5: string }>(
        `SELECT md5(coalesce(string_agg(row, '|' ORDER BY row), '')) AS md5
         FROM (SELECT (to_jsonb(t) - 'password_hash')::text AS row FROM "${table}" t) rows`,
      );
      hashes[table] = rows[0]!.md5;
    }
    return hashes;
  }

  it('when seeded with small counts, then the tables hold what was asked for and report it', async () => {
    const result = await seedDatabase({ databaseUrl: database.url, options: small, reset: true });

    expect(result.skipped).toBe(false);
    if (result.skipped) return;
    expect(result.counts).toMatchObject({ users: 40, articles: 120, tags: 15 });
    for (const table of TABLES) {
      expect(await count(table), table).toBe(result.counts[table as keyof typeof result.counts]);
    }
    for (const table of ['follows', 'favorites', 'comments']) {
      expect(await count(table), table).toBeGreaterThan(0);
    }
    const { rows: tagsPerArticle } = await client.query<{ min: number; max: number }>(
      `SELECT min(n)::int AS min, max(n)::int AS max
       FROM (SELECT count(*) AS n FROM article_tags GROUP BY article_id) per_article`,
    );
    expect(tagsPerArticle[0]!.min).toBeGreaterThanOrEqual(1);
    expect(tagsPerArticle[0]!.max).toBeLessThanOrEqual(5);
    const { rows: timeTravel } = await client.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM articles WHERE updated_at < created_at)
            + (SELECT count(*) FROM comments WHERE updated_at < created_at)
            + (SELECT count(*) FROM users WHERE updated_at < created_at) AS n`,
    );
    expect(Number(timeTravel[0]!.n)).toBe(0);
  });

  it('when seeded, then every user logs in with the demo password and new rows get fresh ids', async () => {
    await seedDatabase({ databaseUrl: database.url, options: small, reset: true });

    const { rows } = await client.query<{ password_hash: string }>(
      'SELECT DISTINCT password_hash FROM users',
    );
    expect(rows).toHaveLength(1);
    expect(await verify(rows[0]!.password_hash, DEMO_PASSWORD)).toBe(true);
    const inserted = await client.query<{ id: number }>(
      `INSERT INTO users (email, username, password_hash, updated_at)
       VALUES ('new@example.com', 'newcomer', 'x', now()) RETURNING id`,
    );
    expect(inserted.rows[0]!.id).toBe(41);
  });

  it('when seeded twice with the same seed, then the rows are identical; another seed differs', async () => {
    await seedDatabase({ databaseUrl: database.url, options: small, reset: true });
    const first = await fingerprint();
    await seedDatabase({ databaseUrl: database.url, options: small, reset: true });
    const second = await fingerprint();
    await seedDatabase({ databaseUrl: database.url, options: { ...small, seed: 8 }, reset: true });
    const other = await fingerprint();

    expect(second).toEqual(first);
    expect(other.users).not.toBe(first.users);
    expect(other.articles).not.toBe(first.articles);
  });

  it('when reset, then rows of every table go, not only seeded ones: events, emails, notifications', async () => {
    await seedDatabase({ databaseUrl: database.url, options: small, reset: true });
    await client.query(
      `INSERT INTO outbox_events (id, type, payload) VALUES (gen_random_uuid(), 'user.registered', '{"userId": 1}')`,
    );
    await client.query(`INSERT INTO email_deliveries (key) VALUES ('welcome-41')`);
    await client.query(
      `INSERT INTO notifications (user_id, article_id, actor_id, kind) VALUES (1, 1, 2, 'article.published')`,
    );
    await client.query(
      `INSERT INTO trending_tags (tag_id, rank, score, computed_at) VALUES (1, 1, 1, now())`,
    );

    await seedDatabase({ databaseUrl: database.url, options: small, reset: true });

    for (const table of ['outbox_events', 'email_deliveries', 'notifications', 'trending_tags']) {
      expect(await count(table), table).toBe(0);
    }
  });

  it('when the database already has users, then ifEmpty skips and a plain seed refuses', async () => {
    await seedDatabase({ databaseUrl: database.url, options: small, reset: true });

    const skipped = await seedDatabase({
      databaseUrl: database.url,
      options: small,
      ifEmpty: true,
    });
    expect(skipped.skipped).toBe(true);
    await expect(seedDatabase({ databaseUrl: database.url, options: small })).rejects.toThrow(
      /already has 40 users/,
    );
    expect(await count('users')).toBe(40);
  });

  it('when seeded, then every counter equals a recount of the rows', async () => {
    await seedDatabase({ databaseUrl: database.url, options: small, reset: true });

    const { rows } = await client.query<{ counter: string; wrong: number }>(COUNTER_DRIFT_SQL);
    expect(rows.map((row) => [row.counter, row.wrong]).sort()).toEqual([
      ['articles.favorites_count', 0],
      ['counters.articles', 0],
      ['tags.articles_count', 0],
      ['users.articles_count', 0],
      ['users.favorites_count', 0],
    ]);
    const { rows: sums } = await client.query<{ favorites: number; articles: number }>(
      `SELECT (SELECT sum(favorites_count)::int FROM articles) AS favorites,
              (SELECT value::int FROM counters WHERE name = 'articles') AS articles`,
    );
    expect(sums[0]).toEqual({ favorites: await count('favorites'), articles: 120 });
  });

  it('when seeded, then progress goes through every phase in order and ends each with done = total', async () => {
    const progress: SeedProgress[] = [];
    const result = await seedDatabase({
      databaseUrl: database.url,
      options: small,
      reset: true,
      onProgress: (update) => progress.push(update),
    });

    const phases = [...new Set(progress.map((update) => update.phase))];
    expect(phases).toEqual([...SEED_PHASES]);
    for (const phase of SEED_PHASES) {
      const updates = progress.filter((update) => update.phase === phase);
      expect(updates[0]!.done, phase).toBe(0);
      expect(updates.at(-1)!.done, phase).toBe(updates.at(-1)!.total);
      const done = updates.map((update) => update.done);
      expect(done, phase).toEqual([...done].sort((a, b) => a - b));
    }
    const articles = progress.filter((update) => update.phase === 'articles').at(-1)!;
    expect(articles).toMatchObject({ unit: 'articles', done: 120, total: 120 });
    expect(articles.rows).toMatchObject({ articles: 120, favorites: await count('favorites') });
    expect(result.skipped).toBe(false);
    if (!result.skipped) expect(Object.keys(result.phaseMs)).toEqual([...SEED_PHASES]);
  });

  it("when the seed may not turn triggers off for its session (no superuser), then it disables the tables' triggers instead and re-enables them", async () => {
    const owner = `headroom_seed_owner_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
    await admin.connect();
    await admin.query(`CREATE ROLE ${owner} LOGIN PASSWORD 'owner' CREATEDB`);
    const ownerAdminUrl = new URL(inject('adminDatabaseUrl'));
    ownerAdminUrl.username = owner;
    ownerAdminUrl.password = 'owner';
    const owned = await createScratchDatabase(ownerAdminUrl.href, 'seed_owner');
    try {
      await applyMigrations({ databaseUrl: owned.url });
      await seedDatabase({ databaseUrl: owned.url, options: small, reset: true });

      const ownedClient = new pg.Client({ connectionString: owned.url });
      await ownedClient.connect();
      try {
        const { rows } = await ownedClient.query<{ wrong: number }>(COUNTER_DRIFT_SQL);
        expect(rows.every((row) => row.wrong === 0)).toBe(true);
        const { rows: disabled } = await ownedClient.query<{ tgname: string }>(
          `SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'`,
        );
        expect(disabled).toEqual([]);
      } finally {
        await ownedClient.end();
      }
    } finally {
      await owned.drop();
      await admin.query(`DROP ROLE ${owner}`);
      await admin.end();
    }
  });
});
