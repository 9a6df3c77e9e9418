// Single endpoints loaded one at a time, each with the CPU every part of the stack used while
// it ran: the figures of issue 8's targets table (capacity/endpoints.ts: closed loop, 50
// connections, 15 s) and the p99 growth with the data set (capacity/data-growth.ts: a fixed
// rate well under saturation). One results file per run of either script,
// `<UTC time>-endpoints[-label].json` (format `headroom-endpoints/1`) and its Markdown.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadFixtures } from '../autocannon/fixtures.ts';
import { runPlan } from '../autocannon/run-plan.ts';
import {
  describeMachine,
  fileStamp,
  formatCounts,
  formatRate,
  markdownTable,
  type RunResults,
} from '../results.ts';
import { measurePlan } from '../run-scenario.ts';
import {
  type Phase,
  type ScenarioPlan,
  SINGLE_ENDPOINTS,
  type SingleEndpointName,
} from '../scenarios.ts';
import { createRecorder, edgeHitRatio, median, type Summary } from '../stats.ts';
import { type CpuUsage, coresUsed, PARTS, type Part, waitForQuiet } from './process-cpu.ts';

export const ENDPOINTS_FORMAT = 'headroom-endpoints/1';

export interface EndpointSettings {
  /** Fixed requests/s, or null for a closed loop (each connection as fast as answers come). */
  rate: number | null;
  connections: number;
  /** Measured seconds per endpoint and repeat. */
  durationSeconds: number;
  /** Unrecorded seconds before each measured run, same load: JIT, pools, caches. */
  warmupSeconds: number;
  /** Rounds over every endpoint (interleaved: a, b, c, a, b, c), so repeats see different moments. */
  repeats: number;
  /** Seeded users logged in at set-up, when a signed-in endpoint is among those measured. */
  users: number;
  /** Slugs read at set-up: the newest this many articles. */
  slugs: number;
  /**
   * Profiles the profile page reads: the first this many authors of those articles (all of
   * them when unset). A fixed count keeps the workload the same size on every data set.
   */
  profiles?: number;
}

export interface EndpointRun {
  endpoint: SingleEndpointName;
  description: string;
  repeat: number;
  startedAt: string;
  overall: Summary;
  statusCodes: Record<string, number>;
  cacheStatuses: Record<string, number>;
  connectionErrors: number;
  timeouts: number;
  errorRate: number;
  /** Core-seconds per part while the measured run lasted. */
  cpu?: CpuUsage;
  /** CPU milliseconds each part spent per response. */
  cpuMsPerRequest?: Record<Part, number>;
  conditions?: RunResults['conditions'];
}

export interface EndpointsResults {
  format: typeof ENDPOINTS_FORMAT;
  label: string;
  baseUrl: string;
  startedAt: string;
  finishedAt: string;
  smoke: boolean;
  /** Facts about the target from `--param` (cache=on, code=ea7d577). */
  params: Record<string, string>;
  machine: RunResults['machine'];
  settings: EndpointSettings;
  /** What the API held: `articles` is the unfiltered list's articlesCount; `users` when counted. */
  dataSet: { articles: number; users?: number; slugs: number; tags: number; authors: number };
  sessions: number;
  runs: EndpointRun[];
  /** Smoke runs only. */
  maxErrorRate?: number;
  passed?: boolean;
}

export interface EndpointsRun {
  label: string;
  baseUrl: string;
  endpoints: readonly SingleEndpointName[];
  settings: EndpointSettings;
  params: Record<string, string>;
  smoke?: boolean;
  /** Wait until other processes are quiet before each endpoint's run (process-cpu.ts). */
  waitQuiet?: boolean;
  stackDir?: string;
  /** Counts the data set's users (a query on the stack's database); absent means not counted. */
  countUsers?: () => Promise<number | undefined>;
  log: (line: string) => void;
}

