import { describe, expect, it } from 'vitest';
import type { EndpointRun, EndpointsResults } from '../capacity/endpoint-runs.ts';
import { compareGrowth, growthMarkdown } from '../capacity/growth.ts';
import type { SingleEndpointName } from '../scenarios.ts';

function run(endpoint: SingleEndpointName, p99: number, requestsPerSecond = 200): EndpointRun {
  return {
    endpoint,
    description: endpoint,
    repeat: 1,
    startedAt: '2026-12-04T00:00:00.000Z',
    overall: {
      name: endpoint,
      requests: requestsPerSecond * 20,
      requestsPerSecond,
      p50: p99 / 4,
      p95: p99 / 2,
      p99,
      max: p99 * 2,
      mean: p99 / 4,
      errors: 0,
      non2xx: 0,
    },
    statusCodes: { 200: requestsPerSecond * 20 },
    cacheStatuses: {},
    connectionErrors: 0,
    timeouts: 0,
    errorRate: 0,
  };
}

function results(
  articles: number,
  runs: EndpointRun[],
  params = { cache: 'on' },
): EndpointsResults {
  return {
    format: 'headroom-endpoints/1',
    label: 'data-growth',
    baseUrl: 'http://127.0.0.1:8080',
    startedAt: '2026-12-04T00:00:00.000Z',
    finishedAt: '2026-12-04T00:01:00.000Z',
    smoke: false,
    params,
    machine: { cpus: 2, cpuModel: 'test', memoryGiB: 24, node: 'v24', platform: 'Linux' },
    settings: {
      rate: 200,
      connections: 50,
      durationSeconds: 20,
      warmupSeconds: 10,
      repeats: 1,
      users: 50,
      slugs: 500,
    },
    dataSet: { articles, slugs: 500, tags: 100, authors: 400 },
    sessions: 50,
    runs,
  };
}

describe('p99 growth with the data set', () => {
  it('when a p99 grows by at most 1.5x, then that page is within the limit; above it, not', () => {
    const comparison = compareGrowth(
      results(20_000, [run('list', 20), run('profile', 10)]),
      results(1_000_000, [run('list', 30), run('profile', 15.5)]),
    );
    expect(comparison.rows.map((row) => [row.endpoint, row.growth.p99, row.withinLimit])).toEqual([
      ['list', 1.5, true],
      ['profile', 1.55, false],
    ]);
    expect(comparison.warnings).toEqual([]);
    expect(growthMarkdown(comparison)).toContain(
      '| list | 5.0 / 10.0 / 20.0 | 7.5 / 15.0 / 30.0 |',
    );
  });

  it('when the large run could not deliver its rate, then the page fails even with a small p99 growth', () => {
    const comparison = compareGrowth(
      results(20_000, [run('tag-list', 40)]),
      results(1_000_000, [run('tag-list', 44, 120)]),
    );
    expect(comparison.rows[0]).toMatchObject({ withinLimit: false });
    expect(comparison.rows[0]!.notes[0]).toContain('1M run saturated (120 of 200 req/s)');
  });

  it('when the runs differ in their cache setting or order, then the comparison warns', () => {
    const comparison = compareGrowth(
      results(1_000_000, [run('list', 20)], { cache: 'off' }),
      results(20_000, [run('list', 20)], { cache: 'on' }),
    );
    expect(comparison.warnings).toEqual([
      '--param cache differs: off and on',
      "the second run's data set is not the larger (1000000 and 20000 articles): give the 20k run first",
    ]);
  });

  it('when a run has several rounds, then each percentile is their median', () => {
    const comparison = compareGrowth(
      results(20_000, [run('feed', 10), { ...run('feed', 30), repeat: 2 }]),
      results(1_000_000, [run('feed', 20), { ...run('feed', 40), repeat: 2 }]),
    );
    expect(comparison.rows[0]!.small.p99).toBe(20);
    expect(comparison.rows[0]!.growth.p99).toBe(1.5);
  });
});
