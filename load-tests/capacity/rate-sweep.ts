// A rate sweep: the browse mix at increasing fixed rates, one run per rate, until a rate misses
// the objective; the highest rate that met it is the target's sustainable rate. Each run is an
// ordinary results file (what `npm run loadtest -- browse --rate R` writes); the sweep adds one
// summary file, sweep-<label>-<UTC time>.json, which the capacity report reads (report.ts).
// Used by sweep.ts (one target) and replicas.ts (1, 2, 4 replicas).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileStamp, type RunResults, writeResults } from '../results.ts';
import { runScenario } from '../run-scenario.ts';
import type { Summary } from '../stats.ts';
import { type CpuUsage, waitForQuiet } from './process-cpu.ts';

export const SWEEP_FORMAT = 'headroom-sweep/1';

/**
 * What a rate must do to count as met: all three. The sustainable rate is the highest offered
 * rate that met it; a lower one may have missed (a garbage-collection pause under a CPU limit,
 * docs/capacity.md section 3).
 */
export interface Objective {
  /** p99 of every response in the run, milliseconds, strictly below. */
  p99Ms: number;
  /** Errors allowed (connection errors, timeouts, unexpected statuses). */
  maxErrors: number;
  /** Responses per second at least this fraction of the offered rate (autocannon's rate mode
   *  slows down instead of queueing when the server falls behind: see load-tests/README). */
  minDelivered: number;
}

export const DEFAULT_OBJECTIVE: Objective = { p99Ms: 250, maxErrors: 0, minDelivered: 0.95 };

/**
 * A sweep stops after this many offered rates in a row miss the objective. Two, not one: a
 * rate can miss on a single stall and the next one up still pass (2 replicas at 0.15 CPU missed
 * 160 req/s and met 190 and 220 in both sweeps, docs/capacity.md section 3), so one miss would
 * stop the sweep below the rate it can sustain.
 */
export const DEFAULT_STOP_AFTER_MISSES = 2;

/** The objective in words, for tables and plots: `p99 < 250 ms, 0 errors, ≥ 95% delivered`. */
export function describeObjective(objective: Objective): string {
  const errors = objective.maxErrors === 0 ? '0 errors' : `at most ${objective.maxErrors} errors`;
  return `p99 < ${objective.p99Ms} ms, ${errors}, ≥ ${Math.round(objective.minDelivered * 100)}% delivered`;
}

export interface SweepStep {
  rate: number;
  /** Connections the rate was sent over (scenarios.ts connectionsFor). */
  connections?: number;
  file: string;
  overall: Summary;
  endpoints: Summary[];
  /** Responses per second over the offered rate. */
  delivered: number;
  meets: boolean;
  /** How the edge answered (X-Cache-Status counts), for its hit ratio; none without an edge. */
  cacheStatuses?: Record<string, number>;
  cpu?: CpuUsage;
  conditions?: RunResults['conditions'];
}

export interface SweepResults {
  format: typeof SWEEP_FORMAT;
  label: string;
  baseUrl: string;
  params: Record<string, string>;
  objective: Objective;
  secondsPerRate: number;
  startedAt: string;
  finishedAt: string;
  steps: SweepStep[];
  /** The highest rate that met the objective (0 if none did). */
  maxSustainedRate: number;
}

export function meetsObjective(results: RunResults, rate: number, objective: Objective): boolean {
  return (
    results.overall.p99 < objective.p99Ms &&
    // overall.errors already counts connection errors and timeouts (stats.ts).
    results.overall.errors <= objective.maxErrors &&
    results.overall.requestsPerSecond >= rate * objective.minDelivered
  );
}

export async function sweepRates({
  label,
  baseUrl,
  rates,
  secondsPerRate,
  warmupSeconds,
  objective = DEFAULT_OBJECTIVE,
  stopAfterMisses = DEFAULT_STOP_AFTER_MISSES,
  params = {},
  outDir,
  waitQuiet = true,
  stackDir,
  log = (line: string) => console.log(line),
}: {
  label: string;
  baseUrl: string;
  rates: number[];
  secondsPerRate: number;
  warmupSeconds: number;
  objective?: Objective;
  stopAfterMisses?: number;
  params?: Record<string, string>;
  outDir: string;
  waitQuiet?: boolean;
  /** The native stack whose parts' CPU is counted (default this checkout's). */
  stackDir?: string;
  log?: (line: string) => void;
}): Promise<{ summary: SweepResults; file: string }> {
  const onStack = stackDir === undefined ? {} : { stackDir };
  const startedAt = new Date();
  const quiet = (line: string) => {
    if (line.startsWith('  ')) log(line);
  };
  if (warmupSeconds > 0) {
    // Unrecorded: JIT, connection pools and Postgres' caches warm up here, not in the first step.
    log(`${label}: warm-up ${warmupSeconds} s at ${rates[0]} requests/s`);
    await runScenario({
      scenario: 'browse',
      baseUrl,
      plan: { rate: rates[0], durationSeconds: warmupSeconds },
      params,
      ...onStack,
      log: quiet,
    });
  }
  const steps: SweepStep[] = [];
  let misses = 0;
  for (const rate of rates) {
    const conditions = waitQuiet ? await waitForQuiet({ log, ...onStack }) : undefined;
    const results = await runScenario({
      scenario: 'browse',
      baseUrl,
      plan: { rate, durationSeconds: secondsPerRate },
      params: { ...params, sweep: label, rate: String(rate) },
      ...(conditions ? { conditions } : {}),
      ...onStack,
      log: quiet,
    });
    const files = await writeResults(outDir, results);
    const meets = meetsObjective(results, rate, objective);
    const step: SweepStep = {
      rate,
      connections: results.phases[0]?.connections,
      file: path.basename(files.json),
      overall: results.overall,
      endpoints: results.endpoints,
      delivered: Math.round((results.overall.requestsPerSecond / rate) * 1000) / 1000,
      meets,
      ...(results.cacheStatuses ? { cacheStatuses: results.cacheStatuses } : {}),
      ...(results.cpu ? { cpu: results.cpu } : {}),
      ...(conditions ? { conditions } : {}),
    };
    steps.push(step);
    const o = results.overall;
    const other = results.cpu ? (results.cpu.parts.other / results.cpu.seconds).toFixed(2) : '?';
    const postgres = results.cpu
      ? ((results.cpu.parts.postgres + (results.cpu.parts['postgres-replica'] ?? 0)) * 1000) /
        o.requests
      : Number.NaN;
    log(
      `${label}: ${rate} req/s offered -> ${o.requestsPerSecond} delivered, p50 ${o.p50} p95 ${o.p95} p99 ${o.p99} ms, ${o.errors} errors, Postgres ${postgres.toFixed(2)} ms CPU per request, other processes ${other} cores: ${meets ? 'meets' : 'MISSES'} the objective`,
    );
    misses = meets ? 0 : misses + 1;
    if (misses >= stopAfterMisses) break;
  }
  const summary: SweepResults = {
    format: SWEEP_FORMAT,
    label,
    baseUrl,
    params,
    objective,
    secondsPerRate,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    steps,
    maxSustainedRate: Math.max(0, ...steps.filter((step) => step.meets).map((step) => step.rate)),
  };
  const file = path.join(outDir, `sweep-${label}-${fileStamp(startedAt)}.json`);
  await writeFile(file, `${JSON.stringify(summary, null, 2)}\n`);
  log(`${label}: sustainable rate ${summary.maxSustainedRate} req/s; summary ${file}`);
  return { summary, file };
}
