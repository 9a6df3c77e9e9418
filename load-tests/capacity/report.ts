// `npx tsx load-tests/capacity/report.ts`: the tables and plots of docs/capacity.md, from the
// curated results in load-tests/results/baseline/ (copied there from the raw runs the commands
// in docs/capacity.md wrote), and issue 8's before/after table and capacity model from
// results/before-issue-8/ and results/after-issue-8/ (before-after.ts). Writes docs/img/capacity-*.svg and prints the tables, the
// per-request CPU costs and the capacity model as Markdown. Reads only committed files, so
// anyone can regenerate the page's figures without running a load test.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { completeSeconds, markdownTable, type RunResults } from '../results.ts';
import { SPIKE_MULTIPLIER } from '../scenarios.ts';
import { median, type Summary } from '../stats.ts';
import { renderBarChart, renderLineChart } from '../svg-charts.ts';
import { beforeAfterTable, capacityModelSection, loadResultSet } from './before-after.ts';
import {
  capacityInputs,
  estimateCapacity,
  PLANNING_UTILIZATION,
  requestsPerCore,
  SPARE_REPLICAS,
} from './capacity-model.ts';
import type { CpuUsage, Part } from './process-cpu.ts';
import { describeObjective, type SweepResults } from './rate-sweep.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const BASELINE = path.join(repoRoot, 'load-tests/results/baseline');
const IMG = path.join(repoRoot, 'docs/img');

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
const cores = (cpu: CpuUsage | undefined, part: Part) =>
  cpu === undefined ? Number.NaN : cpu.parts[part] / cpu.seconds;
/** CPU milliseconds one request cost a part of the stack. */
const msPerRequest = (cpu: CpuUsage | undefined, part: Part, requests: number) =>
  cpu === undefined ? Number.NaN : (cpu.parts[part] * 1000) / requests;

const out: string[] = [];
const print = (text = '') => out.push(text);
const written: string[] = [];
async function svg(name: string, content: string) {
  await mkdir(IMG, { recursive: true });
  await writeFile(path.join(IMG, name), content);
  written.push(`docs/img/${name}`);
}
const subtitleOf = (results: { machine: RunResults['machine'] }, date: string) =>
  `autocannon on the same ${results.machine.cpus}-core machine (${results.machine.cpuModel}), Node ${results.machine.node}, ${date.slice(0, 10)}`;

// --- 1. Scenarios through the edge -----------------------------------------------------------

