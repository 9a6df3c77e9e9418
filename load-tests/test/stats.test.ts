import { describe, expect, it } from 'vitest';
import { createRecorder, edgeHitRatio, median, percentile, summarizeLatencies } from '../stats.ts';

describe('percentile', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, index) => index + 1);

  it('when given 1..100, then pN is N (nearest rank)', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 95)).toBe(95);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
  });

  it('when the rank falls between values, then it takes the next value up, never interpolates', () => {
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
    expect(percentile([10, 20, 30], 99)).toBe(30);
  });

  it('when there is one value or none, then every percentile is that value or 0', () => {
    expect(percentile([7], 1)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 99)).toBe(0);
    expect(percentile([3, 4], 0)).toBe(3);
  });

  it('when a median is asked of unsorted values, then it is the middle one or the mean of two', () => {
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 30, 20])).toBe(25);
    expect(median([])).toBeNaN();
  });

  it('when summarising unsorted times, then it sorts numerically, not as strings', () => {
    const summary = summarizeLatencies([100, 9, 80, 7, 1000, 50, 60, 70, 20, 30]);
    expect(summary).toEqual({ p50: 50, p95: 1000, p99: 1000, max: 1000, mean: 142.6 });
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
