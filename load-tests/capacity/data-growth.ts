// `npx tsx load-tests/capacity/data-growth.ts measure|compare`: issue 8's "p99 growth, 20k ->
// 1M articles". `measure` loads the list, the tag page, the feed (signed in) and a profile one
// at a time at a fixed rate well under saturation, against whatever data set the stack holds,
// and records its size; `compare` takes the two runs (20k first) and prints the growth against
// the 1.5x bound (growth.ts). The caller reseeds between the runs: load-tests/README.md.
// Entry file: arguments and the environment are read here and nowhere else.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { nativeServiceUrls } from '@headroom/testing/native-services';
import pg from 'pg';
import { numberArgument, parseCommandLine, parseParams, usageError } from '../cli.ts';
import { connectionsFor, DATA_GROWTH_ENDPOINTS } from '../scenarios.ts';
import {
  ENDPOINTS_FORMAT,
  type EndpointSettings,
  type EndpointsResults,
  runEndpoints,
  writeEndpointsResults,
} from './endpoint-runs.ts';
import { compareGrowth, growthMarkdown, P99_GROWTH_LIMIT } from './growth.ts';
import { DEFAULT_STACK_DIR } from './process-cpu.ts';

/**
 * 200 req/s per page: under a tenth of what issue 8 asks of the slowest of the four after its
 * work (the signed-in feed, 3,000 req/s), so the p99 is each page's own work and not a queue,
 * and the same rate on the large data set then shows what the data costs. Before that work it
 * is too much: on commit ea7d577 the tag page sustains 80 to 90 req/s on the default seed
 * (results/before-issue-8), so measure such code with --rate 40. 20 s gives 4,000 responses a
 * page, so the p99 rests on 40 of them; two rounds, and the comparison takes their medians.
 * 10 s of warm-up fills Postgres' buffers and the caches.
 */
/**
 * The profile page reads the first 200 authors of the 500 newest articles on both data sets.
 * Those articles have 215 authors at 20,000 articles and 367 at a million (100,000 users), and
 * with all of them the large run read 70% more distinct profiles, so its edge hit ratio fell
 * from 93% to 81% and its p99 rose with the workload, not the data (1.61x).
 */
const PROFILES = 200;

const DEFAULTS: EndpointSettings = {
  rate: 200,
  connections: connectionsFor(200),
  durationSeconds: 20,
  warmupSeconds: 10,
  repeats: 2,
  users: 50,
  slugs: 500,
  profiles: PROFILES,
};

const USAGE = `usage: npx tsx load-tests/capacity/data-growth.ts measure [options]
       npx tsx load-tests/capacity/data-growth.ts compare SMALL.json LARGE.json

measure: ${DATA_GROWTH_ENDPOINTS.join(', ')}, one at a time, at a fixed rate; records the data
set's size (articlesCount of the unfiltered list; users counted in the stack's database)
  --rate R            requests/s per page (default ${DEFAULTS.rate}); connections one per 4 req/s
  --duration S        measured seconds per page (default ${DEFAULTS.durationSeconds})
  --warmup S          unrecorded seconds before each (default ${DEFAULTS.warmupSeconds})
  --repeats N         rounds over the pages (default ${DEFAULTS.repeats})
  --base-url URL      the target (default http://127.0.0.1:8080, the edge)
  --param NAME=VALUE  a fact about the target: say cache=on or cache=off, and seed=20k or 1m
  --label NAME        added to the results file's name (default data-growth)
  --database-url URL  where to count users (default the native stack's Postgres)
  --wait-quiet        before each page, wait until other processes use under half a core
  --stack-dir DIR     the native stack whose parts' CPU is counted (default this checkout's)
  --out-dir DIR       where results go (default load-tests/results)

compare: the p50, p95 and p99 growth per page from the first run (the default 20,000-article
seed) to the second (1,000,000), against the ${P99_GROWTH_LIMIT}x bound; exit 1 if a page is over it`;

const { values, positionals } = parseCommandLine(USAGE, {
  allowPositionals: true,
  options: {
    rate: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    repeats: { type: 'string' },
    'base-url': { type: 'string', default: 'http://127.0.0.1:8080' },
    param: { type: 'string', multiple: true, default: [] },
    label: { type: 'string', default: 'data-growth' },
    'database-url': { type: 'string' },
    'wait-quiet': { type: 'boolean', default: false },
    'stack-dir': { type: 'string', default: DEFAULT_STACK_DIR },
    'out-dir': { type: 'string' },
  },
});

const [command, ...files] = positionals;
const log = (line: string) => console.log(line);

if (command === 'compare') {
  if (files.length !== 2) usageError(USAGE, 'compare takes two results files, 20k first');
  const [small, large] = await Promise.all(files.map(readEndpointsResults));
  const comparison = compareGrowth(small!, large!);
  log(growthMarkdown(comparison));
  if (comparison.rows.some((row) => !row.withinLimit)) process.exit(1);
} else if (command === 'measure' && files.length === 0) {
  const option = (
    name: 'rate' | 'duration' | 'warmup' | 'repeats',
    fallback: number,
    rule = {},
  ) => {
    const text = values[name];
    return text === undefined ? fallback : numberArgument(USAGE, `--${name}`, text, rule);
  };
  const rate = option('rate', DEFAULTS.rate ?? 0);
  const settings: EndpointSettings = {
    ...DEFAULTS,
    rate,
    connections: connectionsFor(rate),
    durationSeconds: option('duration', DEFAULTS.durationSeconds),
    warmupSeconds: option('warmup', DEFAULTS.warmupSeconds, { allowZero: true }),
    repeats: option('repeats', DEFAULTS.repeats, { integer: true }),
  };
  const results = await runEndpoints({
    label: values.label,
    baseUrl: values['base-url'].replace(/\/+$/, ''),
    endpoints: DATA_GROWTH_ENDPOINTS,
    settings,
    params: parseParams(USAGE, values.param),
    waitQuiet: values['wait-quiet'],
    stackDir: values['stack-dir'],
    countUsers: () => countUsers(values['database-url']),
    log,
  });
  const written = await writeEndpointsResults(
    values['out-dir'] ?? fileURLToPath(new URL('../results/', import.meta.url)),
    results,
  );
  log(`results: ${written.json}\n         ${written.markdown}`);
} else {
  usageError(USAGE);
}

async function readEndpointsResults(file: string): Promise<EndpointsResults> {
  const results = JSON.parse(await readFile(file, 'utf8')) as EndpointsResults;
  if (results.format !== ENDPOINTS_FORMAT) {
    usageError(USAGE, `${file} is not a ${ENDPOINTS_FORMAT} results file`);
  }
  return results;
}

/** The users in the stack's database; undefined (and a line saying why) when it cannot be read. */
async function countUsers(databaseUrl: string | undefined): Promise<number | undefined> {
  try {
    const client = new pg.Client({
      connectionString: databaseUrl ?? nativeServiceUrls('stack').DATABASE_URL,
    });
    await client.connect();
    try {
      const { rows } = await client.query<{ users: string }>('SELECT count(*) AS users FROM users');
      return Number(rows[0]?.users);
    } finally {
      await client.end();
    }
  } catch (error) {
    log(`users not counted: ${(error as Error).message}`);
    return undefined;
  }
}
