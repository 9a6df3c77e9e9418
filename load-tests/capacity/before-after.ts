// Issue 8's targets, before and after: the figures of its "Targets" table from two committed
// sets of results (load-tests/results/before-issue-8/, measured on commit ea7d577, and
// after-issue-8/), and the capacity model recomputed from each set's browse sweep. report.ts
// prints both for docs/capacity.md. A set is a folder holding, by these names:
//   endpoints.json               capacity/endpoints.ts (headroom-endpoints/1)
//   browse-sweep*.json           capacity/sweep.ts summaries (headroom-sweep/1), one or more
//   data-growth-20k<suffix>.json and data-growth-1m<suffix>.json: capacity/data-growth.ts
//                                pairs (suffix e.g. -cache-on, -cache-off)
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { markdownTable } from '../results.ts';
import type { SingleEndpointName } from '../scenarios.ts';
import { edgeHitRatio, median } from '../stats.ts';
import {
  capacityInputs,
  type SizedRate,
  SPARE_REPLICAS,
  sizeSteadyAndSpike,
} from './capacity-model.ts';
import { type EndpointsResults, medianByEndpoint } from './endpoint-runs.ts';
import { compareGrowth, type GrowthComparison, P99_GROWTH_LIMIT } from './growth.ts';
import { msPerResponse, type Part } from './process-cpu.ts';
import type { SweepResults, SweepStep } from './rate-sweep.ts';

export interface ResultSet {
  name: string;
  endpoints?: EndpointsResults | undefined;
  sweeps: SweepResults[];
  /** One comparison per 20k/1M pair, by the pair's suffix ('' or '-cache-off', ...). */
  growth: { suffix: string; comparison: GrowthComparison }[];
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** The results in a set's folder; an absent folder is an empty set (not measured yet). */
export async function loadResultSet(name: string, dir: string): Promise<ResultSet> {
  let files: string[];
  try {
    files = (await readdir(dir)).sort();
  } catch {
    return { name, sweeps: [], growth: [] };
  }
  const endpoints = files.includes('endpoints.json')
    ? await readJson<EndpointsResults>(path.join(dir, 'endpoints.json'))
    : undefined;
  const sweeps = await Promise.all(
    files
      .filter((file) => /^browse-sweep.*\.json$/.test(file))
      .map((file) => readJson<SweepResults>(path.join(dir, file))),
  );
  const growth: ResultSet['growth'] = [];
  for (const file of files) {
    const suffix = /^data-growth-20k(.*)\.json$/.exec(file)?.[1];
    if (suffix === undefined || !files.includes(`data-growth-1m${suffix}.json`)) continue;
    const [small, large] = await Promise.all(
      [file, `data-growth-1m${suffix}.json`].map((name) =>
        readJson<EndpointsResults>(path.join(dir, name)),
      ),
    );
    growth.push({ suffix, comparison: compareGrowth(small!, large!) });
  }
  return { name, endpoints, sweeps, growth };
}

/** The processes each browse part's cost counts: the replica with Postgres, the cache with Redis. */
const PROCESSES_OF: Record<BrowsePart, readonly Part[]> = {
  api: ['api'],
  postgres: ['postgres', 'postgres-replica'],
  pgbouncer: ['pgbouncer'],
  nginx: ['nginx'],
  redis: ['redis', 'redis-cache'],
};

const BROWSE_PARTS = ['api', 'postgres', 'pgbouncer', 'nginx', 'redis'] as const;
type BrowsePart = (typeof BROWSE_PARTS)[number];

export interface BrowseCosts {
  /** Median over the sweep steps that met the objective. */
  msPerRequest: Record<BrowsePart, number>;
  /** Over every response of those steps together. */
  edgeHitRatio: number;
  steps: SweepStep[];
}

/**
 * What a browse request costs, from a set's sweeps: the steps that met the objective, as the
 * baseline did (docs/capacity.md "CPU per browse request"). Undefined when no step met it.
 */
export function browseCosts(sweeps: readonly SweepResults[]): BrowseCosts | undefined {
  const steps = sweeps.flatMap((sweep) => sweep.steps.filter((step) => step.meets));
  if (steps.length === 0) return undefined;
  const msPerRequest = Object.fromEntries(
    BROWSE_PARTS.map((part) => [
      part,
      median(
        steps.map((step) => msPerResponse(step.cpu, PROCESSES_OF[part], step.overall.requests)),
      ),
    ]),
  ) as Record<BrowsePart, number>;
  const statuses: Record<string, number> = {};
  for (const step of steps) {
    for (const [status, count] of Object.entries(step.cacheStatuses ?? {})) {
      statuses[status] = (statuses[status] ?? 0) + count;
    }
  }
  const hits = edgeHitRatio(statuses);
  return { msPerRequest, edgeHitRatio: Number.isFinite(hits) ? hits : 0, steps };
}

/** The highest sustained rate over a set's sweeps; `≥` when a sweep's last rate still met it. */
function sustainedRate(
  sweeps: readonly SweepResults[],
): { rate: number; floor: boolean } | undefined {
  if (sweeps.length === 0) return undefined;
  const best = sweeps.reduce((a, b) => (b.maxSustainedRate > a.maxSustainedRate ? b : a));
  return { rate: best.maxSustainedRate, floor: best.steps.at(-1)?.meets === true };
}

const number = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })
    : '–';

