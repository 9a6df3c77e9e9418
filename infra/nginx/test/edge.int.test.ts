// The edge as a CDN, against real nginx processes started from the same templates the stack
// and docker-compose.yml use (infra/native/nginx.sh renders them): a web origin serving a
// small built site, the edge in front of it, and a stand-in API that records what reaches it
// and answers each path as a test tells it to (the real API's rules: http-caching.int.test.ts).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import {
  createServer,
  type IncomingHttpHeaders,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
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
/** The API's anonymous Cache-Control, with windows shortened so the tests watch them pass. */
const API_SHARED_MAX_AGE_SECONDS = 1;
const API_STALE_WHILE_REVALIDATE_SECONDS = 1;
const API_STALE_IF_ERROR_SECONDS = 3;
const API_SHARED = [
  'public',
  'max-age=0',
  `s-maxage=${API_SHARED_MAX_AGE_SECONDS}`,
  `stale-while-revalidate=${API_STALE_WHILE_REVALIDATE_SECONDS}`,
  `stale-if-error=${API_STALE_IF_ERROR_SECONDS}`,
].join(', ');
/**
 * docs/cdn.md's bound: how long after a write an anonymous reader can still get the old answer
 * from the edge, while the API answers. The last second is nginx's clock, kept in whole seconds.
 */
const STALENESS_BOUND_MS =
  (API_SHARED_MAX_AGE_SECONDS + API_STALE_WHILE_REVALIDATE_SECONDS + 1) * 1000;
/** The same while the API cannot be reached: stale-if-error takes stale-while-revalidate's place. */
const STALENESS_BOUND_UNREACHABLE_MS =
  (API_SHARED_MAX_AGE_SECONDS + API_STALE_IF_ERROR_SECONDS + 1) * 1000;
