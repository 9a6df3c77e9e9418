// Fills a migrated database with the data set from seed-dataset.ts, for demos and load tests.
// Batches stream from the generator and go in one round trip each (INSERT ... SELECT FROM
// unnest, one per table, as data-modifying CTEs) while the next batch is generated, all in one
// transaction with the counters' triggers off and secondary indexes rebuilt after the load:
// the default 1,000 users and 20,000 articles take seconds, a million articles minutes.
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import { LONG_RUNNING_SESSION_OPTIONS } from './long-running-sessions.ts';
import type { Dataset, SeedOptions } from './seed-dataset.ts';
import { DATASET_PHASES, generateDataset } from './seed-dataset.ts';
import type { SeedProgress } from './seed-progress.ts';

export type { SeedOptions } from './seed-dataset.ts';
export type { SeedProgress } from './seed-progress.ts';

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

/**
 * Users or articles per batch, one round trip each. A batch of articles with their tags,
 * favorites and comments is ~1.5 MB: it fits the socket's send buffer, so Postgres reads it
 * while the next one is generated (docs/database.md#seed has the measurements).
 */
const BATCH_SIZE = 1_000;

/**
 * maintenance_work_mem for rebuilding the indexes after the load: the largest (favorites, 5
 * million rows at a million articles) sorts in memory instead of in temporary files.
 */
const INDEX_BUILD_MEMORY = '256MB';

