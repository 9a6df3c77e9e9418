import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CpuUsage,
  coresUsed,
  cpuSnapshot,
  cpuUsage,
  msPerResponse,
} from '../capacity/process-cpu.ts';
import { DEFAULT_OBJECTIVE, meetsObjective } from '../capacity/rate-sweep.ts';
import type { RunResults } from '../results.ts';

function run(overall: { p99: number; errors: number; requestsPerSecond: number }): RunResults {
  return {
    overall: { name: 'all', requests: 1, p50: 1, p95: 1, max: 1, mean: 1, non2xx: 0, ...overall },
    connectionErrors: 0,
  } as RunResults;
}

describe('the sweep objective', () => {
  it('when p99 is under the bound, nothing failed and the rate was delivered, then the rate is met', () => {
    expect(
      meetsObjective(run({ p99: 249, errors: 0, requestsPerSecond: 96 }), 100, DEFAULT_OBJECTIVE),
    ).toBe(true);
  });

  it('when p99 reaches the bound, then the rate is missed', () => {
    expect(
      meetsObjective(run({ p99: 250, errors: 0, requestsPerSecond: 100 }), 100, DEFAULT_OBJECTIVE),
    ).toBe(false);
  });

  it('when one request failed, then the rate is missed whatever the latency', () => {
    expect(
      meetsObjective(run({ p99: 10, errors: 1, requestsPerSecond: 100 }), 100, DEFAULT_OBJECTIVE),
    ).toBe(false);
  });

  it('when the load generator fell behind the offered rate, then the rate is missed', () => {
    // autocannon waits for slow answers instead of queueing: fast responses at a lower rate.
    expect(
      meetsObjective(run({ p99: 10, errors: 0, requestsPerSecond: 94 }), 100, DEFAULT_OBJECTIVE),
    ).toBe(false);
  });
});

describe('CPU per part of the stack', () => {
  it('when this process burns CPU between two snapshots, then it counts as the load generator', () => {
    const before = cpuSnapshot();
    // 150 ms of this process's own CPU time, however busy the machine is.
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 150_000) Math.sqrt(Math.random());
    const usage = cpuUsage(before, cpuSnapshot());
    expect(usage.parts.loadgen).toBeGreaterThan(0.05);
    expect(usage.parts.loadgen).toBeLessThanOrEqual(usage.seconds + 0.05);
    expect(usage.machineCores).toBeGreaterThan(0);
  });
});

describe('CPU per response and cores from a usage', () => {
  // 10 s in which the API used 5 core-seconds, Postgres 2 and its replica 1.
  const usage = {
    seconds: 10,
    parts: { api: 5, postgres: 2, 'postgres-replica': 1 },
    machineCores: 1,
  } as CpuUsage;

  it('when 1,000 responses were served, then each cost the parts 1000 x core-seconds ÷ responses ms', () => {
    expect(msPerResponse(usage, 'api', 1_000)).toBe(5);
    expect(msPerResponse(usage, ['postgres', 'postgres-replica'], 1_000)).toBe(3);
    expect(coresUsed(usage, 'api')).toBe(0.5);
  });

  it('when an older file lacks a part, then that part used nothing', () => {
    expect(msPerResponse(usage, 'redis-cache', 1_000)).toBe(0);
    expect(coresUsed(usage, 'redis-cache')).toBe(0);
  });

  it('when a run has no CPU figures or no responses, then the figure is unknown, not 0', () => {
    expect(msPerResponse(undefined, 'api', 1_000)).toBeNaN();
    expect(msPerResponse(usage, 'api', 0)).toBeNaN();
    expect(coresUsed(undefined, 'api')).toBeNaN();
  });
});

describe('the stack a snapshot reads', () => {
  it("when another checkout's stack names this process as its cache Redis, then its CPU counts as redis-cache", async () => {
    const stackDir = await mkdtemp(path.join(os.tmpdir(), 'headroom-stack-'));
    try {
      await mkdir(path.join(stackDir, 'redis-cache'));
      await writeFile(path.join(stackDir, 'redis-cache', 'redis.pid'), `${process.pid}\n`);
      const before = cpuSnapshot({ stackDir });
      const start = process.cpuUsage();
      while (process.cpuUsage(start).user < 150_000) Math.sqrt(Math.random());
      const usage = cpuUsage(before, cpuSnapshot({ stackDir }));
      expect(usage.parts['redis-cache']).toBeGreaterThan(0.05);
      expect(usage.parts.loadgen).toBeLessThan(usage.parts['redis-cache']);
    } finally {
      await rm(stackDir, { recursive: true, force: true });
    }
  });
});
