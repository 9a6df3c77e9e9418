// The arithmetic of the capacity report over the committed runs, as functions with tests
// (test/report-figures.test.ts): report.ts loads the files, calls these and the capacity model
// (capacity-model.ts), and prints. Nothing here reads a file or the clock.
import type { RunResults } from '../results.ts';
import { median } from '../stats.ts';
import { msPerResponse, type Part } from './process-cpu.ts';
import type { SweepResults, SweepStep } from './rate-sweep.ts';

/**
 * Articles the write-mix and soak runs created (`create article` responses without an error):
 * the data set grows with every one, so later runs see more rows.
 */
export function articlesCreated(runs: readonly RunResults[]): number {
  return runs
    .filter((run) => run.scenario === 'write-mix' || run.scenario === 'soak')
    .map((run) => run.endpoints.find((endpoint) => endpoint.name === 'create article'))
    .reduce((sum, endpoint) => sum + (endpoint ? endpoint.requests - endpoint.errors : 0), 0);
}

export interface CostRange {
  median: number;
  min: number;
  max: number;
}

/** CPU ms per response of each part over some sweep steps: the median and the range. */
export function costsOverSteps<P extends Part>(
  steps: readonly SweepStep[],
  parts: readonly P[],
): Record<P, CostRange> {
  return Object.fromEntries(
    parts.map((part) => {
      const values = steps.map((step) => msPerResponse(step.cpu, part, step.overall.requests));
      return [part, { median: median(values), min: Math.min(...values), max: Math.max(...values) }];
    }),
  ) as Record<P, CostRange>;
}

/** One round against one target in framework-ceiling.json (benchmarks/framework-ceiling.ts). */
export interface CeilingRun {
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

export interface CeilingTarget {
  target: string;
  /** Medians over the rounds, and the range of requests/s. */
  requestsPerSecond: number;
  min: number;
  max: number;
  p99: number;
  requestsPerServerCpuSecond: number;
  serverCores: number;
  postgresCores: number;
  /** Summed over the rounds. */
  errors: number;
  /** Against the first target (the bare Fastify server): requests/s, and per CPU-second. */
  shareOfFirst: number;
  shareOfFirstPerCpu: number;
}

/** The ceiling benchmark per target, in the order the targets first appear. */
export function ceilingByTarget(runs: readonly CeilingRun[]): CeilingTarget[] {
  const targets = [...new Set(runs.map((run) => run.target))].map((target) => {
    const own = runs.filter((run) => run.target === target);
    const rps = own.map((run) => run.requestsPerSecond);
    return {
      target,
      requestsPerSecond: median(rps),
      min: Math.min(...rps),
      max: Math.max(...rps),
      p99: median(own.map((run) => run.p99)),
      requestsPerServerCpuSecond: median(own.map((run) => run.requestsPerServerCpuSecond)),
      serverCores: median(own.map((run) => run.serverCores)),
      postgresCores: median(own.map((run) => run.postgresCores)),
      errors: own.reduce((sum, run) => sum + run.errors, 0),
    };
  });
  const first = targets[0];
  return targets.map((target) => ({
    ...target,
    shareOfFirst: first ? target.requestsPerSecond / first.requestsPerSecond : Number.NaN,
    shareOfFirstPerCpu: first
      ? target.requestsPerServerCpuSecond / first.requestsPerServerCpuSecond
      : Number.NaN,
  }));
}

/** A replica sweep from capacity/replicas.ts, with the replica count and run its file names. */
export interface ReplicaSweep {
  replicas: number;
  run: number;
  sweep: SweepResults;
}

/** `replicas-2-run1.json` gives 2 replicas, run 1; any other name (another share) nothing. */
export function replicaSweepName(file: string): { replicas: number; run: number } | undefined {
  const match = /^replicas-(\d+)-run(\d+)\.json$/.exec(file);
  return match ? { replicas: Number(match[1]), run: Number(match[2]) } : undefined;
}

/** The step at the sweep's sustainable rate; none when no rate met the objective. */
export function sustainedStep(sweep: SweepResults): SweepStep | undefined {
  return sweep.steps.find((step) => step.rate === sweep.maxSustainedRate);
}

/** The first rate offered above the sustainable one: how the sweep missed. */
export function nextStepOffered(sweep: SweepResults): SweepStep | undefined {
  return sweep.steps.find((step) => step.rate > sweep.maxSustainedRate);
}

/**
 * The sustainable rate as text. A sweep whose highest offered rate still met the objective ran
 * out of rates before it found the ceiling: its rate is a floor, `≥ N`.
 */
export function sustainedRateText(sweep: SweepResults): string {
  return sweep.steps.at(-1)?.meets ? `≥ ${sweep.maxSustainedRate}` : `${sweep.maxSustainedRate}`;
}

/**
 * Whether a sweep measured processes that were ready. One whose lowest rate already missed
 * measured processes still compiling and growing their heap under the CPU limit (the first
 * sweep after a restart): listed in the table, left out of the medians, the plots and the model.
 */
export function isReady(sweep: SweepResults): boolean {
  return sweep.steps[0]?.meets === true;
}

export interface ReplicaScaling {
  replicas: number;
  /** Sustainable req/s over the ready sweeps with this many replicas. */
  sustained: { median: number; lowest: number; highest: number };
  /** Median over those sweeps of the latency at their sustainable rate. */
  latency: { p50: number; p95: number; p99: number };
  /** One replica's median sustainable rate times the replicas: what linear scaling would give. */
  linear: number;
}

/** Per replica count, from the ready sweeps: what scaling out bought. */
export function replicaScaling(sweeps: readonly ReplicaSweep[]): ReplicaScaling[] {
  const counts = [...new Set(sweeps.map((entry) => entry.replicas))].sort((a, b) => a - b);
  const readyWith = (replicas: number) =>
    sweeps
      .filter((entry) => entry.replicas === replicas && isReady(entry.sweep))
      .map((entry) => entry.sweep);
  const oneReplica = median(readyWith(1).map((sweep) => sweep.maxSustainedRate));
  return counts.map((replicas) => {
    const ready = readyWith(replicas);
    const rates = ready.map((sweep) => sweep.maxSustainedRate);
    const latencyAt = (metric: 'p50' | 'p95' | 'p99') =>
      median(
        ready
          .map((sweep) => sustainedStep(sweep)?.overall[metric])
          .filter((value) => value !== undefined),
      );
    return {
      replicas,
      sustained: { median: median(rates), lowest: Math.min(...rates), highest: Math.max(...rates) },
      latency: { p50: latencyAt('p50'), p95: latencyAt('p95'), p99: latencyAt('p99') },
      linear: oneReplica * replicas,
    };
  });
}
