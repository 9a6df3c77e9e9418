// The hot read paths over the default seeded data set (1,000 users, 20,000 articles, ...):
// every SQL statement the API sends for them is EXPLAINed, and a sequential scan of a large
// table fails the test. A missing index shows up here, not in production at the first spike.

import { createPassThroughCache } from '@headroom/cache/versioned-cache';
import { createPrismaClient, type Prisma, type PrismaClient } from '@headroom/db/client';
import { applyMigrations } from '@headroom/db/migrate';
import { createReadRouting } from '@headroom/db/read-routing';
import { seedDatabase } from '@headroom/db/seed';
import { createScratchDatabase, type ScratchDatabase } from '@headroom/testing/scratch-database';
import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createServices } from '../src/services.ts';

/** Tables above this many rows must be reached through an index on the hot paths. */
const LARGE_TABLE_ROWS = 10_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

let scratch: ScratchDatabase;
let db: PrismaClient;
let explainer: pg.Client;
let largeTables: Set<string>;
const captured: Prisma.QueryEvent[] = [];

beforeAll(async () => {
  scratch = await createScratchDatabase(inject('adminDatabaseUrl'), 'plans');
  await applyMigrations({ databaseUrl: scratch.url });
  await seedDatabase({ databaseUrl: scratch.url });
  db = createPrismaClient({
    databaseUrl: scratch.url,
    maxConnections: 4,
    onQuery: (event) => captured.push(event),
  });
  explainer = new pg.Client({ connectionString: scratch.url });
  await explainer.connect();
  const sizes = await explainer.query<{ relname: string }>(
    `SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND reltuples > $1`,
    [LARGE_TABLE_ROWS],
  );
  largeTables = new Set(sizes.rows.map((row) => row.relname));
}, 120_000);

afterAll(async () => {
  await explainer?.end();
  await db?.$disconnect();
  await scratch?.drop();
});

async function one<Row extends pg.QueryResultRow>(sql: string): Promise<Row> {
  const result = await explainer.query<Row>(sql);
  if (!result.rows[0]) throw new Error(`no row for: ${sql}`);
  return result.rows[0];
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

/** Runs `action`, then EXPLAINs each statement it sent and returns a line per plan node of interest. */
async function plansOf(action: () => Promise<unknown>) {
  captured.length = 0;
  await action();
  const statements = captured.splice(0);
  expect(statements.length).toBeGreaterThan(0);
  const report = [];
  for (const statement of statements) {
    const params = JSON.parse(statement.params) as unknown[];
    const result = await explainer.query(`EXPLAIN (FORMAT JSON) ${statement.query}`, params);
    const nodes = flatten(result.rows[0]['QUERY PLAN'][0].Plan as PlanNode);
    report.push({
      query: statement.query.slice(0, 120),
      scans: nodes
        .filter((node) => node['Relation Name'])
        .map(
          (node) =>
            `${node['Node Type']} on ${node['Relation Name']}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}`,
        ),
      seqScansOfLargeTables: nodes
        .filter(
          (node) =>
            node['Node Type'] === 'Seq Scan' && largeTables.has(node['Relation Name'] ?? ''),
        )
        .map((node) => node['Relation Name']),
    });
  }
  return report;
}

describe('query plans of the hot read paths over the seeded data set', () => {
  it('the seeded data set has large tables to protect', () => {
    expect([...largeTables].sort()).toEqual(
      expect.arrayContaining(['articles', 'article_tags', 'comments', 'favorites', 'follows']),
    );
  });

  const scenarios: [string, () => Promise<() => Promise<unknown>>][] = [
    [
      'list by tag (the most used tag)',
      async () => {
        const { name } = await one<{ name: string }>(
          `SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id GROUP BY t.name ORDER BY count(*) DESC LIMIT 1`,
        );
        const viewer = await one<{ id: number }>('SELECT id FROM users ORDER BY id LIMIT 1');
        return () => articles().list({ tag: name }, viewer.id);
      },
    ],
    [
      'list by author (the most prolific)',
      async () => {
        const { username } = await one<{ username: string }>(
          `SELECT u.username FROM users u JOIN articles a ON a.author_id = u.id GROUP BY u.username ORDER BY count(*) DESC LIMIT 1`,
        );
        return () => articles().list({ author: username }, undefined);
      },
    ],
    [
      'list by favorited (the keenest reader)',
      async () => {
        const { username } = await one<{ username: string }>(
          `SELECT u.username FROM users u JOIN favorites f ON f.user_id = u.id GROUP BY u.username ORDER BY count(*) DESC LIMIT 1`,
        );
        return () => articles().list({ favorited: username, offset: 20 }, undefined);
      },
    ],
    [
      // The 90th percentile reader. The seed's top reader follows half of all users, so their
      // feed spans most articles and counting it by a scan is the right plan (docs/database.md).
      'feed (a reader who follows more than 90% of readers do)',
      async () => {
        const { id } = await one<{ id: number }>(
          `SELECT follower_id AS id FROM (SELECT follower_id, count(*) AS n FROM follows GROUP BY follower_id) per_reader
           ORDER BY n DESC OFFSET (SELECT count(DISTINCT follower_id) / 10 FROM follows) LIMIT 1`,
        );
        return () => articles().feed({}, id);
      },
    ],
    [
      'comments of an article (the most discussed)',
      async () => {
        const { slug } = await one<{ slug: string }>(
          `SELECT a.slug FROM articles a JOIN comments c ON c.article_id = a.id GROUP BY a.slug ORDER BY count(*) DESC LIMIT 1`,
        );
        const viewer = await one<{ id: number }>('SELECT id FROM users ORDER BY id DESC LIMIT 1');
        return () => comments().list(slug, viewer.id);
      },
    ],
    [
      'article by slug (the most favorited)',
      async () => {
        const { slug } = await one<{ slug: string }>(
          `SELECT a.slug FROM articles a JOIN favorites f ON f.article_id = a.id GROUP BY a.slug ORDER BY count(*) DESC LIMIT 1`,
        );
        const viewer = await one<{ id: number }>('SELECT id FROM users ORDER BY id LIMIT 1');
        return () => articles().get(slug, viewer.id);
      },
    ],
  ];

  it.each(scenarios)('%s: no sequential scan of a large table', async (name, prepare) => {
    const action = await prepare();
    const report = await plansOf(action);
    console.log(
      `${name}\n${report.map((entry) => `  ${entry.query}\n    ${entry.scans.join('\n    ')}`).join('\n')}`,
    );
    expect(report.flatMap((entry) => entry.seqScansOfLargeTables)).toEqual([]);
  });
});

/** The services as the API wires them, with no cache: every read reaches Postgres. */
function services() {
  return createServices({
    db,
    reads: createReadRouting({
      primary: db,
      replicas: [],
      maxLagMs: 2_000,
      statusIntervalMs: 500,
      registry: new Registry(),
    }),
    cache: createPassThroughCache(),
    // Read-only use: no write wakes the relay.
    relay: { wake: () => {} },
    log: pino({ level: 'silent' }),
  });
}

function articles() {
  return services().articles;
}

function comments() {
  return services().comments;
}