const scenarioRuns: [string, string][] = [
  ['browse, 32 connections, closed loop, 30 s', 'edge-browse-run1.json'],
  ['browse, 32 connections, closed loop, 30 s', 'edge-browse-run2.json'],
  ['spike, 50 -> 400 -> 50 req/s, 60 s', 'edge-spike-run1.json'],
  ['spike, 50 -> 400 -> 50 req/s, 60 s', 'edge-spike-run2.json'],
  ['write-mix, 16 connections, closed loop, 30 s', 'edge-write-mix-run1.json'],
  ['write-mix, 16 connections, closed loop, 30 s', 'edge-write-mix-run2.json'],
  ['soak, 80 req/s, 180 s', 'edge-soak-180s.json'],
];
const scenarios = await Promise.all(
  scenarioRuns.map(async ([label, file]) => ({
    label,
    file,
    results: await load<RunResults>(file),
  })),
);
const row = (summary: Summary) => [
  fmt(summary.requestsPerSecond, 1),
  fmt(summary.p50, 1),
  fmt(summary.p95, 1),
  fmt(summary.p99, 1),
  fmt(summary.max, 1),
  summary.errors,
];
print('## Scenarios through the edge');
print();
print(
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
      ...row(results.overall),
      fmt(cores(results.cpu, 'api'), 2),
      fmt(cores(results.cpu, 'postgres'), 2),
      fmt(results.cpu?.machineCores ?? Number.NaN, 2),
      fmt(cores(results.cpu, 'other'), 2),
    ]),
  ),
);
print();
print('Spike phases:');
print();
print(
  markdownTable(
    ['run', 'phase', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors'],
    scenarios
      .filter(({ results }) => results.scenario === 'spike')
      .flatMap(({ file, results }) =>
        results.phaseSummaries.map((phase) => [`\`${file}\``, phase.name, ...row(phase)]),
      ),
  ),
);
print();
const browse1 = scenarios[0]!.results;
print('Per endpoint, browse run 1 (closed loop, 32 connections):');
print();
print(
  markdownTable(
    ['endpoint', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors'],
    browse1.endpoints.map((endpoint) => [endpoint.name, ...row(endpoint)]),
  ),
);

// What a write-mix request costs each part, to set against the browse costs below.
const writeMixRuns = scenarios.filter(({ results }) => results.scenario === 'write-mix');
const writeMixParts: Part[] = ['api', 'postgres', 'pgbouncer', 'worker', 'redis'];
print();
print("CPU ms per write-mix request (each part's core-seconds while loaded ÷ responses):");
print();
print(
  markdownTable(
    ['run', ...writeMixParts],
    writeMixRuns.map(({ file, results }) => [
      `\`${file}\``,
      ...writeMixParts.map((part) =>
        fmt(msPerRequest(results.cpu, part, results.overall.requests), 2),
      ),
    ]),
  ),
);
// The data set grows with every article these runs created: later runs see more rows.
const createdArticles = scenarios
  .filter(({ results }) => results.scenario === 'write-mix' || results.scenario === 'soak')
  .map(({ results }) => results.endpoints.find((endpoint) => endpoint.name === 'create article'))
  .reduce((sum, endpoint) => sum + (endpoint ? endpoint.requests - endpoint.errors : 0), 0);
print();
print(
  `Articles created by the write-mix and soak runs (\`create article\` responses without an error): ${fmt(createdArticles)}.`,
);

const firstOf = (scenario: string) =>
  scenarios.find(({ results }) => results.scenario === scenario)!;
const shown = ['browse', 'spike', 'write-mix', 'soak'].map(firstOf);
await svg(
  'capacity-scenarios.svg',
  renderBarChart({
    title: 'Latency per scenario through the edge (2 API replicas, run 1 of each)',
    subtitle: subtitleOf(browse1, browse1.startedAt),
    unit: 'ms',
    categories: shown.map(
      ({ results }) => `${results.scenario} (${fmt(results.overall.requestsPerSecond)} req/s)`,
    ),
    series: (['p50', 'p95', 'p99'] as const).map((metric) => ({
      name: metric,
      values: shown.map(({ results }) => results.overall[metric]),
    })),
  }),
);
const spike1 = firstOf('spike').results;
const spikeTimeline = completeSeconds(spike1);
await svg(
  'capacity-spike.svg',
  renderLineChart({
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
);

// --- 1b. The browse mix's sustainable rate through the edge ----------------------------------

const edgeSweeps = await Promise.all(
  ['edge-sweep-run1.json', 'edge-sweep-run2.json'].map((file) => load<SweepResults>(file)),
);
print();
print('## Browse rate sweep through the edge (2 replicas, no CPU limit)');
print();
print(
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
        fmt(cores(step.cpu, 'api'), 2),
        fmt(cores(step.cpu, 'postgres'), 2),
        fmt(step.cpu?.machineCores ?? Number.NaN, 2),
        step.meets ? 'yes' : '**no**',
      ]),
    ),
  ),
);
print();
print(
  `Sustainable rate (${describeObjective(edgeSweeps[0]!.objective)}): ${edgeSweeps.map((sweep) => `${sweep.maxSustainedRate} req/s`).join(' and ')}.`,
);
await svg(
  'capacity-edge-sweep.svg',
  renderLineChart({
    title: 'Browse mix through the edge: latency against offered rate (2 replicas)',
    subtitle: `${edgeSweeps[0]!.secondsPerRate} s per rate, two sweeps; objective p99 < ${edgeSweeps[0]!.objective.p99Ms} ms`,
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
        points: edgeSweeps[0]!.steps.map((step) => ({
          x: step.rate,
          y: edgeSweeps[0]!.objective.p99Ms,
        })),
      },
    ],
  }),
);

// --- CPU per browse request, from every edge sweep step that met the objective ----------------

const metSteps = edgeSweeps.flatMap((sweep) => sweep.steps.filter((step) => step.meets));
const parts: Part[] = ['api', 'postgres', 'pgbouncer', 'nginx', 'redis', 'worker', 'loadgen'];
const costs = Object.fromEntries(
  parts.map((part) => [
    part,
    median(metSteps.map((step) => msPerRequest(step.cpu, part, step.overall.requests))),
  ]),
) as Record<Part, number>;
print();
print('## CPU per browse request (median over the edge sweep steps that met the objective)');
print();
print(
  markdownTable(
    ['part', 'CPU ms per request', 'range over the steps'],
    parts.map((part) => {
      const values = metSteps.map((step) => msPerRequest(step.cpu, part, step.overall.requests));
      return [
        part,
        fmt(costs[part], 2),
        `${fmt(Math.min(...values), 2)} – ${fmt(Math.max(...values), 2)}`,
      ];
    }),
  ),
);

