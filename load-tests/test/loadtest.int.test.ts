// The load-test tooling end to end: a real API process over a small seeded database, each
// scenario run through `npm run loadtest`'s entry in smoke mode, as CI runs it against a stack.
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunResults } from '../results.ts';
import { SCENARIO_NAMES } from '../scenarios.ts';
import { runEntryFile, type SeededApi, startSeededApi } from './support/seeded-api.ts';

describe('npm run loadtest', () => {
  let seeded: SeededApi;

  beforeAll(async () => {
    seeded = await startSeededApi('loadtest', inject('adminDatabaseUrl'));
  });

  afterAll(async () => {
    await seeded?.stop();
  });

  it.each(SCENARIO_NAMES)(
    'when %s runs in smoke mode, then it writes JSON and Markdown results with no errors',
    async (scenario) => {
      const scenarioDir = path.join(seeded.outDir, scenario);
      const { stdout } = await runEntryFile('load-tests/run.ts', [
        scenario,
        '--smoke',
        '--duration',
        '2',
        '--base-url',
        seeded.api.baseUrl,
        '--out-dir',
        scenarioDir,
        '--param',
        'replicas=1',
      ]);

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
      const attempt = runEntryFile('load-tests/run.ts', [
        'browse',
        '--smoke',
        '--duration',
        '1',
        '--base-url',
        `http://127.0.0.1:${port}`,
        '--out-dir',
        path.join(seeded.outDir, 'failing'),
      ]);
      await expect(attempt).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining('smoke failed: error rate'),
      });
    } finally {
      failing.close();
    }
  });
});
