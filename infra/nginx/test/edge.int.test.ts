// The edge as a CDN, against real nginx processes started from the same templates the stack
// and docker-compose.yml use (infra/native/nginx.sh renders them): a web origin serving a
// small built site, the edge in front of it, and a stand-in API that records what reaches it.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { freePort } from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompressDirectory } from '../../../apps/web/build/precompress.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const ASSET = '/assets/app-Cq7Sd3IQ.js';
const ASSET_SOURCE = `console.log(${JSON.stringify('hashed asset '.repeat(200))});\n`;
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The edge keeps index.html for 1 s (nginx's smallest unit), so 1 to 2 s in practice. */
const REVALIDATION_DEADLINE_MS = 5_000;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw GET: unlike fetch, node:http neither adds Accept-Encoding nor decompresses. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks),
        }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Asks until `accept` is satisfied or the deadline passes; the cache's clock is the subject. */
async function getUntil(
  port: number,
  path: string,
  accept: (answer: Answer) => boolean,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const deadline = Date.now() + REVALIDATION_DEADLINE_MS;
  for (;;) {
    const answer = await get(port, path, headers);
    if (accept(answer) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function nginx(command: 'up' | 'down', role: string, dir: string, env: Record<string, string>) {
  execFileSync('bash', ['infra/native/nginx.sh', command, role, dir], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

describe('the edge in front of the web origin and the API', () => {
  let work: string;
  let site: string;
  let edgePort: number;
  let originEnv: Record<string, string>;
  let edgeEnv: Record<string, string>;
  let api: Server;
  const apiRequests: { url: string; headers: IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'headroom-edge-'));
    // nginx's workers run as www-data when the tests run as root: they must read the site.
    await chmod(work, 0o755);
    site = join(work, 'site');
    await mkdir(join(site, 'assets'), { recursive: true });
    await writeFile(join(site, 'index.html'), '<!doctype html><title>v1</title>');
    await writeFile(join(site, ASSET), ASSET_SOURCE);
    await precompressDirectory(site);

    api = createServer((incoming, response) => {
      apiRequests.push({ url: incoming.url ?? '', headers: incoming.headers });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (incoming.url === '/api/public') headers['cache-control'] = 'public, max-age=60';
      response.writeHead(200, headers).end(JSON.stringify({ url: incoming.url }));
    });
    const apiPort = await freePort();
    api.listen(apiPort, '127.0.0.1');

    const originPort = await freePort();
    edgePort = await freePort();
    originEnv = { WEB_LISTEN: `127.0.0.1:${originPort}`, WEB_ROOT: site };
    edgeEnv = {
      EDGE_LISTEN: `127.0.0.1:${edgePort}`,
      EDGE_ORIGIN_UPSTREAM: `127.0.0.1:${originPort}`,
      EDGE_API_UPSTREAM: `127.0.0.1:${apiPort}`,
      EDGE_CACHE_DIR: join(work, 'edge', 'cache'),
    };
    nginx('up', 'web-origin', join(work, 'origin'), originEnv);
    nginx('up', 'edge', join(work, 'edge'), edgeEnv);
  });

  afterAll(async () => {
    if (work) {
      nginx('down', 'edge', join(work, 'edge'), {});
      nginx('down', 'web-origin', join(work, 'origin'), {});
      await rm(work, { recursive: true, force: true });
    }
    api?.close();
  });

  it('when an asset is asked for twice, then the second answer is a cache HIT marked immutable', async () => {
    const first = await get(edgePort, ASSET, { 'Accept-Encoding': 'gzip, deflate, br, zstd' });
    const second = await get(edgePort, ASSET, { 'Accept-Encoding': 'br' });

    expect(first.headers['x-cache-status']).toBe('MISS');
    expect(second.status).toBe(200);
    expect(second.headers['x-cache-status']).toBe('HIT');
    expect(second.headers['cache-control']).toBe(IMMUTABLE);
    expect(second.headers['content-type']).toBe('text/javascript');
    expect(second.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(second.body).toString()).toBe(ASSET_SOURCE);
  });

  it('when clients accept other encodings, then each gets its own cached copy in that encoding', async () => {
    await get(edgePort, ASSET, { 'Accept-Encoding': 'gzip' });
    const gzipped = await get(edgePort, ASSET, { 'Accept-Encoding': 'gzip, deflate' });
    expect(gzipped.headers['x-cache-status']).toBe('HIT');
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.body).toString()).toBe(ASSET_SOURCE);

    await get(edgePort, ASSET);
    const plain = await get(edgePort, ASSET);
    expect(plain.headers['x-cache-status']).toBe('HIT');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(ASSET_SOURCE);
  });

  it('when index.html is asked for, then it is no-cache with an ETag, and a conditional request gets 304', async () => {
    const page = await get(edgePort, '/');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const etag = page.headers.etag;
    expect(etag).toMatch(/^"/);

    const unchanged = await get(edgePort, '/', { 'If-None-Match': etag ?? '' });
    expect(unchanged.status).toBe(304);
  });

  it('when index.html is asked for again later, then the edge revalidates it with the origin', async () => {
    await get(edgePort, '/');
    const later = await getUntil(
      edgePort,
      '/',
      (answer) => answer.headers['x-cache-status'] === 'REVALIDATED',
    );
    expect(later.headers['x-cache-status']).toBe('REVALIDATED');
    expect(later.body.toString()).toContain('<title>v1</title>');
  });

  it('when a deploy changes index.html, then the edge serves the new one within two seconds', async () => {
    await get(edgePort, '/');
    const deployed = Date.now();
    await writeFile(join(site, 'index.html'), '<!doctype html><title>v2</title>');
    const updated = await getUntil(edgePort, '/', (answer) => answer.body.includes('v2'));
    expect(updated.body.toString()).toContain('<title>v2</title>');
    expect(Date.now() - deployed).toBeLessThan(2_500);
  });

  it('when a client-side route is asked for, then the origin answers with index.html', async () => {
    const route = await get(edgePort, '/article/some-slug');
    expect(route.status).toBe(200);
    expect(route.headers['cache-control']).toBe('no-cache');
    expect(route.body.toString()).toContain('<title>');
  });

  it('when an asset does not exist, then it is a 404, never index.html, and never cached', async () => {
    const first = await get(edgePort, '/assets/gone-00000000.js');
    const second = await get(edgePort, '/assets/gone-00000000.js');
    expect(first.status).toBe(404);
    expect(second.status).toBe(404);
    expect(second.headers['x-cache-status']).toBe('MISS');
  });

  it('when the API sends no caching headers, then every request reaches it', async () => {
    const before = apiRequests.length;
    const first = await get(edgePort, '/api/articles', { 'X-Request-Id': 'edge-test-1' });
    const second = await get(edgePort, '/api/articles');
    expect(first.headers['x-cache-status']).toBe('MISS');
    expect(second.headers['x-cache-status']).toBe('MISS');
    expect(apiRequests.length - before).toBe(2);

    const [passed, generated] = apiRequests.slice(-2);
    expect(passed?.headers['x-request-id']).toBe('edge-test-1');
    expect(generated?.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(passed?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('when the API allows caching, then the edge caches, but never for a signed-in request', async () => {
    const before = apiRequests.length;
    await get(edgePort, '/api/public');
    const cached = await get(edgePort, '/api/public');
    expect(cached.headers['x-cache-status']).toBe('HIT');
    expect(apiRequests.length - before).toBe(1);

    const signedIn = await get(edgePort, '/api/public', { Authorization: 'Token abc' });
    expect(signedIn.headers['x-cache-status']).toBe('BYPASS');
    expect(apiRequests.length - before).toBe(2);
    expect(apiRequests.at(-1)?.headers.authorization).toBe('Token abc');
  });

  // Last: it stops the origin.
  it('when the origin is down, then cached assets and index.html are still served', async () => {
    await get(edgePort, ASSET, { 'Accept-Encoding': 'br' });
    await get(edgePort, '/');
    nginx('down', 'web-origin', join(work, 'origin'), {});

    const asset = await get(edgePort, ASSET, { 'Accept-Encoding': 'br' });
    expect(asset.status).toBe(200);
    expect(asset.headers['x-cache-status']).toBe('HIT');
    expect(brotliDecompressSync(asset.body).toString()).toBe(ASSET_SOURCE);

    // Once its second is over, index.html cannot be revalidated: the stale copy is served.
    const page = await getUntil(
      edgePort,
      '/',
      (answer) => answer.headers['x-cache-status'] === 'STALE',
    );
    expect(page.status).toBe(200);
    expect(page.headers['x-cache-status']).toBe('STALE');
    expect(page.body.toString()).toContain('<title>');

    const neverCached = await get(edgePort, '/assets/never-seen-00000000.js');
    expect(neverCached.status).toBe(502);
  });
});