interface Measured {
  text: string;
  /** Whether the figure meets the target; undefined when not measured. */
  meets?: boolean;
}

interface TargetRow {
  figure: string;
  /** The issue's "today" column: the independent harness, before this repository's benchmark. */
  issueToday: string;
  target: string;
  measure: (set: ResultSet) => Measured;
}

const NOT_MEASURED: Measured = { text: 'not measured' };

function endpointRow(set: ResultSet, endpoint: SingleEndpointName) {
  return set.endpoints
    ? medianByEndpoint(set.endpoints.runs).find((row) => row.endpoint === endpoint)
    : undefined;
}

/** req/s (and p99) of one endpoint against a minimum rate (and a p99 bound). */
function endpointTarget(
  endpoints: SingleEndpointName[],
  minRate: number,
  maxP99?: number,
): (set: ResultSet) => Measured {
  return (set) => {
    const rows = endpoints.map((endpoint) => endpointRow(set, endpoint));
    if (rows.some((row) => row === undefined)) return NOT_MEASURED;
    const text = rows
      .map((row) => `${number(row!.requestsPerSecond)} req/s, p99 ${number(row!.p99, 1)} ms`)
      .join('; ');
    const meets = rows.every(
      (row) =>
        row!.requestsPerSecond >= minRate &&
        row!.errors === 0 &&
        (maxP99 === undefined || row!.p99 < maxP99),
    );
    return { text, meets };
  };
}

/** Issue 8's "Targets" table, row by row. */
export const ISSUE_8_TARGETS: TargetRow[] = [
  {
    figure: 'anonymous article list (`list`)',
    issueToday: '799 req/s, p99 119 ms',
    target: '≥ 10,000 req/s, p99 < 25 ms',
    measure: endpointTarget(['list'], 10_000, 25),
  },
  {
    figure: 'anonymous article by slug, 500 slugs (`article`)',
    issueToday: '1,251 req/s',
    target: '≥ 8,000 req/s',
    measure: endpointTarget(['article'], 8_000),
  },
  {
    figure: 'tags (`tags`)',
    issueToday: '2,831 req/s',
    target: '≥ 15,000 req/s',
    measure: endpointTarget(['tags'], 15_000),
  },
  {
    figure: 'signed-in list and feed (`list-signed-in`; `feed`)',
    issueToday: '645 / 577 req/s',
    target: '≥ 3,000 req/s each, p99 < 50 ms',
    measure: endpointTarget(['list-signed-in', 'feed'], 3_000, 50),
  },
  {
    figure: 'comment writes (`comment`)',
    issueToday: '602 req/s, p99 156 ms',
    target: '≥ 1,200 req/s, p99 < 100 ms',
    measure: endpointTarget(['comment'], 1_200, 100),
  },
  {
    figure: 'browse scenario sustained at p99 < 250 ms',
    issueToday: '500 req/s',
    target: '≥ 5,000 req/s',
    measure: (set) => {
      const sustained = sustainedRate(set.sweeps);
      if (sustained === undefined) return NOT_MEASURED;
      return {
        text: `${sustained.floor ? '≥ ' : ''}${number(sustained.rate)} req/s`,
        meets: sustained.rate >= 5_000,
      };
    },
  },
  {
    figure: 'Postgres CPU per browse request',
    issueToday: '1.98 ms',
    target: '≤ 0.2 ms',
    measure: (set) => {
      const costs = browseCosts(set.sweeps);
      if (costs === undefined) return NOT_MEASURED;
      return {
        text: `${number(costs.msPerRequest.postgres, 2)} ms`,
        meets: costs.msPerRequest.postgres <= 0.2,
      };
    },
  },
  {
    figure: 'p99 growth, 20k -> 1M articles (list, tag page, feed, profile)',
    issueToday: 'not measured',
    target: `≤ ${P99_GROWTH_LIMIT}x`,
    measure: (set) => {
      if (set.growth.length === 0) return NOT_MEASURED;
      const texts = set.growth.map(({ suffix, comparison }) => {
        const worst = comparison.rows.reduce((a, b) => (b.growth.p99 > a.growth.p99 ? b : a));
        return `${suffix === '' ? '' : `${suffix.replace(/^-/, '')}: `}at most ${number(worst.growth.p99, 2)}x (${worst.endpoint})`;
      });
      return {
        text: texts.join('; '),
        meets: set.growth.every(({ comparison }) =>
          comparison.rows.every((row) => row.withinLimit),
        ),
      };
    },
  },
];

