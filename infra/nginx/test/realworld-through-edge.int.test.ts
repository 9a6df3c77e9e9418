// The official RealWorld suite's articles.hurl, replayed request by request through a real edge
// (the template, micro-caching anonymous reads) in front of a real API process. The suite reads
// anonymously right after the author's writes and expects to see them; Hurl keeps the cookies a
// file's responses set, as this client does, so the recent-writer cookie carries those reads
// past the edge's cache. A reader without the cookie is asked alongside, to show what the edge
// would have answered otherwise.
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiTestEnv } from '@headroom/testing/api-env';
import { type ApiProcess, freePort, startApiProcess } from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function nginx(command: 'up' | 'down', dir: string, env: Record<string, string>) {
  execFileSync('bash', ['infra/native/nginx.sh', command, 'edge', dir], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Cookies as a command-line client keeps them for one session: name, value, Path, Max-Age. */
class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string; expiresAt: number }>();

  remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const [name = '', value = ''] = pair.split('=');
      const attribute = (key: string) =>
        attributes
          .find((entry) => entry.toLowerCase().startsWith(`${key}=`))
          ?.slice(key.length + 1);
      const maxAge = attribute('max-age');
      this.cookies.set(name, {
        value,
        path: attribute('path') ?? '/',
        expiresAt: maxAge === undefined ? Infinity : Date.now() + Number(maxAge) * 1000,
      });
    }
  }

  headerFor(path: string): string | undefined {
    const sent = [...this.cookies]
      .filter(([, cookie]) => cookie.expiresAt > Date.now() && path.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`);
    return sent.length > 0 ? sent.join('; ') : undefined;
  }
}

interface Answer {
  status: number;
  cache: string | null;
  body: any;
}

function client(baseUrl: string, jar?: CookieJar) {
  return async (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options: { token?: string; body?: unknown } = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Token ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const cookie = jar?.headerFor(path);
    if (cookie) headers.cookie = cookie;
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    jar?.remember(response);
    const text = await response.text();
    return {
      status: response.status,
      cache: response.headers.get('x-cache-status'),
      body: text === '' ? undefined : JSON.parse(text),
    };
  };
}

describe('the RealWorld articles suite through the caching edge', () => {
  let work: string;
  let api: ApiProcess;
  let edgeUrl: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'headroom-realworld-edge-'));
    await chmod(work, 0o755);
    // The API's defaults for HTTP caching: the edge keeps anonymous answers for seconds.
    api = await startApiProcess(apiTestEnv({ TRUSTED_PROXY_HOPS: '1' }));
    const edgePort = await freePort();
    nginx('up', join(work, 'edge'), {
      EDGE_LISTEN: `127.0.0.1:${edgePort}`,
      // The site is not part of this suite; nothing needs to listen there.
      EDGE_ORIGIN_UPSTREAM: `127.0.0.1:${await freePort()}`,
      EDGE_API_UPSTREAM: new URL(api.baseUrl).host,
      EDGE_CACHE_DIR: join(work, 'edge', 'cache'),
    });
    edgeUrl = `http://127.0.0.1:${edgePort}`;
  });

  afterAll(async () => {
    if (work) {
      nginx('down', join(work, 'edge'), {});
      await rm(work, { recursive: true, force: true });
    }
    await api?.stop();
  });

  it('when a client that keeps cookies runs articles.hurl, then every anonymous read after a write sees it', async () => {
    const hurl = client(edgeUrl, new CookieJar());
    const withoutCookies = client(edgeUrl);
    const uid = `${Date.now()}${Math.floor(Math.random() * 1000)}`;

    // Setup: Register
    const registered = await hurl('POST', '/api/users', {
      body: {
        user: { username: `art_${uid}`, email: `art_${uid}@test.com`, password: 'password123' },
      },
    });
    expect(registered.status).toBe(201);
    const token: string = registered.body.user.token;

    // Create article with tags
    const created = await hurl('POST', '/api/articles', {
      token,
      body: {
        article: {
          title: `Test Article ${uid}`,
          description: 'Test description',
          body: 'Test body content',
          tagList: [`d_${uid}`, `t_${uid}`],
        },
      },
    });
    expect(created.status).toBe(201);
    const slug: string = created.body.article.slug;

    // List all articles; by author; with auth; by author with auth; by tag; without auth
    const lists = [
      await hurl('GET', '/api/articles'),
      await hurl('GET', `/api/articles?author=art_${uid}`),
      await hurl('GET', '/api/articles', { token }),
      await hurl('GET', `/api/articles?author=art_${uid}`, { token }),
      await hurl('GET', `/api/articles?tag=d_${uid}`),
      await hurl('GET', '/api/articles'),
    ];
    for (const list of lists) {
      expect(list.status).toBe(200);
      expect(list.body.articlesCount).toBeGreaterThanOrEqual(1);
    }
    expect(lists[1]?.body.articles[0].author.username).toBe(`art_${uid}`);
    expect(lists[4]?.body.articles[0].tagList).toContain(`d_${uid}`);

    // Get single article
    const single = await hurl('GET', `/api/articles/${slug}`);
    expect(single.status).toBe(200);
    expect(single.body.article.body).toBe('Test body content');
    // Public: the edge keeps it for every reader, though this one read past it.
    expect((await withoutCookies('GET', `/api/articles/${slug}`)).cache).toBe('HIT');

    // Update article body
    const updated = await hurl('PUT', `/api/articles/${slug}`, {
      token,
      body: { article: { body: 'Updated body content' } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.article.body).toBe('Updated body content');

    // What a client without the cookie would get now: the edge's copy, within the bound.
    const cached = await withoutCookies('GET', `/api/articles/${slug}`);
    expect(cached.cache).toBe('HIT');
    expect(cached.body.article.body).toBe('Test body content');

    // Verify update persisted
    const verified = await hurl('GET', `/api/articles/${slug}`);
    expect(verified.status).toBe(200);
    expect(verified.cache).toBe('BYPASS');
    expect(verified.body.article.body).toBe('Updated body content');
    expect(verified.body.article.title).toBe(`Test Article ${uid}`);

    // Delete article
    expect((await hurl('DELETE', `/api/articles/${slug}`, { token })).status).toBe(204);
    expect((await withoutCookies('GET', `/api/articles/${slug}`)).status).toBe(200);

    // Verify deletion
    const deleted = await hurl('GET', `/api/articles/${slug}`);
    expect(deleted.status).toBe(404);
    expect(deleted.body.errors.article[0]).toBe('not found');
  });
});
