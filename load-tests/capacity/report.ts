// `npx tsx load-tests/capacity/report.ts`: the tables and plots of docs/capacity.md, from the
// curated results in load-tests/results/baseline/ (copied there from the raw runs the commands
// in docs/capacity.md wrote), and issue 8's before/after table and capacity model from
// results/before-issue-8/ and results/after-issue-8/ (before-after.ts). Writes
// docs/img/capacity-*.svg and prints the tables, the per-request CPU costs and the capacity
// model as Markdown. Reads only committed files, so anyone can regenerate the page's figures
// without running a load test. This file gathers, calls and prints: the arithmetic is in
// report-figures.ts and capacity-model.ts, with tests.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { atMostPositionals, parseCommandLine } from '../cli.ts';
import { completeSeconds, markdownTable, type RunResults } from '../results.ts';
import type { Summary } from '../stats.ts';
import { renderBarChart, renderLineChart } from '../svg-charts.ts';
import {
  beforeAfterTable,
  browseCosts,
  capacityModelSection,
  capacityModelTable,
  loadResultSet,
} from './before-after.ts';
import {
  capacityInputs,
  PLANNING_UTILIZATION,
  requestsPerCore,
  sizeSteadyAndSpike,
  sustainedPerReplica,
} from './capacity-model.ts';
import { type CpuUsage, coresUsed, msPerResponse, type Part } from './process-cpu.ts';
import { describeObjective, type SweepResults } from './rate-sweep.ts';
import {
  articlesCreated,
  type CeilingRun,
  ceilingByTarget,
  costsOverSteps,
  isReady,
  nextStepOffered,
  type ReplicaScaling,
  type ReplicaSweep,
  replicaScaling,
  replicaSweepName,
  sustainedRateText,
  sustainedStep,
} from './report-figures.ts';

const USAGE = `usage: npx tsx load-tests/capacity/report.ts

Prints docs/capacity.md's tables as Markdown and writes docs/img/capacity-*.svg, from the
committed results in load-tests/results/baseline/, before-issue-8/ and after-issue-8/.
Takes no arguments and needs no running stack.`;

const { positionals } = parseCommandLine(USAGE, { allowPositionals: true, options: {} });
atMostPositionals(USAGE, positionals, 0);

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = path.join(repoRoot, 'load-tests/results');
const BASELINE = path.join(RESULTS, 'baseline');
const IMG = path.join(repoRoot, 'docs/img');

/** What a section of the page adds: Markdown blocks (a blank line between each) and charts. */
interface Section {
  blocks: string[];
  charts: { file: string; svg: string }[];
}

async function load<T>(name: string): Promise<T> {
  return JSON.parse(await readFile(path.join(BASELINE, name), 'utf8')) as T;
}

const round = (value: number, digits = 0) => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};
const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? round(value, digits).toLocaleString('en-US', { maximumFractionDigits: digits })
    : '–';
const subtitleOf = (results: { machine: RunResults['machine'] }, date: string) =>
  `autocannon on the same ${results.machine.cpus}-core machine (${results.machine.cpuModel}), Node ${results.machine.node}, ${date.slice(0, 10)}`;
const latencyRow = (summary: Summary) => [
  fmt(summary.requestsPerSecond, 1),
  fmt(summary.p50, 1),
  fmt(summary.p95, 1),
  fmt(summary.p99, 1),
  fmt(summary.max, 1),
  summary.errors,
];

// --- 1. Scenarios through the edge -----------------------------------------------------------

interface ScenarioRun {
  label: string;
  file: string;
  results: RunResults;
}

const SCENARIO_RUNS: [string, string][] = [
  ['browse, 32 connections, closed loop, 30 s', 'edge-browse-run1.json'],
  ['browse, 32 connections, closed loop, 30 s', 'edge-browse-run2.json'],
  ['spike, 50 -> 400 -> 50 req/s, 60 s', 'edge-spike-run1.json'],
  ['spike, 50 -> 400 -> 50 req/s, 60 s', 'edge-spike-run2.json'],
  ['write-mix, 16 connections, closed loop, 30 s', 'edge-write-mix-run1.json'],
  ['write-mix, 16 connections, closed loop, 30 s', 'edge-write-mix-run2.json'],
  ['soak, 80 req/s, 180 s', 'edge-soak-180s.json'],
];
/** What a write-mix request costs each part, to set against the browse costs. */
const WRITE_MIX_PARTS: Part[] = ['api', 'postgres', 'pgbouncer', 'worker', 'redis'];

