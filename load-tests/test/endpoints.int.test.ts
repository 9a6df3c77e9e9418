// The single-endpoint benchmarks end to end: a real API process over a small seeded database,
// capacity/endpoints.ts in smoke mode (every row of issue 8's targets table, a second each) and
// capacity/data-growth.ts measuring and comparing, through their entry files as a person runs them.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EndpointsResults } from '../capacity/endpoint-runs.ts';
import { DATA_GROWTH_ENDPOINTS, TARGET_ENDPOINTS } from '../scenarios.ts';
import { runEntryFile, type SeededApi, SMALL_SEED, startSeededApi } from './support/seeded-api.ts';

async function resultsIn(dir: string): Promise<{ json: EndpointsResults; markdown: string }> {
  const files = (await readdir(dir)).sort();
  expect(files).toEqual([
    expect.stringMatching(/^\d{4}-\d\d-\d\dT\d{6}Z-endpoints-[\w-]+\.json$/),
    expect.stringMatching(/^\d{4}-\d\d-\d\dT\d{6}Z-endpoints-[\w-]+\.md$/),
  ]);
  return {
    json: JSON.parse(await readFile(path.join(dir, files[0]!), 'utf8')) as EndpointsResults,
    markdown: await readFile(path.join(dir, files[1]!), 'utf8'),
  };
}

describe('the single-endpoint benchmarks', () => {
  let seeded: SeededApi;

  beforeAll(async () => {
    seeded = await startSeededApi('endpoints', inject('adminDatabaseUrl'));
  });

  afterAll(async () => {
    await seeded?.stop();
  });

  it('when endpoints.ts runs in smoke mode, then every target row is measured without an error', async () => {
    const dir = path.join(seeded.outDir, 'targets');
    const { stdout } = await runEntryFile('load-tests/capacity/endpoints.ts', [
      '--smoke',
      '--base-url',
      seeded.api.baseUrl,
      '--out-dir',
      dir,
      '--label',
      'smoke',
      '--param',
      'cache=off',
    ]);

    const { json, markdown } = await resultsIn(dir);
    expect(json).toMatchObject({
      format: 'headroom-endpoints/1',
      smoke: true,
      passed: true,
      params: { cache: 'off' },
      dataSet: { articles: SMALL_SEED.articles, slugs: 100 },
    });
    expect(json.sessions).toBeGreaterThanOrEqual(2);
    expect(json.runs.map((endpointRun) => endpointRun.endpoint)).toEqual(TARGET_ENDPOINTS);
    for (const endpointRun of json.runs) {
      expect(endpointRun.overall.requests).toBeGreaterThan(0);
      expect(endpointRun.overall.errors).toBe(0);
      expect(endpointRun.connectionErrors).toBe(0);
    }
    const comment = json.runs.find((endpointRun) => endpointRun.endpoint === 'comment')!;
    expect(Object.keys(comment.statusCodes)).toEqual(['201']);
    expect(markdown).toContain('| list: GET /api/articles?limit=20 (anonymous) |');
    expect(stdout).toContain('list: ');
  });

  it('when data-growth.ts measures and compares, then it records the data set and the growth', async () => {
    const dir = path.join(seeded.outDir, 'growth');
    await runEntryFile('load-tests/capacity/data-growth.ts', [
      'measure',
      '--rate',
      '20',
      '--duration',
      '1',
      '--warmup',
      '0',
      '--repeats',
      '1',
      '--base-url',
      seeded.api.baseUrl,
      '--database-url',
      seeded.databaseUrl,
      '--out-dir',
      dir,
      '--param',
      'cache=off',
    ]);
    const { json } = await resultsIn(dir);
    expect(json.dataSet).toMatchObject({ articles: SMALL_SEED.articles, users: SMALL_SEED.users });
    expect(json.settings).toMatchObject({ rate: 20 });
    expect(json.runs.map((endpointRun) => endpointRun.endpoint)).toEqual(DATA_GROWTH_ENDPOINTS);
    expect(json.runs.every((endpointRun) => endpointRun.overall.errors === 0)).toBe(true);

    const file = path.join(dir, (await readdir(dir)).find((name) => name.endsWith('.json'))!);
    const { stdout } = await runEntryFile('load-tests/capacity/data-growth.ts', [
      'compare',
      file,
      file,
    ]);
    expect(stdout).toContain("the second run's data set is not the larger");
    expect(stdout).toContain('| profile |');
  });
});