/** How often a reader in the staleness tests asks. */
const POLL_MS = 50;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A raw GET: unlike fetch, node:http neither adds Accept-Encoding nor decompresses. Each on a
 * connection of its own, as independent readers would ask: nginx holds a kept-alive
 * connection until a background refresh the request started has finished.
 */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path, headers, agent: false };
    const outgoing = request(options, (response) => {
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

/** How the stand-in API answers one path; anything else gets JSON with no caching headers. */
interface ApiBehaviour {
  /** Part of the body: a write is a new version. */
  version: number;
  /** Before the answer is computed, so the answer shows the version current when it is sent. */
  delayMs: number;
  /** Cache-Control for an anonymous request (signed in: `private, no-cache`, as the API says). */
  cacheControl: string;
  signedInCacheControl: string;
  /** Vary as the API sends it; `null`: none at all. */
  vary: string | null;
  setCookie?: string;
  /** `reset`: the connection is dropped, as when the API cannot be reached. */
  failure?: 'reset';
}

/** Read as one answer's version from the stand-in API's body. */
function versionOf(answer: Answer): number | undefined {
  return answer.status === 200 ? JSON.parse(answer.body.toString()).version : undefined;
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
  const apiBehaviours = new Map<string, ApiBehaviour>();

  function requestsFor(url: string): { url: string; headers: IncomingHttpHeaders }[] {
    return apiRequests.filter((recorded) => recorded.url === url);
  }

  function answerAsTold(
    incoming: { url?: string; headers: IncomingHttpHeaders },
    response: ServerResponse,
    behaviour: ApiBehaviour,
  ) {
    if (behaviour.failure === 'reset') {
      response.socket?.destroy();
      return;
    }
    const viewer = incoming.headers.authorization ?? null;
    const body = JSON.stringify({ url: incoming.url, version: behaviour.version, viewer });
    const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      etag,
      'cache-control': viewer ? behaviour.signedInCacheControl : behaviour.cacheControl,
    };
    if (behaviour.vary !== null) headers.vary = behaviour.vary;
    if (behaviour.setCookie) headers['set-cookie'] = behaviour.setCookie;
    if (incoming.headers['if-none-match'] === etag) {
      response.writeHead(304, headers).end();
      return;
    }
    response.writeHead(200, headers).end(body);
  }

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
      const behaviour = apiBehaviours.get(incoming.url ?? '');
      if (behaviour) {
        setTimeout(() => answerAsTold(incoming, response, behaviour), behaviour.delayMs);
        return;
      }
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

  describe('the API micro-cache', () => {
    /** Tells the stand-in API how to answer `url`; tests change the result to change the API. */
    function behave(url: string, behaviour: Partial<ApiBehaviour> = {}): ApiBehaviour {
      const full: ApiBehaviour = {
        version: 1,
        delayMs: 0,
        cacheControl: API_SHARED,
        signedInCacheControl: 'private, no-cache',
        vary: 'Authorization',
        ...behaviour,
      };
      apiBehaviours.set(url, full);
      return full;
    }

    interface Observed {
      /** When the request was sent, ms since the epoch: the edge decided after that. */
      asked: number;
      status: number;
      cache: string | undefined;
      version: number | undefined;
    }

    /** A reader asking every POLL_MS until `until`, each answer recorded as it arrives. */
    async function observe(url: string, until: number): Promise<Observed[]> {
      const observed: Observed[] = [];
      while (Date.now() < until) {
        const asked = Date.now();
        const answer = await get(edgePort, url);
        observed.push({
          asked,
          status: answer.status,
          cache: answer.headers['x-cache-status'] as string | undefined,
          version: versionOf(answer),
        });
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      return observed;
    }

    async function timed(asking: Promise<Answer>): Promise<Answer & { ms: number }> {
      const started = Date.now();
      const answer = await asking;
      return { ...answer, ms: Date.now() - started };
    }

    it('when anonymous readers ask for one URL, then the first is a MISS and the next a HIT the API never sees', async () => {
      const url = '/api/micro/articles?limit=20';
      behave(url);
      const first = await get(edgePort, url);
      const second = await get(edgePort, url);
      expect([first.headers['x-cache-status'], second.headers['x-cache-status']]).toEqual([
        'MISS',
        'HIT',
      ]);
      expect(second.body.toString()).toBe(first.body.toString());
      expect(second.headers['cache-control']).toBe(API_SHARED);
      expect(requestsFor(url)).toHaveLength(1);
    });

    it('when a write changes an answer, then anonymous readers see it within the bound, and never the old one after', async () => {
      const url = '/api/micro/written';
      const api = behave(url);
      await get(edgePort, url);
      expect((await get(edgePort, url)).headers['x-cache-status']).toBe('HIT');

      api.version = 2;
      const writtenAt = Date.now();
      const answers = await observe(url, writtenAt + STALENESS_BOUND_MS + 1_000);

      expect(answers.every((answer) => answer.status === 200)).toBe(true);
      const afterBound = answers.filter((answer) => answer.asked >= writtenAt + STALENESS_BOUND_MS);
      expect(afterBound.length).toBeGreaterThan(0);
      expect(afterBound.map((answer) => answer.version)).not.toContain(1);
      const firstNew = answers.findIndex((answer) => answer.version === 2);
      expect(answers.slice(firstNew).map((answer) => answer.version)).not.toContain(1);
    });

    it('when the API is slower than stale-while-revalidate, then readers wait for it rather than get a copy older than the bound', async () => {
      const url = '/api/micro/slow';
      const api = behave(url);
      await get(edgePort, url);

      // A refresh that outlasts the window: with proxy_cache_use_stale updating, the edge
      // would keep serving the old copy until it finished.
      api.delayMs = 2_500;
      api.version = 2;
      const writtenAt = Date.now();
      const answers = await observe(url, writtenAt + STALENESS_BOUND_MS + 3_000);

      const old = answers.filter((answer) => answer.version === 1);
      expect(old.length).toBeGreaterThan(0);
      const lastOld = Math.max(...old.map((answer) => answer.asked));
      expect(lastOld - writtenAt).toBeLessThan(STALENESS_BOUND_MS);
      expect(answers.at(-1)?.version).toBe(2);
    });

    it('when an entry has expired, then readers get the stale copy at once while one background request refreshes it', async () => {
      const url = '/api/micro/expired';
      const api = behave(url, {
        cacheControl: 'public, max-age=0, s-maxage=1, stale-while-revalidate=10, stale-if-error=10',
      });
      await get(edgePort, url);
      api.version = 2;
      api.delayMs = 1_000;
      const before = requestsFor(url).length;

      // The first request after expiry starts the refresh and gets the stale copy.
      const trigger = await getUntil(
        edgePort,
        url,
        (answer) => answer.headers['x-cache-status'] !== 'HIT',
      );
      expect(trigger.headers['x-cache-status']).toBe('STALE');
      expect(versionOf(trigger)).toBe(1);

      const readers = await Promise.all(
        Array.from({ length: 10 }, () => timed(get(edgePort, url))),
      );
      for (const reader of readers) {
        expect(reader.headers['x-cache-status']).toBe('UPDATING');
        expect(versionOf(reader)).toBe(1);
        expect(reader.ms).toBeLessThan(api.delayMs);
      }

      const refreshed = await getUntil(edgePort, url, (answer) => versionOf(answer) === 2);
      expect(refreshed.headers['x-cache-status']).toBe('HIT');
      expect(requestsFor(url).length - before).toBe(1);
    });

    it('when many readers ask at once for a URL nobody asked for yet, then one request reaches the API and all get its answer', async () => {
      const url = '/api/micro/cold';
      behave(url, { delayMs: 300 });
      const answers = await Promise.all(Array.from({ length: 20 }, () => get(edgePort, url)));
      expect(answers.map(versionOf)).toEqual(Array(20).fill(1));
      expect(answers.filter((answer) => answer.headers['x-cache-status'] === 'MISS')).toHaveLength(
        1,
      );
      expect(requestsFor(url)).toHaveLength(1);
    });

    it('when a request carries the recent-writer cookie, then it reaches the API, and its fresh answer is what the next reader gets', async () => {
      const url = '/api/micro/writer';
      const api = behave(url);
      await get(edgePort, url);
      expect((await get(edgePort, url)).headers['x-cache-status']).toBe('HIT');

      api.version = 2;
      const writer = await get(edgePort, url, { Cookie: 'theme=dark; headroom_wrote=1' });
      expect(writer.headers['x-cache-status']).toBe('BYPASS');
      expect(versionOf(writer)).toBe(2);
      expect(requestsFor(url)).toHaveLength(2);

      const next = await get(edgePort, url);
      expect(next.headers['x-cache-status']).toBe('HIT');
      expect(versionOf(next)).toBe(2);
    });

    it('when a request is signed in, then it always reaches the API and its answer is never stored, even by an API that forgot private and Vary', async () => {
      const url = '/api/micro/personal';
      behave(url, { signedInCacheControl: 'public, max-age=0, s-maxage=60', vary: null });
      const first = await get(edgePort, url, { Authorization: 'Token reader' });
      const again = await get(edgePort, url, { Authorization: 'Token reader' });
      expect([first, again].map((answer) => answer.headers['x-cache-status'])).toEqual([
        'BYPASS',
        'BYPASS',
      ]);

      const anonymous = await get(edgePort, url);
      expect(anonymous.headers['x-cache-status']).toBe('MISS');
      expect(JSON.parse(anonymous.body.toString()).viewer).toBeNull();
      expect((await get(edgePort, url)).headers['x-cache-status']).toBe('HIT');

      // The anonymous copy now cached is never handed to a signed-in request either.
      const other = await get(edgePort, url, { Authorization: 'Token other' });
      expect(other.headers['x-cache-status']).toBe('BYPASS');
      expect(JSON.parse(other.body.toString()).viewer).toBe('Token other');
      expect(requestsFor(url)).toHaveLength(4);
    });

    it('when a reader asks again with the ETag of the cached copy, then the edge answers 304 itself', async () => {
      const url = '/api/micro/conditional';
      behave(url);
      const first = await get(edgePort, url);
      const unchanged = await get(edgePort, url, { 'If-None-Match': String(first.headers.etag) });
      expect(unchanged.status).toBe(304);
      expect(unchanged.headers['x-cache-status']).toBe('HIT');
      expect(unchanged.body.length).toBe(0);
      const changed = await get(edgePort, url, { 'If-None-Match': '"another"' });
      expect(changed.status).toBe(200);
      expect(requestsFor(url)).toHaveLength(1);
    });

    it('when a signed-in reader asks again with its ETag, then the condition reaches the API, which answers 304', async () => {
      const url = '/api/micro/personal-conditional';
      behave(url);
      const headers = { Authorization: 'Token reader' };
      const first = await get(edgePort, url, headers);
      const again = await get(edgePort, url, {
        ...headers,
        'If-None-Match': String(first.headers.etag),
      });
      expect(again.status).toBe(304);
      expect(again.headers['x-cache-status']).toBe('BYPASS');
      expect(requestsFor(url).at(-1)?.headers['if-none-match']).toBe(first.headers.etag);
    });

    it('when an answer sets a cookie, then the edge never stores it', async () => {
      const url = '/api/micro/sets-cookie';
      behave(url, { setCookie: 'session=abc; Path=/; HttpOnly' });
      const answers = [await get(edgePort, url), await get(edgePort, url)];
      expect(answers.map((answer) => answer.headers['x-cache-status'])).toEqual(['MISS', 'MISS']);
      expect(requestsFor(url)).toHaveLength(2);
    });

    it('when health or readiness is asked, then every request reaches the API, whatever it says about caching', async () => {
      for (const url of ['/api/healthz', '/api/readyz']) {
        behave(url, { cacheControl: 'public, max-age=60' });
        const answers = [await get(edgePort, url), await get(edgePort, url)];
        expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
        expect(answers.map((answer) => answer.headers['x-cache-status'])).toEqual([
          undefined,
          undefined,
        ]);
        expect(requestsFor(url)).toHaveLength(2);
      }
    });

    it('when the API cannot be reached, then the edge serves its copy for at most stale-if-error, then fails', async () => {
      const url = '/api/micro/unreachable';
      const api = behave(url);
      await get(edgePort, url);
      const filledAt = Date.now();
      api.failure = 'reset';

      const answers = await observe(url, filledAt + STALENESS_BOUND_UNREACHABLE_MS + 1_500);
      const served = answers.filter((answer) => answer.status === 200);
      expect(served.map((answer) => answer.cache)).toContain('STALE');
      const lastServed = Math.max(...served.map((answer) => answer.asked));
      expect(lastServed - filledAt).toBeLessThan(STALENESS_BOUND_UNREACHABLE_MS);
      expect(answers.at(-1)?.status).toBe(502);
    });
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
