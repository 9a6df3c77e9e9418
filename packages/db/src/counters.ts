// The counters the database keeps exact with triggers (prisma/migrations/*_counters): what each
// one counts, the SQL that recomputes it from the rows, and the SQL that finds where a stored
// count and a recount disagree. The seed recomputes with it after a bulk load with triggers
// off; tests and operators check with it (docs/database.md#counts).

/** A count of `source` rows per `table` row, stored in `table.column`. */
type PerRowCounter = {
  name: string;
  table: string;
  column: string;
  source: string;
  /** The column of `source` that points at `table.id`. */
  sourceKey: string;
};

export const PER_ROW_COUNTERS = [
  {
    name: 'articles.favorites_count',
    table: 'articles',
    column: 'favorites_count',
    source: 'favorites',
    sourceKey: 'article_id',
  },
  {
    name: 'users.articles_count',
    table: 'users',
    column: 'articles_count',
    source: 'articles',
    sourceKey: 'author_id',
  },
  {
    name: 'users.favorites_count',
    table: 'users',
    column: 'favorites_count',
    source: 'favorites',
    sourceKey: 'user_id',
  },
  {
    name: 'tags.articles_count',
    table: 'tags',
    column: 'articles_count',
    source: 'article_tags',
    sourceKey: 'tag_id',
  },
] as const satisfies readonly PerRowCounter[];

/** Rows of the `counters` table: a total over a whole table. */
export const TOTAL_COUNTERS = [{ name: 'articles', source: 'articles' }] as const;

export type CounterName =
  | (typeof PER_ROW_COUNTERS)[number]['name']
  | `counters.${(typeof TOTAL_COUNTERS)[number]['name']}`;

/** The recount: `source` rows per parent id, for the parents that have any. */
function grouped({ source, sourceKey }: PerRowCounter): string {
  return `SELECT "${sourceKey}" AS "id", count(*)::int AS "n" FROM "${source}" GROUP BY 1`;
}

/**
 * One statement per counter that sets every stored count to its recount (0 where nothing
 * points at the row), writing only the rows that differ: over exact counts it writes nothing.
 */
export const RECOMPUTE_COUNTERS_SQL: Record<CounterName, string> = Object.fromEntries([
  ...PER_ROW_COUNTERS.map((counter) => [
    counter.name,
    `UPDATE "${counter.table}" target SET "${counter.column}" = coalesce(counted."n", 0)
    FROM "${counter.table}" parent LEFT JOIN (${grouped(counter)}) counted ON counted."id" = parent."id"
    WHERE target."id" = parent."id" AND target."${counter.column}" <> coalesce(counted."n", 0)`,
  ]),
  ...TOTAL_COUNTERS.map(({ name, source }) => [
    `counters.${name}`,
    `INSERT INTO "counters" ("name", "value") SELECT '${name}', count(*) FROM "${source}"
    ON CONFLICT ("name") DO UPDATE SET "value" = excluded."value"
    WHERE "counters"."value" IS DISTINCT FROM excluded."value"`,
  ]),
]) as Record<CounterName, string>;

/**
 * One row per counter: `counter`, and `wrong`, the rows whose stored count differs from a
 * recount (for a total, 1 when it differs or is missing). All zero when every count is exact.
 */
export const COUNTER_DRIFT_SQL = [
  ...PER_ROW_COUNTERS.map(
    (counter) => `SELECT '${counter.name}' AS "counter", count(*)::int AS "wrong"
    FROM "${counter.table}" target LEFT JOIN (${grouped(counter)}) counted ON counted."id" = target."id"
    WHERE target."${counter.column}" <> coalesce(counted."n", 0)`,
  ),
  ...TOTAL_COUNTERS.map(
    ({ name, source }) => `SELECT 'counters.${name}' AS "counter",
    ((SELECT count(*) FROM "${source}")
      IS DISTINCT FROM (SELECT "value" FROM "counters" WHERE "name" = '${name}'))::int AS "wrong"`,
  ),
].join('\nUNION ALL\n');
