// The single-endpoint benchmarks end to end: a real API process over a small seeded database,
// capacity/endpoints.ts in smoke mode (every row of issue 8's targets table, a second each) and
// capacity/data-growth.ts measuring and comparing, through their entry files as a person runs them.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { applyMigrations } from '@headroom/db/migrate';
import { seedDatabase } from '@headroom/db/seed';
import { apiTestEnv } from '@headroom/testing/api-env';
import { type ApiProcess, startApiProcess } from '@headroom/testing/processes';
import { createScratchDatabase, type ScratchDatabase } from '@headroom/testing/scratch-database';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EndpointsResults } from '../capacity/endpoint-runs.ts';
import { DATA_GROWTH_ENDPOINTS, TARGET_ENDPOINTS } from '../scenarios.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** Enough for every endpoint: a page of slugs, tags, authors to log in as, follows for feeds. */
const SMALL_SEED = {
  users: 20,
  articles: 150,
  tags: 12,
  followsPerUser: 3,
  favoritesPerArticle: 2,
  commentsPerArticle: 2,
};

function script(file: string, args: string[]) {
  return run(process.execPath, ['--import', 'tsx', file, ...args], { cwd: repoRoot });
}

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
  let database: ScratchDatabase;
  let api: ApiProcess;
  let outDir: string;

  beforeAll(async () => {
    database = await createScratchDatabase(inject('adminDatabaseUrl'), 'endpoints');
    await applyMigrations({ databaseUrl: database.url });
    await seedDatabase({ databaseUrl: database.url, options: SMALL_SEED });
    api = await startApiProcess(apiTestEnv({ DATABASE_URL: database.url }));
    outDir = await mkdtemp(path.join(os.tmpdir(), 'headroom-endpoints-'));
  });

  afterAll(async () => {
    await api?.stop();
    await database?.drop();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('when endpoints.ts runs in smoke mode, then every target row is measured without an error', async () => {
    const dir = path.join(outDir, 'targets');
    const { stdout } = await script('load-tests/capacity/endpoints.ts', [
      '--smoke',
      '--base-url',
      api.baseUrl,
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
    const dir = path.join(outDir, 'growth');
    await script('load-tests/capacity/data-growth.ts', [
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
      api.baseUrl,
      '--database-url',
      database.url,
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
    const { stdout } = await script('load-tests/capacity/data-growth.ts', ['compare', file, file]);
    expect(stdout).toContain("the second run's data set is not the larger");
    expect(stdout).toContain('| profile |');
  });
});
