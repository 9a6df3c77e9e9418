// The real production build, into a directory of its own: what the origin will serve.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSize } from '../build/initial-js-budget.ts';
import { INITIAL_JS_BUDGET_BYTES } from '../vite.config.ts';

const webRoot = fileURLToPath(new URL('../', import.meta.url));

describe('the production build of apps/web', () => {
  let outDir: string;
  let assets: string[];
  let indexHtml: string;

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'headroom-web-build-'));
    // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ root: webRoot, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    assets = await readdir(join(outDir, 'assets'));
    indexHtml = await readFile(join(outDir, 'index.html'), 'utf8');
  }, 60_000);

  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('when built, then every asset name carries a content hash', () => {
    const served = assets.filter((name) => !/\.(gz|br)$/.test(name));
    expect(served.length).toBeGreaterThan(5);
    for (const name of served) expect(name).toMatch(/-[\w-]{8}\.(js|css|svg)$/);
  });

  it('when built, then index.html loads only hashed assets from /assets/', () => {
    const references = [...indexHtml.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) expect(reference).toMatch(/^\/assets\/[\w.-]+$/);
  });

  it('when built, then every script and style has .gz and .br twins with the same content', async () => {
    for (const name of assets.filter((file) => ['.js', '.css'].includes(extname(file)))) {
      const original = await readFile(join(outDir, 'assets', name));
      if (original.byteLength < 200) continue;
      const gz = await readFile(join(outDir, 'assets', `${name}.gz`));
      const br = await readFile(join(outDir, 'assets', `${name}.br`));
      expect(gunzipSync(gz).equals(original), `${name}.gz`).toBe(true);
      expect(brotliDecompressSync(br).equals(original), `${name}.br`).toBe(true);
    }
  });

  it('when built, then the scripts index.html loads fit the budget', async () => {
    const loaded = [
      ...indexHtml.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+)"/g),
    ].map((match) => match[1]);
    expect(loaded.length).toBeGreaterThan(1);
    let total = 0;
    for (const path of loaded) total += gzipSize(await readFile(join(outDir, path ?? ''), 'utf8'));
    expect(total).toBeLessThanOrEqual(INITIAL_JS_BUDGET_BYTES);
    // The markdown renderer is not among them.
    expect(loaded.join(' ')).not.toMatch(/render-markdown|purify/);
  });
});