function scenariosSection(scenarios: readonly ScenarioRun[]): Section {
  const browse1 = scenarios[0]!.results;
  const firstOf = (scenario: string) =>
    scenarios.find(({ results }) => results.scenario === scenario)!.results;
  const shown = ['browse', 'spike', 'write-mix', 'soak'].map(firstOf);
  const spike1 = firstOf('spike');
  const spikeTimeline = completeSeconds(spike1);
  return {
    blocks: [
      '## Scenarios through the edge',
      markdownTable(
        [
          'run (results file)',
          'req/s',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'max ms',
          'errors',
          'API cores',
          'Postgres cores',
          'machine cores',
          'other processes, cores',
        ],
        scenarios.map(({ label, file, results }) => [
          `${label} (\`${file}\`)`,
          ...latencyRow(results.overall),
          fmt(coresUsed(results.cpu, 'api'), 2),
          fmt(coresUsed(results.cpu, 'postgres'), 2),
          fmt(results.cpu?.machineCores ?? Number.NaN, 2),
          fmt(coresUsed(results.cpu, 'other'), 2),
        ]),
      ),
      'Spike phases:',
      markdownTable(
        ['run', 'phase', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors'],
        scenarios
          .filter(({ results }) => results.scenario === 'spike')
          .flatMap(({ file, results }) =>
            results.phaseSummaries.map((phase) => [
              `\`${file}\``,
              phase.name,
              ...latencyRow(phase),
            ]),
          ),
      ),
      'Per endpoint, browse run 1 (closed loop, 32 connections):',
      markdownTable(
        ['endpoint', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors'],
        browse1.endpoints.map((endpoint) => [endpoint.name, ...latencyRow(endpoint)]),
      ),
      "CPU ms per write-mix request (each part's core-seconds while loaded ÷ responses):",
      markdownTable(
        ['run', ...WRITE_MIX_PARTS],
        scenarios
          .filter(({ results }) => results.scenario === 'write-mix')
          .map(({ file, results }) => [
            `\`${file}\``,
            ...WRITE_MIX_PARTS.map((part) =>
              fmt(msPerResponse(results.cpu, part, results.overall.requests), 2),
            ),
          ]),
      ),
      `Articles created by the write-mix and soak runs (\`create article\` responses without an error): ${fmt(articlesCreated(scenarios.map(({ results }) => results)))}.`,
    ],
    charts: [
      {
        file: 'capacity-scenarios.svg',
        svg: renderBarChart({
          title: 'Latency per scenario through the edge (2 API replicas, run 1 of each)',
          subtitle: subtitleOf(browse1, browse1.startedAt),
          unit: 'ms',
          categories: shown.map(
            (results) => `${results.scenario} (${fmt(results.overall.requestsPerSecond)} req/s)`,
          ),
          series: (['p50', 'p95', 'p99'] as const).map((metric) => ({
            name: metric,
            values: shown.map((results) => results.overall[metric]),
          })),
        }),
      },
      {
        file: 'capacity-spike.svg',
        svg: renderLineChart({
          title: 'Spike through the edge: 50 -> 400 -> 50 req/s, second by second',
          subtitle: subtitleOf(spike1, spike1.startedAt),
          xLabel: 'seconds since start',
          unit: 'ms',
          series: (['p50', 'p99'] as const).map((metric) => ({
            name: metric,
            points: spikeTimeline.map((point) => ({ x: point.second, y: point[metric] })),
          })),
          background: {
            name: 'requests/s',
            unit: 'requests/s',
            points: spikeTimeline.map((point) => ({ x: point.second, y: point.requests })),
          },
        }),
      },
    ],
  };
}

// --- 1b. The browse mix's sustainable rate through the edge, and its CPU per request ---------

/** Parts whose CPU per browse request the page lists. */
const BROWSE_TABLE_PARTS: Part[] = [
  'api',
  'postgres',
  'pgbouncer',
  'nginx',
  'redis',
  'worker',
  'loadgen',
];

function edgeSweepSection(edgeSweeps: readonly SweepResults[]): Section {
  const objective = edgeSweeps[0]!.objective;
  const costs = costsOverSteps(
    edgeSweeps.flatMap((sweep) => sweep.steps.filter((step) => step.meets)),
    BROWSE_TABLE_PARTS,
  );
  return {
    blocks: [
      '## Browse rate sweep through the edge (2 replicas, no CPU limit)',
      markdownTable(
        [
          'run',
          'offered req/s',
          'delivered req/s',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'errors',
          'API cores',
          'Postgres cores',
          'machine cores',
          'meets objective',
        ],
        edgeSweeps.flatMap((sweep, index) =>
          sweep.steps.map((step) => [
            index + 1,
            step.rate,
            fmt(step.overall.requestsPerSecond, 1),
            fmt(step.overall.p50, 1),
            fmt(step.overall.p95, 1),
            fmt(step.overall.p99, 1),
            step.overall.errors,
            fmt(coresUsed(step.cpu, 'api'), 2),
            fmt(coresUsed(step.cpu, 'postgres'), 2),
            fmt(step.cpu?.machineCores ?? Number.NaN, 2),
            step.meets ? 'yes' : '**no**',
          ]),
        ),
      ),
      `Sustainable rate (${describeObjective(objective)}): ${edgeSweeps.map((sweep) => `${sweep.maxSustainedRate} req/s`).join(' and ')}.`,
      '## CPU per browse request (median over the edge sweep steps that met the objective)',
      markdownTable(
        ['part', 'CPU ms per request', 'range over the steps'],
        BROWSE_TABLE_PARTS.map((part) => [
          part,
          fmt(costs[part].median, 2),
          `${fmt(costs[part].min, 2)} – ${fmt(costs[part].max, 2)}`,
        ]),
      ),
    ],
    charts: [
      {
        file: 'capacity-edge-sweep.svg',
        svg: renderLineChart({
          title: 'Browse mix through the edge: latency against offered rate (2 replicas)',
          subtitle: `${edgeSweeps[0]!.secondsPerRate} s per rate, two sweeps; objective p99 < ${objective.p99Ms} ms`,
          xLabel: 'offered requests/s',
          unit: 'ms',
          xTicksAtData: true,
          series: [
            ...edgeSweeps.flatMap((sweep, index) =>
              (['p99', 'p50'] as const).map((metric) => ({
                name: `${metric}, sweep ${index + 1}`,
                points: sweep.steps.map((step) => ({ x: step.rate, y: step.overall[metric] })),
              })),
            ),
            {
              name: 'objective',
              points: edgeSweeps[0]!.steps.map((step) => ({ x: step.rate, y: objective.p99Ms })),
            },
          ],
        }),
      },
    ],
  };
}

// --- 2. One API process against the bare Fastify ceiling -------------------------------------

interface CeilingFile {
  settings: { rounds: number; durationSeconds: number; connections: number };
  machine: RunResults['machine'];
  finishedAt: string;
  runs: CeilingRun[];
}

function ceilingSection(ceiling: CeilingFile): Section {
  const targets = ceilingByTarget(ceiling.runs);
  return {
    blocks: [
      '## One API process against the bare Fastify ceiling',
      markdownTable(
        [
          'target',
          'req/s, median (min – max)',
          'p99 ms',
          'errors',
          'share of hello-fastify req/s',
          'server cores',
          'req per server CPU-second',
          'share of hello-fastify per CPU-second',
          'Postgres cores',
        ],
        targets.map((t) => [
          t.target,
          `${fmt(t.requestsPerSecond)} (${fmt(t.min)} – ${fmt(t.max)})`,
          t.p99,
          t.errors,
          `${fmt(t.shareOfFirst * 100, 1)}%`,
          fmt(t.serverCores, 2),
          fmt(t.requestsPerServerCpuSecond),
          `${fmt(t.shareOfFirstPerCpu * 100, 1)}%`,
          fmt(t.postgresCores, 2),
        ]),
      ),
    ],
    charts: [
      {
        file: 'capacity-ceiling.svg',
        svg: renderBarChart({
          title: 'One API process against a hello-world Fastify server',
          subtitle: `median of ${ceiling.settings.rounds} interleaved rounds, ${ceiling.settings.connections} connections, ${ceiling.settings.durationSeconds} s each; ${subtitleOf(ceiling, ceiling.finishedAt)}`,
          unit: 'requests/s',
          categories: targets.map((t) => t.target.replace('API GET ', '')),
          series: [{ name: 'requests/s', values: targets.map((t) => t.requestsPerSecond) }],
        }),
      },
    ],
  };
}

// --- 3. 1, 2 and 4 replicas, each held to the same CPU share ----------------------------------

function replicasSection(
  replicaSweeps: readonly ReplicaSweep[],
  smallShare: SweepResults,
  share: number,
): Section {
  const scaling = replicaScaling(replicaSweeps);
  const pointsOf = (value: (row: ReplicaScaling) => number) =>
    scaling.map((row) => ({ x: row.replicas, y: value(row) }));
  const objective = replicaSweeps[0]!.sweep.objective;
  return {
    blocks: [
      `## 1, 2 and 4 replicas behind the load balancer, ${share} CPU each`,
      markdownTable(
        [
          'replicas',
          'sweep',
          'sustainable req/s',
          'per replica',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'API cores',
          'Postgres cores',
          'machine cores',
          'next rate offered: p99 ms, delivered req/s',
        ],
        replicaSweeps.map(({ replicas, run, sweep }) => {
          const step = sustainedStep(sweep);
          const next = nextStepOffered(sweep);
          return [
            replicas,
            isReady(sweep) ? run : `${run} (not ready: left out)`,
            sustainedRateText(sweep),
            fmt(sweep.maxSustainedRate / replicas, 1),
            fmt(step?.overall.p50 ?? Number.NaN, 1),
            fmt(step?.overall.p95 ?? Number.NaN, 1),
            fmt(step?.overall.p99 ?? Number.NaN, 1),
            fmt(coresUsed(step?.cpu, 'api'), 2),
            fmt(coresUsed(step?.cpu, 'postgres'), 2),
            fmt(step?.cpu?.machineCores ?? Number.NaN, 2),
            next
              ? `${next.rate}: ${fmt(next.overall.p99)} ms, ${fmt(next.overall.requestsPerSecond)}`
              : '–',
          ];
        }),
      ),
      `One replica at ${smallShare.params.cpuShare ?? '0.1'} CPU (the share tried first, then abandoned):`,
      markdownTable(
        [
          'offered req/s',
          'delivered req/s',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'API cores',
          'API CPU ms per request',
          'meets objective',
        ],
        smallShare.steps.map((step) => [
          step.rate,
          fmt(step.overall.requestsPerSecond, 1),
          fmt(step.overall.p50, 1),
          fmt(step.overall.p95, 1),
          fmt(step.overall.p99, 1),
          fmt(coresUsed(step.cpu, 'api'), 2),
          fmt(msPerResponse(step.cpu, 'api', step.overall.requests), 2),
          step.meets ? 'yes' : '**no**',
        ]),
      ),
    ],
    charts: [
      {
        file: 'capacity-replicas.svg',
        svg: renderLineChart({
          title: `Sustainable browse rate and its latency by replicas (${share} CPU each)`,
          subtitle: `through the load balancer; bars: sustainable req/s, lines: latency at that rate (medians over the sweeps); objective p99 < ${objective.p99Ms} ms`,
          xLabel: 'API replicas',
          unit: 'ms',
          xTicksAtData: true,
          series: (['p50', 'p95', 'p99'] as const).map((metric) => ({
            name: `${metric} at the sustainable rate`,
            points: pointsOf((row) => row.latency[metric]),
          })),
          background: {
            name: 'sustainable req/s',
            unit: 'requests/s',
            points: pointsOf((row) => row.sustained.median),
          },
        }),
      },
      {
        file: 'capacity-replicas-throughput.svg',
        svg: renderLineChart({
          title: `Sustainable browse rate by replicas (${share} CPU each), against linear scaling`,
          subtitle: `each sweep: the highest offered rate with ${describeObjective(objective)}`,
          xLabel: 'API replicas',
          unit: 'requests/s',
          xTicksAtData: true,
          series: [
            { name: 'median of the sweeps', points: pointsOf((row) => row.sustained.median) },
            { name: 'lowest sweep', points: pointsOf((row) => row.sustained.lowest) },
            { name: 'highest sweep', points: pointsOf((row) => row.sustained.highest) },
            { name: 'linear from 1 replica', points: pointsOf((row) => row.linear) },
          ],
        }),
      },
    ],
  };
}

// --- 4. Where the time goes -------------------------------------------------------------------

interface ProfileRun {
  endpoint: string;
  requestsPerSecond: number;
  latency: { p50: number; p90: number; p99: number };
  apiCores: number;
  cpu: CpuUsage;
  cpuMsPerRequest: { api: number; postgres: number; pgbouncer: number };
  settings: { seconds: number; connections: number };
}
interface ProfileSummaryFile {
  busyMs: number;
  durationMs: number;
  components: { name: string; ms: number; percentOfBusy: number }[];
}

function profileSection(
  profileRuns: readonly { run: ProfileRun; summary: ProfileSummaryFile }[],
): Section {
  const { run: profileRun, summary: profileSummary } = profileRuns[0]!;
  const shownComponents = profileSummary.components.filter(
    (component) => component.percentOfBusy >= 1,
  );
  return {
    blocks: [
      `## Where the time goes: ${profileRun.endpoint}`,
      markdownTable(
        [
          'profile',
          'req/s',
          'p50 ms',
          'p99 ms',
          'API CPU ms per request',
          'Postgres CPU ms per request',
          'PgBouncer CPU ms per request',
          'API main thread busy',
          'other processes, cores',
        ],
        profileRuns.map(({ run, summary }, index) => [
          index + 1,
          fmt(run.requestsPerSecond),
          run.latency.p50,
          run.latency.p99,
          fmt(run.cpuMsPerRequest.api, 2),
          fmt(run.cpuMsPerRequest.postgres, 2),
          fmt(run.cpuMsPerRequest.pgbouncer, 2),
          `${fmt((summary.busyMs / summary.durationMs) * 100)}%`,
          fmt(coresUsed(run.cpu, 'other'), 2),
        ]),
      ),
      markdownTable(
        [
          'component (each sample to the first library on its stack)',
          ...profileRuns.map((_, index) => `profile ${index + 1}, % of busy`),
        ],
        profileSummary.components.map((component) => [
          component.name,
          ...profileRuns.map(({ summary }) => {
            const match = summary.components.find((candidate) => candidate.name === component.name);
            return match ? `${match.percentOfBusy}%` : '–';
          }),
        ]),
      ),
    ],
    charts: [
      {
        file: 'capacity-profile.svg',
        svg: renderBarChart({
          title: `Where one API process spends its CPU on the ${profileRun.endpoint}`,
          subtitle: `share of the main thread's busy time, each sample counted for the first library on its stack; Postgres used ${fmt(profileRun.cpuMsPerRequest.postgres / profileRun.cpuMsPerRequest.api, 1)}x the API's CPU per request`,
          unit: '% of busy time',
          categories: shownComponents.map((component) => component.name.replace(/ \(.*\)$/, '')),
          series: [{ name: '% of busy time', values: shownComponents.map((c) => c.percentOfBusy) }],
        }),
      },
    ],
  };
}

// --- 5. The capacity model --------------------------------------------------------------------

/** Rates the model sizes for: a small site, about what this machine sustains, several machines' worth. */
const MODEL_TARGET_RATES = [100, 500, 2000];

function modelSection(
  edgeSweeps: readonly SweepResults[],
  replicaSweeps: readonly ReplicaSweep[],
  share: number,
): Section {
  const readySweeps = replicaSweeps.filter((entry) => isReady(entry.sweep));
  const measured = sustainedPerReplica(
    readySweeps.map(({ replicas, sweep }) => ({
      replicas,
      sustainedRate: sweep.maxSustainedRate,
    })),
    share,
  );
  // The baseline had no replica and no application cache, so its browse costs are the model's
  // inputs as they stand, and the edge cached no API response: every request reached it.
  const costs = browseCosts(edgeSweeps)!.msPerRequest;
  const inputs = capacityInputs({ edgeHitRatio: 0, msPerRequest: costs }, measured.perCore);
  /** A part's CPU per request, and the requests/s one core of it serves at the planned load. */
  const costAndPerCoreRows = (part: string, ms: number) => [
    [`${part} CPU ms per browse request`, fmt(ms, 2), 'edge sweep steps that met the objective'],
    [
      `req/s per ${part} core at ${PLANNING_UTILIZATION * 100}% busy`,
      fmt(requestsPerCore(ms)),
      `1000 / ${fmt(ms, 2)} x ${PLANNING_UTILIZATION}`,
    ],
  ];
  return {
    blocks: [
      '## Capacity model inputs',
      markdownTable(
        ['input', 'value', 'from'],
        [
          [
            'sustainable browse req/s per replica at the share',
            fmt(measured.perReplica, 1),
            `median over the ${readySweeps.length} valid replica sweeps (rate ÷ replicas), ${share} CPU each`,
          ],
          ['the same, per whole core', fmt(measured.perCore), `÷ ${share}`],
          ...costAndPerCoreRows('API', costs.api),
          [
            'planning figure: req/s per 1-CPU replica',
            fmt(inputs.apiRequestsPerReplica),
            'the lower of the two',
          ],
          ...costAndPerCoreRows('Postgres', costs.postgres),
          [
            'PgBouncer CPU ms per request (one thread)',
            fmt(costs.pgbouncer, 2),
            `one PgBouncer process tops out near ${fmt(1000 / costs.pgbouncer)} req/s`,
          ],
          ['nginx (edge + load balancer) CPU ms per request', fmt(costs.nginx, 2), ''],
        ],
      ),
      `## Capacity model: the browse mix at ${describeObjective(replicaSweeps[0]!.sweep.objective)}`,
      capacityModelTable(sizeSteadyAndSpike(MODEL_TARGET_RATES, inputs), [
        'target',
        'provisioned',
        'apiReplicas',
        'postgresCores',
        'pgbouncerCores',
        'nginxCores',
        'totalCores',
      ]),
    ],
    charts: [],
  };
}

// --- Gather, call, print ----------------------------------------------------------------------

const scenarios: ScenarioRun[] = await Promise.all(
  SCENARIO_RUNS.map(async ([label, file]) => ({
    label,
    file,
    results: await load<RunResults>(file),
  })),
);
const edgeSweeps = await Promise.all(
  ['edge-sweep-run1.json', 'edge-sweep-run2.json'].map((file) => load<SweepResults>(file)),
);
const ceiling = await load<CeilingFile>('framework-ceiling.json');
const replicaSweeps: ReplicaSweep[] = (
  await Promise.all(
    (
      await readdir(BASELINE)
    ).flatMap((file) => {
      const name = replicaSweepName(file);
      return name ? [load<SweepResults>(file).then((sweep) => ({ ...name, sweep }))] : [];
    }),
  )
).sort((a, b) => a.replicas - b.replicas || a.run - b.run);
const share = Number(replicaSweeps[0]!.sweep.params.cpuShare);
const smallShare = await load<SweepResults>('replicas-1-cpu0.1-run1.json');
const profileRuns = await Promise.all(
  ['profile-tag-page', 'profile-tag-page-run2'].map(async (name) => ({
    run: await load<ProfileRun>(`${name}.json`),
    summary: await load<ProfileSummaryFile>(`${name}-summary.json`),
  })),
);
const before = await loadResultSet('before (ea7d577)', path.join(RESULTS, 'before-issue-8'));
const after = await loadResultSet('after', path.join(RESULTS, 'after-issue-8'));

const sections: Section[] = [
  scenariosSection(scenarios),
  edgeSweepSection(edgeSweeps),
  ceilingSection(ceiling),
  replicasSection(replicaSweeps, smallShare, share),
  profileSection(profileRuns),
  modelSection(edgeSweeps, replicaSweeps, share),
  {
    blocks: [
      '## Issue 8: the targets before and after',
      beforeAfterTable(before, after),
      'The issue\'s "today" column is its own harness on 2,000 articles seeded through the API; the others are capacity/endpoints.ts and capacity/sweep.ts on the default seed (20,000 articles), medians over their rounds.',
      ...[before, after].flatMap((set) => [
        `## Capacity model, ${set.name}: the browse mix at its measured costs and edge hit ratio`,
        capacityModelSection(set),
      ]),
    ],
    charts: [],
  },
];

await mkdir(IMG, { recursive: true });
const charts = sections.flatMap((section) => section.charts);
for (const chart of charts) await writeFile(path.join(IMG, chart.file), chart.svg);
console.log(sections.flatMap((section) => section.blocks).join('\n\n'));
console.log(`\nwrote ${charts.map((chart) => `docs/img/${chart.file}`).join(', ')}`);