export async function runEndpoints(run: EndpointsRun): Promise<EndpointsResults> {
  const { baseUrl, settings, log } = run;
  const smoke = run.smoke ?? false;
  const signedIn = run.endpoints.some((name) => SINGLE_ENDPOINTS[name].signedIn);
  const startedAt = new Date();
  const fixtures = await loadFixtures(
    baseUrl,
    { scenario: 'endpoints', sessions: signedIn ? settings.users : 0 },
    { newestArticles: settings.slugs, authors: settings.profiles },
  );
  const users = await run.countUsers?.();
  log(
    `set-up: ${fixtures.articlesCount} articles${users === undefined ? '' : `, ${users} users`}; ${fixtures.catalog.slugs.length} slugs, ${fixtures.catalog.tags.length} tags, ${fixtures.sessions.length} users logged in`,
  );

  const runs: EndpointRun[] = [];
  for (let repeat = 1; repeat <= settings.repeats; repeat++) {
    for (const name of run.endpoints) {
      const conditions = run.waitQuiet
        ? await waitForQuiet({ log, ...(run.stackDir ? { stackDir: run.stackDir } : {}) })
        : undefined;
      const plan = (phase: Phase): ScenarioPlan => ({
        scenario: name,
        phases: [phase],
        sessions: fixtures.sessions.length,
        request: SINGLE_ENDPOINTS[name].request,
      });
      const load = { rate: settings.rate, connections: settings.connections };
      if (settings.warmupSeconds > 0) {
        await runPlan({
          plan: plan({ name: 'warm-up', seconds: settings.warmupSeconds, ...load }),
          fixtures,
          baseUrl,
          recorder: createRecorder(),
          log: () => {},
        });
      }
      const results = await measurePlan({
        plan: plan({ name: 'steady', seconds: settings.durationSeconds, ...load }),
        fixtures,
        baseUrl,
        params: { ...run.params, endpoint: name, repeat: String(repeat) },
        smoke,
        conditions,
        stackDir: run.stackDir,
        log: () => {},
      });
      const endpointRun = toEndpointRun(name, repeat, results);
      runs.push(endpointRun);
      log(describeRun(endpointRun, settings.repeats));
    }
  }

  const maxErrorRate = 0;
  const passed = smoke
    ? runs.every((r) => r.overall.requests > 0 && r.errorRate <= maxErrorRate)
    : undefined;
  return {
    format: ENDPOINTS_FORMAT,
    label: run.label,
    baseUrl,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    smoke,
    params: run.params,
    machine: describeMachine(),
    settings,
    dataSet: {
      articles: fixtures.articlesCount,
      ...(users === undefined ? {} : { users }),
      slugs: fixtures.catalog.slugs.length,
      tags: fixtures.catalog.tags.length,
      authors: fixtures.catalog.authors.length,
    },
    sessions: fixtures.sessions.length,
    runs,
    ...(passed === undefined ? {} : { maxErrorRate, passed }),
  };
}

function toEndpointRun(
  endpoint: SingleEndpointName,
  repeat: number,
  results: RunResults,
): EndpointRun {
  return {
    endpoint,
    description: SINGLE_ENDPOINTS[endpoint].description,
    repeat,
    startedAt: results.startedAt,
    overall: { ...results.overall, name: endpoint },
    statusCodes: results.statusCodes,
    cacheStatuses: results.cacheStatuses ?? {},
    connectionErrors: results.connectionErrors,
    timeouts: results.timeouts,
    errorRate: results.errorRate,
    ...(results.cpu
      ? {
          cpu: results.cpu,
          cpuMsPerRequest: cpuMsPerRequest(results.cpu, results.overall.requests),
        }
      : {}),
    ...(results.conditions ? { conditions: results.conditions } : {}),
  };
}

/** CPU milliseconds per response for every part (NaN for no responses), to 3 decimals. */
export function cpuMsPerRequest(cpu: CpuUsage, requests: number): Record<Part, number> {
  return Object.fromEntries(
    PARTS.map((part) => [
      part,
      requests > 0
        ? Math.round(((cpu.parts[part] ?? 0) * 1_000_000) / requests) / 1000
        : Number.NaN,
    ]),
  ) as Record<Part, number>;
}

function describeRun(run: EndpointRun, repeats: number): string {
  const o = run.overall;
  const cpu = run.cpu
    ? `; postgres ${(run.cpuMsPerRequest?.postgres ?? Number.NaN).toFixed(2)} ms CPU per request, other processes ${coresUsed(run.cpu, 'other').toFixed(2)} cores`
    : '';
  return `${run.endpoint}${repeats > 1 ? ` (${run.repeat}/${repeats})` : ''}: ${o.requestsPerSecond} req/s, p50 ${o.p50} p95 ${o.p95} p99 ${o.p99} max ${o.max} ms, ${o.errors} errors, ${o.non2xx} non-2xx${cpu}`;
}

/** Writes `<dir>/<UTC time>-endpoints[-label].{json,md}` and returns both paths. */
export async function writeEndpointsResults(
  dir: string,
  results: EndpointsResults,
): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const suffix = results.label === '' ? '' : `-${results.label}`;
  const base = path.join(dir, `${fileStamp(results.startedAt)}-endpoints${suffix}`);
  const files = { json: `${base}.json`, markdown: `${base}.md` };
  await writeFile(files.json, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(files.markdown, endpointsMarkdown(results));
  return files;
}

const fixed = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : '–';

/** The endpoints' medians over the repeats, one row each, in the order they ran. */
export function medianByEndpoint(runs: readonly EndpointRun[]): {
  endpoint: SingleEndpointName;
  description: string;
  repeats: number;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  edgeHitRatio: number;
  cpuMsPerRequest: Record<Part, number>;
}[] {
  const names = [...new Set(runs.map((run) => run.endpoint))];
  return names.map((endpoint) => {
    const mine = runs.filter((run) => run.endpoint === endpoint);
    const of = (value: (run: EndpointRun) => number) => median(mine.map(value));
    return {
      endpoint,
      description: mine[0]!.description,
      repeats: mine.length,
      requestsPerSecond: of((run) => run.overall.requestsPerSecond),
      p50: of((run) => run.overall.p50),
      p95: of((run) => run.overall.p95),
      p99: of((run) => run.overall.p99),
      errors: mine.reduce((sum, run) => sum + run.overall.errors, 0),
      non2xx: mine.reduce((sum, run) => sum + run.overall.non2xx, 0),
      edgeHitRatio: of((run) => edgeHitRatio(run.cacheStatuses)),
      cpuMsPerRequest: Object.fromEntries(
        PARTS.map((part) => [part, of((run) => run.cpuMsPerRequest?.[part] ?? Number.NaN)]),
      ) as Record<Part, number>,
    };
  });
}