// --- 2. One API process against the bare Fastify ceiling -------------------------------------

interface CeilingRun {
  round: number;
  target: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  serverCores: number;
  postgresCores: number;
  requestsPerServerCpuSecond: number;
}
const ceiling = await load<{
  settings: { rounds: number; durationSeconds: number; connections: number };
  machine: RunResults['machine'];
  finishedAt: string;
  runs: CeilingRun[];
}>('framework-ceiling.json');
const targets = [...new Set(ceiling.runs.map((run) => run.target))];
const byTarget = targets.map((target) => {
  const runs = ceiling.runs.filter((run) => run.target === target);
  const rps = runs.map((run) => run.requestsPerSecond);
  return {
    target,
    rps: median(rps),
    min: Math.min(...rps),
    max: Math.max(...rps),
    p99: median(runs.map((run) => run.p99)),
    perCpu: median(runs.map((run) => run.requestsPerServerCpuSecond)),
    serverCores: median(runs.map((run) => run.serverCores)),
    postgresCores: median(runs.map((run) => run.postgresCores)),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
  };
});
const hello = byTarget[0]!;
print();
print('## One API process against the bare Fastify ceiling');
print();
print(
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
    byTarget.map((t) => [
      t.target,
      `${fmt(t.rps)} (${fmt(t.min)} – ${fmt(t.max)})`,
      t.p99,
      t.errors,
      `${fmt((t.rps / hello.rps) * 100, 1)}%`,
      fmt(t.serverCores, 2),
      fmt(t.perCpu),
      `${fmt((t.perCpu / hello.perCpu) * 100, 1)}%`,
      fmt(t.postgresCores, 2),
    ]),
  ),
);
await svg(
  'capacity-ceiling.svg',
  renderBarChart({
    title: 'One API process against a hello-world Fastify server',
    subtitle: `median of ${ceiling.settings.rounds} interleaved rounds, ${ceiling.settings.connections} connections, ${ceiling.settings.durationSeconds} s each; ${subtitleOf(ceiling, ceiling.finishedAt)}`,
    unit: 'requests/s',
    categories: byTarget.map((t) => t.target.replace('API GET ', '')),
    series: [{ name: 'requests/s', values: byTarget.map((t) => t.rps) }],
  }),
);

// --- 3. 1, 2 and 4 replicas, each held to the same CPU share ----------------------------------

const replicaSweeps = (
  await Promise.all(
    (
      await readdir(BASELINE)
    )
      .map((file) => /^replicas-(\d+)-run(\d+)\.json$/.exec(file))
      .filter((match) => match !== null)
      .map(async ([file, replicas, run]) => ({
        replicas: Number(replicas),
        run: Number(run),
        sweep: await load<SweepResults>(file!),
      })),
  )
).sort((a, b) => a.replicas - b.replicas || a.run - b.run);
const replicaCounts = [...new Set(replicaSweeps.map((entry) => entry.replicas))];
/**
 * A sweep whose highest offered rate still met the objective ran out of rates before it found
 * the ceiling: its sustainable rate is a floor (a lower rate may have missed on the way).
 */
const sustainedText = (sweep: SweepResults) =>
  sweep.steps.at(-1)?.meets ? `≥ ${sweep.maxSustainedRate}` : `${sweep.maxSustainedRate}`;
const share = Number(replicaSweeps[0]!.sweep.params.cpuShare);
const sustainedStep = (sweep: SweepResults) =>
  sweep.steps.find((step) => step.rate === sweep.maxSustainedRate);
print();
print(`## 1, 2 and 4 replicas behind the load balancer, ${share} CPU each`);
print();
print(
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
      const next = sweep.steps.find((candidate) => candidate.rate > sweep.maxSustainedRate);
      return [
        replicas,
        sweep.steps[0]?.meets ? run : `${run} (not ready: left out)`,
        sustainedText(sweep),
        fmt(sweep.maxSustainedRate / replicas, 1),
        fmt(step?.overall.p50 ?? Number.NaN, 1),
        fmt(step?.overall.p95 ?? Number.NaN, 1),
        fmt(step?.overall.p99 ?? Number.NaN, 1),
        fmt(cores(step?.cpu, 'api'), 2),
        fmt(cores(step?.cpu, 'postgres'), 2),
        fmt(step?.cpu?.machineCores ?? Number.NaN, 2),
        next
          ? `${next.rate}: ${fmt(next.overall.p99)} ms, ${fmt(next.overall.requestsPerSecond)}`
          : '–',
      ];
    }),
  ),
);
/**
 * Sweeps whose lowest rate already missed measured processes that were not ready (the first
 * sweep after a restart, still compiling and growing its heap under the CPU limit): listed in
 * the table, left out of the medians, the plots and the model.
 */