/** The api's argon2id cost (OWASP's minimum); `verify` reads the cost from the hash anyway. */
const DEMO_PASSWORD_HASH_OPTIONS = {
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

type SqlType = 'int4' | 'text' | 'timestamptz';

/** Times travel as epoch milliseconds: cheaper to send and to parse than ISO strings. */
const ARRAY_TYPES: Record<SqlType, string> = {
  int4: 'int4[]',
  text: 'text[]',
  timestamptz: 'float8[]',
};
const SELECTED_AS: Record<SqlType, (column: string) => string> = {
  int4: (column) => column,
  text: (column) => column,
  timestamptz: (column) => `to_timestamp(${column} / 1000)`,
};

const COLUMN_TYPES: { [Table in keyof Dataset]: Record<keyof Dataset[Table][number], SqlType> } = {
  users: {
    id: 'int4',
    email: 'text',
    username: 'text',
    password_hash: 'text',
    bio: 'text',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
    email_verified_at: 'timestamptz',
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
    favorites_count: 'int4',
  },
  article_tags: { article_id: 'int4', tag_id: 'int4', created_at: 'timestamptz' },
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
const SEEDED_TABLES = Object.keys(COLUMN_TYPES) as (keyof Dataset)[];

/** Tables whose ids the seed sets itself; their sequences must continue after the last one. */
const SERIAL_TABLES = ['users', 'tags', 'articles', 'comments'] as const;

export const SEED_PHASES = [...DATASET_PHASES, 'counters', 'indexes', 'vacuum'] as const;
export type SeedPhase = (typeof SEED_PHASES)[number];

export type SeedCounts = { [Table in keyof Dataset]: number };

export type SeedResult =
  | { skipped: true; reason: string }
  | {
      skipped: false;
      counts: SeedCounts;
      elapsedMs: number;
      /** Wall time per phase; they add up to elapsedMs less the set-up (reset, password hash). */
      phaseMs: Record<SeedPhase, number>;
    };

export async function seedDatabase({
  databaseUrl,
  options = {},
  reset = false,
  ifEmpty = false,
  onProgress = () => {},
}: {
  databaseUrl: string;
  options?: Partial<SeedOptions>;
  /** Empty every table first, ids restarting (TRUNCATE ... RESTART IDENTITY). */
  reset?: boolean;
  /** Do nothing when the database already has users, instead of failing. */
  ifEmpty?: boolean;
  /** Called as each phase starts, after each batch, and as each phase ends (done = total). */
  onProgress?: (progress: SeedProgress) => void;
}): Promise<SeedResult> {
  const started = performance.now();
  const settings: SeedOptions = { ...DEFAULT_SEED_OPTIONS, now: new Date(), ...options };
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: 'headroom-seed',
    // A million-article load and its index builds run for minutes, past the role's timeouts.
    options: LONG_RUNNING_SESSION_OPTIONS,
  });
  await client.connect();
  try {
    // VACUUM below can only mark pages all-visible once the load's commit record is flushed;
    // with synchronous_commit off (the test profile) it would silently leave them unmarked.
    await client.query('SET synchronous_commit = on');
    const triggersOffForSession = await turnOffTriggersForSession(client);
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
    if (!triggersOffForSession) await setUserTriggers(client, 'DISABLE');
    const indexes = await dropIndexesForLoad(client);

    const phases = createPhaseTimer(onProgress);
    const passwordHash = await hash(DEMO_PASSWORD, DEMO_PASSWORD_HASH_OPTIONS);
    const tally = createCounterTally(settings);
    const counts = await loadDataset(client, settings, passwordHash, phases, tally);

    // Before the indexes: the users' rows are rewritten with no secondary index to maintain.
    const counterStatements = tally.statements();
    phases.start('counters', 'statements', counterStatements.length);
    for (const [written, statement] of counterStatements.entries()) {
      await client.query(statement.sql, statement.values);
      phases.advance(written + 1);
    }

    phases.start('indexes', 'indexes', indexes.length);
    await client.query(`SET LOCAL maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`);
    for (const [built, index] of indexes.entries()) {
      await client.query(index.rebuild);
      phases.advance(built + 1);
    }
    for (const table of SERIAL_TABLES) {
      await client.query(
        `SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST((SELECT max(id) FROM "${table}"), 1), (SELECT count(*) > 0 FROM "${table}"))`,
      );
    }
    if (!triggersOffForSession) await setUserTriggers(client, 'ENABLE');
    await client.query('COMMIT');

    // Fresh statistics, so the first queries after a seed get the plans they will have later.
    // VACUUM as well as ANALYZE: a bulk load leaves the visibility map empty, which rules out
    // index-only scans (counts by author, tag, follower) until autovacuum gets round to it.
    const tables = await everyTable(client);
    phases.start('vacuum', 'tables', tables.length);
    for (const [vacuumed, table] of tables.entries()) {
      await client.query(`VACUUM ANALYZE ${table}`);
      phases.advance(vacuumed + 1);
    }
    return {
      skipped: false,
      counts,
      elapsedMs: Math.round(performance.now() - started),
      phaseMs: phases.finish(),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Streams the generator's batches into the tables. Batch N is queued on the connection before
 * batch N+1 is generated, so Postgres writes one while Node computes the next (two cores busy);
 * at most two batches are in memory.
 */
async function loadDataset(
  client: pg.Client,
  settings: SeedOptions,
  passwordHash: string,
  phases: PhaseTimer,
  tally: CounterTally,
): Promise<SeedCounts> {
  const counts = Object.fromEntries(SEEDED_TABLES.map((table) => [table, 0])) as SeedCounts;
  const plan = {
    users: { unit: 'users', total: settings.users },
    follows: { unit: 'users', total: settings.users },
    articles: { unit: 'articles', total: settings.articles },
  };
  let phaseRows: Partial<SeedCounts> = {};
  /** Starts `phase`, and goes on past phases with nothing to generate (no articles asked). */
  const startFrom = (phase: (typeof DATASET_PHASES)[number] | undefined) => {
    for (let next = phase; next; next = DATASET_PHASES[DATASET_PHASES.indexOf(next) + 1]) {
      phases.start(next, plan[next].unit, plan[next].total);
      phaseRows = {};
      if (plan[next].total > 0) return;
    }
  };

  startFrom('users');
  let previous: Promise<void> = Promise.resolve();
  for (const batch of generateDataset(settings, passwordHash, BATCH_SIZE)) {
    tally.add(batch.rows);
    const written = insertBatch(client, batch.rows).then(() => {
      for (const [table, rows] of Object.entries(batch.rows) as [keyof Dataset, unknown[]][]) {
        counts[table] += rows.length;
        phaseRows[table] = (phaseRows[table] ?? 0) + rows.length;
      }
      phases.advance(batch.done, phaseRows);
      if (batch.done === batch.total && batch.total > 0) {
        startFrom(DATASET_PHASES[DATASET_PHASES.indexOf(batch.phase) + 1]);
      }
    });
    // Awaited below; a failure must not surface as an unhandled rejection meanwhile.
    written.catch(() => {});
    await previous;
    previous = written;
  }
  await previous;
  return counts;
}

/** One statement for every table in the batch: a single round trip. */
function insertBatch(client: pg.Client, rows: Partial<Dataset>): Promise<unknown> {
  const inserts: string[] = [];
  const values: unknown[][] = [];
  for (const table of SEEDED_TABLES) {
    const tableRows: Record<string, unknown>[] | undefined = rows[table];
    if (!tableRows || tableRows.length === 0) continue;
    const types: Record<string, SqlType> = COLUMN_TYPES[table];
    const columns = Object.keys(types);
    const arrays = columns.map((column) => {
      values.push(tableRows.map((row) => row[column]));
      return `$${values.length}::${ARRAY_TYPES[types[column]!]}`;
    });
    const selected = columns.map((column) => SELECTED_AS[types[column]!](`"${column}"`));
    inserts.push(`"insert_${table}" AS (
      INSERT INTO "${table}" (${columns.map((column) => `"${column}"`).join(', ')})
      SELECT ${selected.join(', ')} FROM unnest(${arrays.join(', ')}) AS batch (${columns.map((column) => `"${column}"`).join(', ')}))`);
  }
  if (inserts.length === 0) return Promise.resolve();
  return client.query(`WITH ${inserts.join(',\n')} SELECT 1`, values);
}

type CounterTally = ReturnType<typeof createCounterTally>;

/**
 * The counters the triggers would have kept, tallied from the rows as they go out, then
 * written in one statement per table. Recounting them from the tables instead (counters.ts)
 * scans every article and favorite: 10 s at a million articles, against 1 s for this.
 * articles.favorites_count needs no statement: each article carries its own.
 */
function createCounterTally(settings: SeedOptions) {
  const articlesByUser = new Int32Array(settings.users + 1);
  const favoritesByUser = new Int32Array(settings.users + 1);
  const articlesByTag = new Int32Array(settings.tags + 1);
  let articles = 0;
  const nonZero = (...columns: Int32Array[]) => {
    const ids: number[] = [];
    for (let id = 1; id < columns[0]!.length; id++) {
      if (columns.some((column) => column[id] !== 0)) ids.push(id);
    }
    return [ids, ...columns.map((column) => ids.map((id) => column[id]))];
  };
  return {
    add(rows: Partial<Dataset>): void {
      for (const article of rows.articles ?? []) articlesByUser[article.author_id]!++;
      for (const favorite of rows.favorites ?? []) favoritesByUser[favorite.user_id]!++;
      for (const link of rows.article_tags ?? []) articlesByTag[link.tag_id]!++;
      articles += rows.articles?.length ?? 0;
    },
    statements(): { sql: string; values: unknown[] }[] {
      return [
        {
          sql: `UPDATE "users" SET "articles_count" = tally."articles", "favorites_count" = tally."favorites"
            FROM unnest($1::int4[], $2::int4[], $3::int4[]) AS tally ("id", "articles", "favorites")
            WHERE "users"."id" = tally."id"`,
          values: nonZero(articlesByUser, favoritesByUser),
        },
        {
          sql: `UPDATE "tags" SET "articles_count" = tally."articles"
            FROM unnest($1::int4[], $2::int4[]) AS tally ("id", "articles")
            WHERE "tags"."id" = tally."id"`,
          values: nonZero(articlesByTag),
        },
        {
          // The reset emptied the counters table with the rest.
          sql: `INSERT INTO "counters" ("name", "value") VALUES ('articles', $1)
            ON CONFLICT ("name") DO UPDATE SET "value" = excluded."value"`,
          values: [articles],
        },
      ];
    },
  };
}

type PhaseTimer = ReturnType<typeof createPhaseTimer>;

/** Reports progress and times each phase from its start to the next one's. */
function createPhaseTimer(onProgress: (progress: SeedProgress) => void) {
  const phaseMs = Object.fromEntries(SEED_PHASES.map((phase) => [phase, 0])) as Record<
    SeedPhase,
    number
  >;
  let current: { phase: SeedPhase; unit: string; total: number; startedAt: number } | undefined;
  const end = () => {
    if (current) phaseMs[current.phase] = Math.round(performance.now() - current.startedAt);
  };
  return {
    start(phase: SeedPhase, unit: string, total: number): void {
      end();
      current = { phase, unit, total, startedAt: performance.now() };
      onProgress({ phase, unit, done: 0, total });
    },
    advance(done: number, rows?: Readonly<Record<string, number>>): void {
      if (!current) return;
      onProgress({ phase: current.phase, unit: current.unit, done, total: current.total, rows });
    },
    finish(): Record<SeedPhase, number> {
      end();
      return phaseMs;
    },
  };
}

/**
 * The counters' triggers must not fire during the load: the seed writes articles' counts with
 * the rows and recomputes the others once at the end. `session_replication_role = replica`
 * turns off every trigger of this session only, foreign-key checks included (the generator's
 * ids are consistent by construction), which makes the load much faster. It needs a superuser
 * (the native and compose stacks' user is one); without one, the seed disables the tables'
 * own triggers in its transaction instead and keeps the foreign-key checks.
 */
async function turnOffTriggersForSession(client: pg.Client): Promise<boolean> {
  try {
    await client.query('SET session_replication_role = replica');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '42501') return false; // insufficient_privilege
    throw error;
  }
}

/** ALTER TABLE ... DISABLE/ENABLE TRIGGER USER: transactional, undone by a rollback. */
async function setUserTriggers(client: pg.Client, action: 'DISABLE' | 'ENABLE'): Promise<void> {
  for (const table of SEEDED_TABLES) {
    await client.query(`ALTER TABLE "${table}" ${action} TRIGGER USER`);
  }
}

/**
 * Every index of the seeded tables that no foreign key needs, unique ones and primary keys
 * included, is dropped for the load and rebuilt after it, in this transaction (a failed seed
 * rolls back with its indexes). Sorting once builds an index several times faster than
 * millions of inserts in random key order (favorites' primary key alone: 3 s per 100,000
 * articles), and the rebuild checks uniqueness all the same. The primary keys that foreign
 * keys reference stay: their ids arrive in order, which costs little.
 */
async function dropIndexesForLoad(client: pg.Client) {
  const { rows } = await client.query<{ drop: string; rebuild: string }>(
    `SELECT format('DROP INDEX %I', index_class.relname) AS drop,
            pg_get_indexdef(i.indexrelid) AS rebuild
     FROM pg_index i
     JOIN pg_class index_class ON index_class.oid = i.indexrelid
     JOIN pg_class table_class ON table_class.oid = i.indrelid
     WHERE table_class.relnamespace = current_schema()::regnamespace
       AND table_class.relname = ANY($1)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
     UNION ALL
     SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', table_class.relname, c.conname),
            format('ALTER TABLE %I ADD CONSTRAINT %I %s', table_class.relname, c.conname,
                   pg_get_constraintdef(c.oid))
     FROM pg_constraint c
     JOIN pg_class table_class ON table_class.oid = c.conrelid
     WHERE table_class.relnamespace = current_schema()::regnamespace
       AND table_class.relname = ANY($1)
       AND c.contype IN ('p', 'u')
       AND NOT EXISTS (
         SELECT 1 FROM pg_constraint fk WHERE fk.contype = 'f' AND fk.conindid = c.conindid)
     ORDER BY 1`,
    [SEEDED_TABLES],
  );
  for (const index of rows) await client.query(index.drop);
  return rows;
}

async function countRows(client: pg.Client, table: keyof Dataset): Promise<number> {
  const { rows } = await client.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM "${table}"`,
  );
  return rows[0]?.count ?? 0;
}

/** Every table the migrations created, quoted; Prisma's migration record excepted. */
async function everyTable(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT format('%I', tablename) AS name FROM pg_tables
     WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'
     ORDER BY tablename`,
  );
  return rows.map((row) => row.name);
}

/**
 * Every table, not only the seeded ones: a pending outbox event or a recorded email delivery
 * (`welcome-1001`) left behind would point at a reused id. Listed from the catalog, so a table
 * added later is emptied too; Prisma's migration record stays.
 */
async function emptyEveryTable(client: pg.Client): Promise<void> {
  const tables = await everyTable(client);
  await client.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`);
}
