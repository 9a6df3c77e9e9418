// Fills a migrated database with the data set from seed-dataset.ts, for demos and load tests.
// Rows go in a few thousand at a time as column arrays (INSERT ... SELECT FROM unnest), in one
// transaction: the default 1,000 users and 20,000 articles take seconds, not minutes.
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import type { Dataset, SeedOptions } from './seed-dataset.ts';
import { generateDataset } from './seed-dataset.ts';

export type { SeedOptions } from './seed-dataset.ts';

/** Every seeded user logs in with this password, e.g. as `<username>@example.com`. */
export const DEMO_PASSWORD = 'password123';

export const DEFAULT_SEED_OPTIONS: Omit<SeedOptions, 'now'> = {
  users: 1_000,
  articles: 20_000,
  tags: 100,
  followsPerUser: 20,
  favoritesPerArticle: 5,
  commentsPerArticle: 3,
  seed: 1,
};

/** Rows per INSERT: big enough to amortise round trips, small enough to keep each under ~10 MB. */
const ROWS_PER_INSERT = 5_000;

/** The api's argon2id cost (OWASP's minimum); `verify` reads the cost from the hash anyway. */
const DEMO_PASSWORD_HASH_OPTIONS = {
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

type SqlType = 'int4' | 'text' | 'timestamptz';

/** Insertion order follows the foreign keys. */
const COLUMN_TYPES: { [Table in keyof Dataset]: Record<keyof Dataset[Table][number], SqlType> } = {
  users: {
    id: 'int4',
    email: 'text',
    username: 'text',
    password_hash: 'text',
    bio: 'text',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
  },
  tags: { id: 'int4', name: 'text' },
  articles: {
    id: 'int4',
    slug: 'text',
    title: 'text',
    description: 'text',
    body: 'text',
    author_id: 'int4',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
  },
  article_tags: { article_id: 'int4', tag_id: 'int4' },
  follows: { follower_id: 'int4', following_id: 'int4', created_at: 'timestamptz' },
  favorites: { user_id: 'int4', article_id: 'int4', created_at: 'timestamptz' },
  comments: {
    id: 'int4',
    body: 'text',
    article_id: 'int4',
    author_id: 'int4',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
  },
};

/** Tables whose ids the seed sets itself; their sequences must continue after the last one. */
const SERIAL_TABLES = ['users', 'tags', 'articles', 'comments'] as const;

export type SeedCounts = { [Table in keyof Dataset]: number };

export type SeedResult =
  | { skipped: true; reason: string }
  | { skipped: false; counts: SeedCounts; elapsedMs: number };

export async function seedDatabase({
  databaseUrl,
  options = {},
  reset = false,
  ifEmpty = false,
}: {
  databaseUrl: string;
  options?: Partial<SeedOptions>;
  /** Empty every table first, ids restarting (TRUNCATE ... RESTART IDENTITY). */
  reset?: boolean;
  /** Do nothing when the database already has users, instead of failing. */
  ifEmpty?: boolean;
}): Promise<SeedResult> {
  const started = performance.now();
  const settings: SeedOptions = { ...DEFAULT_SEED_OPTIONS, now: new Date(), ...options };
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: 'headroom-seed',
  });
  await client.connect();
  try {
    // VACUUM below can only mark pages all-visible once the load's commit record is flushed;
    // with synchronous_commit off (the test profile) it would silently leave them unmarked.
    await client.query('SET synchronous_commit = on');
    await client.query('BEGIN');
    if (reset) await emptyEveryTable(client);
    const existingUsers = await countRows(client, 'users');
    const existingTags = await countRows(client, 'tags');
    if (existingUsers + existingTags > 0) {
      await client.query('ROLLBACK');
      const reason = `the database already has ${existingUsers} users and ${existingTags} tags`;
      if (ifEmpty) return { skipped: true, reason };
      throw new Error(`${reason}; pass reset to replace them, or ifEmpty to skip`);
    }

    const passwordHash = await hash(DEMO_PASSWORD, DEMO_PASSWORD_HASH_OPTIONS);
    const dataset = generateDataset(settings, passwordHash);
    for (const table of Object.keys(COLUMN_TYPES) as (keyof Dataset)[]) {
      await insertRows(client, table, dataset[table]);
    }
    for (const table of SERIAL_TABLES) {
      await client.query(
        `SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST((SELECT max(id) FROM "${table}"), 1), (SELECT count(*) > 0 FROM "${table}"))`,
      );
    }
    await client.query('COMMIT');
    // Fresh statistics, so the first queries after a seed get the plans they will have later.
    // VACUUM as well as ANALYZE: a bulk load leaves the visibility map empty, which rules out
    // index-only scans (counts by author, tag, follower) until autovacuum gets round to it.
    await client.query('VACUUM ANALYZE');

    const counts = Object.fromEntries(
      Object.entries(dataset).map(([table, rows]) => [table, rows.length]),
    ) as SeedCounts;
    return { skipped: false, counts, elapsedMs: Math.round(performance.now() - started) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

async function insertRows<Table extends keyof Dataset>(
  client: pg.Client,
  table: Table,
  rows: Dataset[Table],
): Promise<void> {
  const types: Record<string, SqlType> = COLUMN_TYPES[table];
  const columns = Object.keys(types);
  const arrays = columns.map((column, index) => `$${index + 1}::${types[column]}[]`);
  const sql = `INSERT INTO "${table}" (${columns.map((column) => `"${column}"`).join(', ')})
    SELECT * FROM unnest(${arrays.join(', ')})`;
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk: Record<string, unknown>[] = rows.slice(start, start + ROWS_PER_INSERT);
    await client.query(
      sql,
      columns.map((column) => chunk.map((row) => row[column])),
    );
  }
}

async function countRows(client: pg.Client, table: keyof Dataset): Promise<number> {
  const { rows } = await client.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM "${table}"`,
  );
  return rows[0]?.count ?? 0;
}

/**
 * Every table the migrations created, not only the seeded ones: a pending outbox event or a
 * recorded email delivery (`welcome-1001`) left behind would point at a reused id. Listed from
 * the catalog, so a table added later is emptied too; Prisma's migration record stays.
 */
async function emptyEveryTable(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT format('%I', tablename) AS name FROM pg_tables
     WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'`,
  );
  await client.query(`TRUNCATE ${rows.map((row) => row.name).join(', ')} RESTART IDENTITY CASCADE`);
}
