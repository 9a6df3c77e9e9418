import { describe, expect, it } from 'vitest';
import {
  createLatencyHistogram,
  createRecorder,
  edgeHitRatio,
  median,
  summarizeLatencies,
} from '../stats.ts';

describe('the latency histogram', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, index) => index + 1);

  it('when given 1..100 ms, then pN is N ms (nearest rank)', () => {
    expect(summarizeLatencies(oneToHundred)).toEqual({
      p50: 50,
      p95: 95,
      p99: 99,
      max: 100,
      mean: 50.5,
    });
  });

  it('when the rank falls between values, then it takes the next value up, never interpolates', () => {
    expect(summarizeLatencies([10, 20, 30, 40]).p50).toBe(20);
    expect(summarizeLatencies([10, 20, 30]).p99).toBe(30);
  });

  it('when there is one time or none, then every figure is that time or 0', () => {
    expect(summarizeLatencies([7])).toEqual({ p50: 7, p95: 7, p99: 7, max: 7, mean: 7 });
    expect(summarizeLatencies([])).toEqual({ p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
  });

  it('when times are fractions of a millisecond, then they keep their tenths', () => {
    expect(summarizeLatencies([0.4, 1.26, 2.35])).toMatchObject({ p50: 1.3, max: 2.4 });
  });

  it('when a million times spread over four decades, then each percentile is within 0.1% of the exact nearest rank', () => {
    // A fixed sequence, so the test cannot pass by luck: 0.5 ms to 5 s, skewed like response times.
    const times = Array.from(
      { length: 1_000_000 },
      (_, index) => 0.5 * 10_000 ** (((index * 7919) % 1_000_000) / 1_000_000),
    );
    const sorted = Float64Array.from(times).sort();
    const exact = (p: number) => sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
    const summary = summarizeLatencies(times);
    for (const [p, value] of [
      [50, summary.p50],
      [95, summary.p95],
      [99, summary.p99],
    ] as const) {
      expect(Math.abs(value - exact(p)) / exact(p)).toBeLessThan(0.001 + 0.05 / exact(p));
    }
    expect(summary.max).toBe(Math.round(sorted.at(-1)! * 10) / 10);
  });

  it('when recorded one by one, then the count and summary match the list form', () => {
    const histogram = createLatencyHistogram({ sparse: true });
    for (const ms of [100, 9, 80, 7, 1000, 50, 60, 70, 20, 30]) histogram.record(ms);
    expect(histogram.count).toBe(10);
    expect(histogram.summary()).toEqual({ p50: 50, p95: 1000, p99: 1000, max: 1000, mean: 142.6 });
  });

  it('when a median is asked of unsorted figures, then it is the middle one or the mean of two', () => {
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 30, 20])).toBe(25);
    expect(median([])).toBeNaN();
  });
});

describe('createRecorder', () => {
  it('when responses and connection errors come in, then each table counts its own', () => {
    const recorder = createRecorder();
    const response = { phase: 'steady', status: 200, expected: true, ms: 10, at: 0.5 };
    recorder.response({ ...response, label: 'home' });
    recorder.response({ ...response, label: 'home', ms: 30, at: 1.2 });
    recorder.response({ ...response, label: 'article', status: 500, expected: false, at: 1.5 });
    recorder.response({ ...response, label: 'article', status: 404, expected: true, at: 1.7 });
    recorder.connectionError('steady', 1.9, true);

    const result = recorder.summarize(new Map([['steady', 2]]));

    expect(result.overall).toMatchObject({
      requests: 4,
      requestsPerSecond: 2,
      errors: 2,
      non2xx: 2,
    });
    expect(result.endpoints.map((row) => [row.name, row.requests, row.errors])).toEqual([
      ['home', 2, 0],
      ['article', 2, 1],
    ]);
    expect(result.timeline.map((point) => [point.second, point.requests, point.errors])).toEqual([
      [0, 1, 0],
      [1, 3, 2],
    ]);
    expect(result.statusCodes).toEqual({ 200: 2, 404: 1, 500: 1 });
    expect(result).toMatchObject({ connectionErrors: 1, timeouts: 1, errorRate: 2 / 5 });
  });
});

describe('the edge hit ratio', () => {
  it('when the edge served some responses from its cache, then hits, stale and updating count as served', () => {
    expect(edgeHitRatio({ HIT: 6, STALE: 1, UPDATING: 1, MISS: 1, BYPASS: 1 })).toBe(0.8);
  });

  it('when every response reached the API, then the ratio is 0', () => {
    expect(edgeHitRatio({ MISS: 10, EXPIRED: 3, REVALIDATED: 2 })).toBe(0);
  });

  it('when no response carried X-Cache-Status, then the ratio is unknown, not 0', () => {
    expect(edgeHitRatio({})).toBeNaN();
    expect(edgeHitRatio(undefined)).toBeNaN();
  });
});

describe('the recorder', () => {
  it('when responses carry the edge cache status, then the summary counts each status', () => {
    const recorder = createRecorder();
    for (const cacheStatus of ['HIT', 'HIT', 'MISS', undefined]) {
      recorder.response({
        label: 'list',
        phase: 'steady',
        status: 200,
        expected: true,
        ms: 1,
        at: 0,
        cacheStatus,
      });
    }
    expect(recorder.summarize(new Map([['steady', 1]])).cacheStatuses).toEqual({ HIT: 2, MISS: 1 });
  });
});