const validSweeps = replicaSweeps.filter((entry) => entry.sweep.steps[0]?.meets === true);
const sustainedBy = (replicas: number) =>
  validSweeps.filter((entry) => entry.replicas === replicas).map((entry) => entry.sweep);
const oneReplica = median(sustainedBy(1).map((sweep) => sweep.maxSustainedRate));
await svg(
  'capacity-replicas.svg',
  renderLineChart({
    title: `Sustainable browse rate and its latency by replicas (${share} CPU each)`,
    subtitle: `through the load balancer; bars: sustainable req/s, lines: latency at that rate (medians over the sweeps); objective p99 < ${replicaSweeps[0]!.sweep.objective.p99Ms} ms`,
    xLabel: 'API replicas',
    unit: 'ms',
    xTicksAtData: true,
    series: (['p50', 'p95', 'p99'] as const).map((metric) => ({
      name: `${metric} at the sustainable rate`,
      points: replicaCounts.map((replicas) => ({
        x: replicas,
        y: median(
          sustainedBy(replicas)
            .map((sweep) => sustainedStep(sweep)?.overall[metric])
            .filter((value) => value !== undefined),
        ),
      })),
    })),
    background: {
      name: 'sustainable req/s',
      unit: 'requests/s',
      points: replicaCounts.map((replicas) => ({
        x: replicas,
        y: median(sustainedBy(replicas).map((sweep) => sweep.maxSustainedRate)),
      })),
    },
  }),
);
await svg(
  'capacity-replicas-throughput.svg',
  renderLineChart({
    title: `Sustainable browse rate by replicas (${share} CPU each), against linear scaling`,
    subtitle: `each sweep: the highest offered rate with ${describeObjective(replicaSweeps[0]!.sweep.objective)}`,
    xLabel: 'API replicas',
    unit: 'requests/s',
    xTicksAtData: true,
    series: [
      {
        name: 'median of the sweeps',
        points: replicaCounts.map((replicas) => ({
          x: replicas,
          y: median(sustainedBy(replicas).map((sweep) => sweep.maxSustainedRate)),
        })),
      },
      {
        name: 'lowest sweep',
        points: replicaCounts.map((replicas) => ({
          x: replicas,
          y: Math.min(...sustainedBy(replicas).map((sweep) => sweep.maxSustainedRate)),
        })),
      },
      {
        name: 'highest sweep',
        points: replicaCounts.map((replicas) => ({
          x: replicas,
          y: Math.max(...sustainedBy(replicas).map((sweep) => sweep.maxSustainedRate)),
        })),
      },
      {
        name: 'linear from 1 replica',
        points: replicaCounts.map((replicas) => ({ x: replicas, y: oneReplica * replicas })),
      },
    ],
  }),
);

const smallShare = await load<SweepResults>('replicas-1-cpu0.1-run1.json');
print();
print(
  `One replica at ${smallShare.params.cpuShare ?? '0.1'} CPU (the share tried first, then abandoned):`,
);
print();
print(
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
      fmt(cores(step.cpu, 'api'), 2),
      fmt(msPerRequest(step.cpu, 'api', step.overall.requests), 2),
      step.meets ? 'yes' : '**no**',
    ]),
  ),
);

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
const profileRuns = await Promise.all(
  ['profile-tag-page', 'profile-tag-page-run2'].map(async (name) => ({
    run: await load<ProfileRun>(`${name}.json`),
    summary: await load<ProfileSummaryFile>(`${name}-summary.json`),
  })),
);
const { run: profileRun, summary: profileSummary } = profileRuns[0]!;
print();
print(`## Where the time goes: ${profileRun.endpoint}`);
print();
print(
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
      fmt(run.cpu.parts.other / run.cpu.seconds, 2),
    ]),
  ),
);
print();
print(
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
);
const shownComponents = profileSummary.components.filter(
  (component) => component.percentOfBusy >= 1,
);
await svg(
  'capacity-profile.svg',
  renderBarChart({
    title: `Where one API process spends its CPU on the ${profileRun.endpoint}`,
    subtitle: `share of the main thread's busy time, each sample counted for the first library on its stack; Postgres used ${fmt(profileRun.cpuMsPerRequest.postgres / profileRun.cpuMsPerRequest.api, 1)}x the API's CPU per request`,
    unit: '% of busy time',
    categories: shownComponents.map((component) => component.name.replace(/ \(.*\)$/, '')),
    series: [{ name: '% of busy time', values: shownComponents.map((c) => c.percentOfBusy) }],
  }),
);

