// The capacity report's arithmetic (capacity/report-figures.ts) on small hand-made results, each
// figure worked out by hand in the test's name or comment.
import { describe, expect, it } from 'vitest';
import type { CpuUsage } from '../capacity/process-cpu.ts';
import type { SweepResults, SweepStep } from '../capacity/rate-sweep.ts';
import {
  articlesCreated,
  type CeilingRun,
  ceilingByTarget,
  costsOverSteps,
  isReady,
  nextStepOffered,
  replicaScaling,
  replicaSweepName,
  sustainedRateText,
  sustainedStep,
} from '../capacity/report-figures.ts';
import type { RunResults } from '../results.ts';
import type { Summary } from '../stats.ts';

function summary(name: string, values: Partial<Summary> = {}): Summary {
  return {
    name,
    requests: 0,
    requestsPerSecond: 0,
    p50: 0,
    p95: 0,
    p99: 0,
    max: 0,
    mean: 0,
    errors: 0,
    non2xx: 0,
    ...values,
  };
}

function step(rate: number, meets: boolean, values: Partial<SweepStep> = {}): SweepStep {
  return {
    rate,
    file: `${rate}.json`,
    overall: summary('all', { p50: rate / 10, p95: rate / 5, p99: rate / 2, requests: rate }),
    endpoints: [],
    delivered: 1,
    meets,
    ...values,
  };
}

function sweep(steps: SweepStep[]): SweepResults {
  const met = steps.filter((candidate) => candidate.meets).map((candidate) => candidate.rate);
  return { steps, maxSustainedRate: met.length === 0 ? 0 : Math.max(...met) } as SweepResults;
}

function cpu(parts: Partial<CpuUsage['parts']>, seconds = 10): CpuUsage {
  return { seconds, parts, machineCores: 1 } as CpuUsage;
}

describe('articles the scenario runs created', () => {
  it('when write-mix and soak runs created articles, some failing, then only the successes count', () => {
    const run = (scenario: string, requests: number, errors: number) =>
      ({ scenario, endpoints: [summary('create article', { requests, errors })] }) as RunResults;
    expect(
      articlesCreated([run('write-mix', 100, 3), run('soak', 20, 0), run('browse', 50, 0)]),
    ).toBe(117);
  });
});

describe('CPU per response over sweep steps', () => {
  it('when three steps cost the API 1, 2 and 4 ms a response, then the median is 2 and the range 1 – 4', () => {
    // 1,000 responses each; 1, 2 and 4 core-seconds.
    const steps = [1, 2, 4].map((seconds) =>
      step(1_000, true, { cpu: cpu({ api: seconds, nginx: 0.5 }) }),
    );
    expect(costsOverSteps(steps, ['api', 'nginx'])).toEqual({
      api: { median: 2, min: 1, max: 4 },
      nginx: { median: 0.5, min: 0.5, max: 0.5 },
    });
  });
});

describe('the framework ceiling per target', () => {
  const round = (target: string, requestsPerSecond: number, perCpu: number): CeilingRun => ({
    round: 1,
    target,
    requestsPerSecond,
    p50: 1,
    p99: 5,
    errors: 1,
    serverCores: 1,
    postgresCores: 0,
    requestsPerServerCpuSecond: perCpu,
  });

  it('when the API served a fifth of the bare server, then its share is 20% and the medians are over its rounds', () => {
    const rows = ceilingByTarget([
      round('hello-fastify', 10_000, 10_000),
      round('API GET /api/tags', 2_000, 2_500),
      round('hello-fastify', 12_000, 12_000),
      round('API GET /api/tags', 1_800, 2_300),
      round('hello-fastify', 8_000, 8_000),
      round('API GET /api/tags', 2_200, 2_700),
    ]);
    expect(rows.map((row) => row.target)).toEqual(['hello-fastify', 'API GET /api/tags']);
    expect(rows[1]).toMatchObject({
      requestsPerSecond: 2_000,
      min: 1_800,
      max: 2_200,
      errors: 3,
      shareOfFirst: 0.2,
      shareOfFirstPerCpu: 0.25,
    });
    expect(rows[0]!.shareOfFirst).toBe(1);
  });
});

describe('replica sweeps', () => {
  it('when a file is named replicas-N-runK.json, then it is N replicas, run K; another share is not one', () => {
    expect(replicaSweepName('replicas-4-run3.json')).toEqual({ replicas: 4, run: 3 });
    expect(replicaSweepName('replicas-1-cpu0.1-run1.json')).toBeUndefined();
  });

  it('when a sweep met 100 and 150 and missed 200, then it sustained 150 and missed next at 200', () => {
    const results = sweep([step(100, true), step(150, true), step(200, false)]);
    expect(sustainedStep(results)?.rate).toBe(150);
    expect(nextStepOffered(results)?.rate).toBe(200);
    expect(sustainedRateText(results)).toBe('150');
    expect(isReady(results)).toBe(true);
  });

  it('when its highest rate still met the objective, then the rate is a floor', () => {
    const results = sweep([step(100, true), step(150, true)]);
    expect(sustainedRateText(results)).toBe('≥ 150');
    expect(nextStepOffered(results)).toBeUndefined();
  });

  it('when its lowest rate already missed, then it measured processes not ready', () => {
    expect(isReady(sweep([step(100, false), step(150, true)]))).toBe(false);
  });

  it('when scaling out, then each count takes the ready sweeps only, against linear from one replica', () => {
    const scaling = replicaScaling([
      { replicas: 2, run: 1, sweep: sweep([step(150, true), step(200, false)]) },
      { replicas: 1, run: 1, sweep: sweep([step(80, true), step(100, false)]) },
      { replicas: 1, run: 2, sweep: sweep([step(100, true), step(120, false)]) },
      // Not ready: its 50 req/s must not pull the median down.
      { replicas: 2, run: 2, sweep: sweep([step(100, false), step(50, true)]) },
      { replicas: 2, run: 3, sweep: sweep([step(170, true), step(190, false)]) },
    ]);
    expect(scaling.map((row) => row.replicas)).toEqual([1, 2]);
    expect(scaling[0]).toMatchObject({
      sustained: { median: 90, lowest: 80, highest: 100 },
      linear: 90,
      // p99 at the sustained steps, 40 and 50 ms (rate / 2 in these fixtures): the median 45.
      latency: { p99: 45 },
    });
    expect(scaling[1]).toMatchObject({
      sustained: { median: 160, lowest: 150, highest: 170 },
      linear: 180,
    });
  });
});