/** The before/after table: each target, the issue's figure, and each set's measurement. */
export function beforeAfterTable(before: ResultSet, after: ResultSet): string {
  return markdownTable(
    ['figure', 'issue: today', 'target', before.name, after.name, 'target met after'],
    ISSUE_8_TARGETS.map((row) => {
      const then = row.measure(before);
      const now = row.measure(after);
      return [
        row.figure,
        row.issueToday,
        row.target,
        then.text,
        now.text,
        now.meets === undefined ? '–' : now.meets ? 'yes' : '**no**',
      ];
    }),
  );
}

/** The capacity model's table columns: a title, and the cell for one sized rate. */
const MODEL_COLUMNS = {
  target: ['target req/s', ({ target }) => number(target)],
  provisioned: [
    'provisioned for',
    ({ multiplier, estimate }) =>
      multiplier === 1 ? 'steady' : `${multiplier}x spike: ${number(estimate.rate)}`,
  ],
  originRate: ['reach the API, req/s', ({ estimate }) => number(estimate.originRate)],
  apiReplicas: [
    `API replicas (1 CPU each, N+${SPARE_REPLICAS})`,
    ({ estimate }) => estimate.apiReplicas,
  ],
  postgresCores: ['Postgres cores', ({ estimate }) => estimate.postgresCores],
  pgbouncerCores: ['PgBouncer cores', ({ estimate }) => number(estimate.pgbouncerCores, 2)],
  pgbouncerCoresAndProcesses: [
    'PgBouncer cores (processes)',
    ({ estimate }) => `${number(estimate.pgbouncerCores, 2)} (${estimate.pgbouncerProcesses})`,
  ],
  redisCores: ['Redis cores', ({ estimate }) => number(estimate.redisCores, 2)],
  nginxCores: ['nginx cores', ({ estimate }) => number(estimate.nginxCores, 2)],
  totalCores: ['cores in all (rounded up)', ({ estimate }) => estimate.totalCores],
} satisfies Record<string, [string, (sized: SizedRate) => string | number]>;

/**
 * The model's sizes as a Markdown table with the given columns: the baseline's page shows
 * fewer than issue 8's (it had no cache, so no origin rate or Redis).
 */
export function capacityModelTable(
  sized: readonly SizedRate[],
  columns: readonly (keyof typeof MODEL_COLUMNS)[],
): string {
  return markdownTable(
    columns.map((column) => MODEL_COLUMNS[column][0]),
    sized.map((row) => columns.map((column) => MODEL_COLUMNS[column][1](row))),
  );
}

/** Rates the model sizes for after issue 8: the old top rate, and ten times it. */
export const ISSUE_8_MODEL_RATES = [2_000, 20_000];

/** The capacity model for a set: its inputs, then each rate steady and in the 8x spike. */
export function capacityModelSection(set: ResultSet, rates = ISSUE_8_MODEL_RATES): string {
  if (set.sweeps.length === 0) return `${set.name}: no browse sweep yet.`;
  const costs = browseCosts(set.sweeps);
  if (costs === undefined) return `${set.name}: no browse sweep step met the objective; no model.`;
  const inputs = capacityInputs(costs);
  const inputTable = markdownTable(
    ['input', 'value'],
    [
      ['browse sweep steps that met the objective', costs.steps.length],
      [
        'edge hit ratio (HIT, STALE, UPDATING over every response)',
        `${number(costs.edgeHitRatio * 100, 1)}%`,
      ],
      ...BROWSE_PARTS.map((part) => [
        `${part} CPU ms per browse request (median)`,
        number(costs.msPerRequest[part], 3),
      ]),
      [
        'req/s per 1-CPU API replica (requests that reach it)',
        number(inputs.apiRequestsPerReplica),
      ],
    ],
  );
  const modelTable = capacityModelTable(sizeSteadyAndSpike(rates, inputs), [
    'target',
    'provisioned',
    'originRate',
    'apiReplicas',
    'postgresCores',
    'pgbouncerCoresAndProcesses',
    'redisCores',
    'nginxCores',
    'totalCores',
  ]);
  return `${inputTable}\n\n${modelTable}`;
}