// --- 5. The capacity model --------------------------------------------------------------------

/** Rates the model sizes for: a small site, about what this machine sustains, several machines' worth. */
const MODEL_TARGET_RATES = [100, 500, 2000];
const perReplicaMeasured = median(
  validSweeps.map(({ replicas, sweep }) => sweep.maxSustainedRate / replicas),
);
const perCoreFromShare = perReplicaMeasured / share;
// The edge cached no API response when the baseline was measured: every request reached it.
const baselineInputs = capacityInputs({ edgeHitRatio: 0, msPerRequest: costs }, perCoreFromShare);
const perCoreFromCost = requestsPerCore(costs.api);
const postgresPerCore = requestsPerCore(costs.postgres);
const utilization = `${PLANNING_UTILIZATION * 100}%`;
print();
print('## Capacity model inputs');
print();
print(
  markdownTable(
    ['input', 'value', 'from'],
    [
      [
        'sustainable browse req/s per replica at the share',
        fmt(perReplicaMeasured, 1),
        `median over the ${validSweeps.length} valid replica sweeps (rate ÷ replicas), ${share} CPU each`,
      ],
      ['the same, per whole core', fmt(perCoreFromShare), `÷ ${share}`],
      [
        'API CPU ms per browse request',
        fmt(costs.api, 2),
        'edge sweep steps that met the objective',
      ],
      [
        `req/s per API core at ${utilization} busy`,
        fmt(perCoreFromCost),
        `1000 / ${fmt(costs.api, 2)} x ${PLANNING_UTILIZATION}`,
      ],
      [
        'planning figure: req/s per 1-CPU replica',
        fmt(baselineInputs.apiRequestsPerReplica),
        'the lower of the two',
      ],
      [
        'Postgres CPU ms per browse request',
        fmt(costs.postgres, 2),
        'edge sweep steps that met the objective',
      ],
      [
        `req/s per Postgres core at ${utilization} busy`,
        fmt(postgresPerCore),
        `1000 / ${fmt(costs.postgres, 2)} x ${PLANNING_UTILIZATION}`,
      ],
      [
        'PgBouncer CPU ms per request (one thread)',
        fmt(costs.pgbouncer, 2),
        `one PgBouncer process tops out near ${fmt(1000 / costs.pgbouncer)} req/s`,
      ],
      ['nginx (edge + load balancer) CPU ms per request', fmt(costs.nginx, 2), ''],
    ],
  ),
);
print();
print(
  `## Capacity model: the browse mix at ${describeObjective(replicaSweeps[0]!.sweep.objective)}`,
);
print();
const modelRows = MODEL_TARGET_RATES.flatMap((target) =>
  [1, SPIKE_MULTIPLIER].map((spike) => {
    const estimate = estimateCapacity(target * spike, baselineInputs);
    return [
      fmt(target),
      spike === 1 ? 'steady' : `${spike}x spike: ${fmt(estimate.rate)}`,
      estimate.apiReplicas,
      estimate.postgresCores,
      fmt(estimate.pgbouncerCores, 2),
      fmt(estimate.nginxCores, 2),
      estimate.totalCores,
    ];
  }),
);
print(
  markdownTable(
    [
      'target req/s',
      'provisioned for',
      `API replicas (1 CPU each, N+${SPARE_REPLICAS})`,
      'Postgres cores',
      'PgBouncer cores',
      'nginx cores',
      'cores in all (rounded up)',
    ],
    modelRows,
  ),
);

// --- Issue 8: before and after ----------------------------------------------------------------

const RESULTS = path.join(repoRoot, 'load-tests/results');
const before = await loadResultSet('before (ea7d577)', path.join(RESULTS, 'before-issue-8'));
const after = await loadResultSet('after', path.join(RESULTS, 'after-issue-8'));
print();
print('## Issue 8: the targets before and after');
print();
print(beforeAfterTable(before, after));
print();
print(
  'The issue\'s "today" column is its own harness on 2,000 articles seeded through the API; the others are capacity/endpoints.ts and capacity/sweep.ts on the default seed (20,000 articles), medians over their rounds.',
);
for (const set of [before, after]) {
  print();
  print(`## Capacity model, ${set.name}: the browse mix at its measured costs and edge hit ratio`);
  print();
  print(capacityModelSection(set));
}

console.log(out.join('\n'));
console.log(`\nwrote ${written.join(', ')}`);
