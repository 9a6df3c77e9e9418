// The load-test tooling end to end: a real API process over a small seeded database, each
// scenario run through `npm run loadtest`'s entry in smoke mode, as CI runs it against a stack.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import type { RunResults } from '../results.ts';
import { SCENARIO_NAMES } from '../scenarios.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** Enough rows for every request a mix makes: tags, pages of articles, authors to log in as. */
const SMALL_SEED = {
  users: 20,
  articles: 150,
  tags: 12,
  followsPerUser: 3,
  favoritesPerArticle: 2,
  commentsPerArticle: 2,
};

describe('npm run loadtest', () => {
  let database: ScratchDatabase;
  let api: ApiProcess;
  let outDir: string;

  beforeAll(async () => {
    database = await createScratchDatabase(inject('adminDatabaseUrl'), 'loadtest');
    await applyMigrations({ databaseUrl: database.url });
    await seedDatabase({ databaseUrl: database.url, options: SMALL_SEED });
    api = await startApiProcess(apiTestEnv({ DATABASE_URL: database.url }));
    outDir = await mkdtemp(path.join(os.tmpdir(), 'headroom-loadtest-'));
  });

  afterAll(async () => {
    await api?.stop();
    await database?.drop();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it.each(SCENARIO_NAMES)(
    'when %s runs in smoke mode, then it writes JSON and Markdown results with no errors',
    async (scenario) => {
      const scenarioDir = path.join(outDir, scenario);
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'load-tests/run.ts', scenario, '--smoke', '--duration', '2'].concat([
          '--base-url',
          api.baseUrl,
          '--out-dir',
          scenarioDir,
          '--param',
          'replicas=1',
        ]),
        { cwd: repoRoot },
      );

      const files = (await readdir(scenarioDir)).sort();
      expect(files).toEqual([
        expect.stringMatching(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d{6}Z-${scenario}\\.json$`)),
        expect.stringMatching(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d{6}Z-${scenario}\\.md$`)),
      ]);
      const results = JSON.parse(
        await readFile(path.join(scenarioDir, files[0]!), 'utf8'),
      ) as RunResults;
      expect(results).toMatchObject({
        scenario,
        smoke: true,
        passed: true,
        errorRate: 0,
        connectionErrors: 0,
        params: { replicas: '1' },
      });
      expect(results.overall.requests).toBeGreaterThan(0);
      expect(results.overall.errors).toBe(0);
      expect(results.endpoints.length).toBeGreaterThan(1);
      expect(await readFile(path.join(scenarioDir, files[1]!), 'utf8')).toContain('| endpoint ');
      expect(stdout).toContain('p95 ms');
    },
  );

  it('when the API answers 500, then a smoke run reports the errors and exits 1', async () => {
    // Set-up's reads succeed; every request of the load itself fails.
    const failing = createServer((request, response) => {
      const setUp = /^\/api\/(tags|articles\?limit=(1|100)(&offset=0)?)$/.test(request.url ?? '');
      response.writeHead(setUp ? 200 : 500, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({
          tags: ['node'],
          articles: [{ slug: 'a-post', author: { username: 'ann' } }],
          articlesCount: 1,
        }),
      );
    });
    failing.listen(0, '127.0.0.1');
    await once(failing, 'listening');
    const { port } = failing.address() as AddressInfo;
    try {
      const attempt = run(
        process.execPath,
        ['--import', 'tsx', 'load-tests/run.ts', 'browse', '--smoke', '--duration', '1'].concat([
          '--base-url',
          `http://127.0.0.1:${port}`,
          '--out-dir',
          path.join(outDir, 'failing'),
        ]),
        { cwd: repoRoot },
      );
      await expect(attempt).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining('smoke failed: error rate'),
      });
    } finally {
      failing.close();
    }
  });
});
