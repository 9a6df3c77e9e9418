// `npx tsx load-tests/capacity/explain-endpoint.ts [samples=40]`: Postgres' side of the browse
// mix's list endpoints ("home" and "tag page"): calls the API's own articles service against
// the stack's database the way the mix does (popular tags picked with the mix's skew), captures
// every SQL statement Prisma sends, and runs each again under EXPLAIN (ANALYZE, TIMING OFF) for
// the server's planning and execution time. Printed per statement, averaged over the samples,
// next to Prisma's own measure of each statement (client side: round trip included).
// Read-only. Needs the native stack (npm run stack:up). docs/capacity.md quotes the result.
import { createPassThroughCache } from '@headroom/cache/versioned-cache';
import { createPrismaClient, type Prisma } from '@headroom/db/client';
import { createReadRouting } from '@headroom/db/read-routing';
import { nativeServiceUrls } from '@headroom/testing/native-services';
import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createServices } from '../../apps/api/src/services.ts';
import { parsePositionalNumbers } from '../cli.ts';
import { HOME_OFFSETS, pick, pickPopular } from '../scenarios.ts';

const DEFAULT_SAMPLES = 40;
const USAGE = `usage: npx tsx load-tests/capacity/explain-endpoint.ts [samples=${DEFAULT_SAMPLES}]

  samples  requests per endpoint, each of whose statements is explained`;

const [samples] = parsePositionalNumbers(USAGE, [
  { name: 'samples', fallback: String(DEFAULT_SAMPLES), integer: true },
]);
const { DATABASE_URL: databaseUrl } = nativeServiceUrls('stack');

const captured: Prisma.QueryEvent[] = [];
const db = createPrismaClient({
  databaseUrl,
  maxConnections: 4,
  onQuery: (event) => captured.push(event),
});
// The API's services with no application cache: every statement a cache miss sends.
const { articles, tags: tagsService } = createServices({
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
const explainer = new pg.Client({ connectionString: databaseUrl });
await explainer.connect();

// The mix's tag order is the API's (GET /api/tags): trending first, then by name. Read before
// measuring, so its statement is not among those explained.
const tags = await tagsService.list();

interface Totals {
  count: number;
  clientMs: number;
  planningMs: number;
  executionMs: number;
}

async function measure(name: string, call: () => Promise<unknown>) {
  const byStatement = new Map<string, Totals>();
  let wallMs = 0;
  // One call untimed first: Prisma compiles each query shape once and caches the plan.
  await call();
  captured.length = 0;
  for (let sample = 0; sample < samples; sample++) {
    const started = performance.now();
    await call();
    wallMs += performance.now() - started;
    for (const statement of captured.splice(0)) {
      const explained = await explainer.query(
        `EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${statement.query}`,
        JSON.parse(statement.params) as unknown[],
      );
      const plan = explained.rows[0]['QUERY PLAN'][0] as {
        'Planning Time': number;
        'Execution Time': number;
      };
      const shape = statement.query
        .replace(/\s+/g, ' ')
        .replace(/"public"\./g, '')
        .slice(0, 90);
      const totals = byStatement.get(shape) ?? {
        count: 0,
        clientMs: 0,
        planningMs: 0,
        executionMs: 0,
      };
      totals.count++;
      totals.clientMs += statement.duration;
      totals.planningMs += plan['Planning Time'];
      totals.executionMs += plan['Execution Time'];
      byStatement.set(shape, totals);
    }
  }
  const perRequest = (value: number) => (value / samples).toFixed(2);
  let planning = 0;
  let execution = 0;
  let client = 0;
  console.log(`\n### ${name}: ${samples} requests, mean per request\n`);
  console.log('| statement | per request | Prisma ms (client) | planning ms | execution ms |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [shape, totals] of byStatement) {
    planning += totals.planningMs;
    execution += totals.executionMs;
    client += totals.clientMs;
    console.log(
      `| \`${shape}\` | ${perRequest(totals.count)} | ${perRequest(totals.clientMs)} | ${perRequest(totals.planningMs)} | ${perRequest(totals.executionMs)} |`,
    );
  }
  console.log(
    `| **all statements** | | **${perRequest(client)}** | **${perRequest(planning)}** | **${perRequest(execution)}** |`,
  );
  console.log(
    `\nservice call, wall time: ${perRequest(wallMs)} ms per request (statements run partly in parallel)`,
  );
}

try {
  await measure('tag page: list({ tag, limit: 10 })', () =>
    articles.list({ tag: pickPopular(tags, Math.random), limit: 10, offset: 0 }, undefined),
  );
  await measure('home: list({ limit: 10, offset })', () =>
    articles.list({ limit: 10, offset: pick(HOME_OFFSETS, Math.random) }, undefined),
  );
} finally {
  await explainer.end();
  await db.$disconnect();
}