/** The parts a CPU table shows, as they are named there. */
const CPU_COLUMNS: [Part, string][] = [
  ['api', 'api'],
  ['postgres', 'postgres'],
  ['postgres-replica', 'replica'],
  ['pgbouncer', 'pgbouncer'],
  ['nginx', 'nginx'],
  ['redis', 'redis'],
  ['redis-cache', 'cache redis'],
  ['worker', 'worker'],
  ['loadgen', 'load generator'],
  ['other', 'other'],
];

export function endpointsMarkdown(results: EndpointsResults): string {
  const { settings, dataSet } = results;
  const params = formatCounts(results.params).replaceAll(': ', '=');
  const load =
    settings.rate === null
      ? `closed loop over ${settings.connections} connections`
      : `${settings.rate} req/s over ${settings.connections} connections`;
  const smoke =
    results.passed === undefined
      ? ''
      : `- smoke: **${results.passed ? 'passed' : 'failed'}** (at most ${formatRate(results.maxErrorRate ?? 0)} errors allowed per endpoint)\n`;
  const runRows = results.runs.map((run) => [
    run.endpoint,
    run.repeat,
    fixed(run.overall.requestsPerSecond, 1),
    fixed(run.overall.p50, 1),
    fixed(run.overall.p95, 1),
    fixed(run.overall.p99, 1),
    fixed(run.overall.max, 1),
    run.overall.errors,
    run.overall.non2xx,
    formatCounts(run.statusCodes),
    formatCounts(run.cacheStatuses) || '–',
  ]);
  const coreRows = results.runs.map((run) => [
    run.endpoint,
    run.repeat,
    ...CPU_COLUMNS.map(([part]) => (run.cpu ? fixed(coresUsed(run.cpu, part), 2) : '–')),
    run.cpu ? fixed(run.cpu.machineCores, 2) : '–',
  ]);
  const perRequestRows = results.runs.map((run) => [
    run.endpoint,
    run.repeat,
    ...CPU_COLUMNS.filter(([part]) => part !== 'other').map(([part]) =>
      fixed(run.cpuMsPerRequest?.[part] ?? Number.NaN, 3),
    ),
  ]);
  const medians = medianByEndpoint(results.runs).map((row) => [
    `${row.endpoint}: ${row.description}`,
    fixed(row.requestsPerSecond, 1),
    fixed(row.p50, 1),
    fixed(row.p95, 1),
    fixed(row.p99, 1),
    row.errors,
    row.non2xx,
    Number.isFinite(row.edgeHitRatio) ? `${Math.round(row.edgeHitRatio * 100)}%` : '–',
    fixed(row.cpuMsPerRequest.api, 3),
    fixed(row.cpuMsPerRequest.postgres + (row.cpuMsPerRequest['postgres-replica'] || 0), 3),
  ]);
  return `# endpoints${results.label === '' ? '' : ` (${results.label})`}: ${results.startedAt}

- target: ${results.baseUrl}${params === '' ? '' : ` (${params})`}
- load: each endpoint alone, ${load}, ${settings.durationSeconds} s after ${settings.warmupSeconds} s of warm-up, ${settings.repeats} round(s)
- data set: ${dataSet.articles} articles${dataSet.users === undefined ? '' : `, ${dataSet.users} users`}; set-up read ${dataSet.slugs} slugs, ${dataSet.tags} tags, ${dataSet.authors} authors and logged in ${results.sessions} users
- machine: ${results.machine.cpus} x ${results.machine.cpuModel}, ${results.machine.memoryGiB} GiB, Node ${results.machine.node}, ${results.machine.platform}
${smoke}
Medians over the rounds (Postgres: primary and replica; edge hits: HIT, STALE and UPDATING over every response with an X-Cache-Status):

${markdownTable(['endpoint', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'non-2xx', 'edge hits', 'API CPU ms per request', 'Postgres CPU ms per request'], medians)}

Every run:

${markdownTable(['endpoint', 'round', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', 'non-2xx', 'statuses', "edge's X-Cache-Status"], runRows)}

Cores each part used while the run lasted:

${markdownTable(['endpoint', 'round', ...CPU_COLUMNS.map(([, title]) => title), 'machine'], coreRows)}

CPU milliseconds per response:

${markdownTable(
  [
    'endpoint',
    'round',
    ...CPU_COLUMNS.filter(([part]) => part !== 'other').map(([, title]) => title),
  ],
  perRequestRows,
)}

Latencies are measured by the load generator on the same machine (autocannon, one request in
flight per connection), from writing a request to reading the whole response. Errors are
connection errors, timeouts and unexpected statuses.
`;
}
