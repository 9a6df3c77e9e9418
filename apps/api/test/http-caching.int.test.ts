// HTTP caching as clients and caches see it (plugins/http-caching.ts): an ETag and a 304 on
// every GET route the app has, Cache-Control and Vary by who asks, and the cookie every
// successful write sets. The routes are the ones the app registers, observed as it builds, so a
// new GET route is checked without anyone adding it here.
import type { FastifyServerOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RECENT_WRITER_COOKIE } from '../src/plugins/http-caching.ts';
import { createArticle, type RegisteredUser, registerUser } from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

/** What the app did, seen from hooks added the moment Fastify creates it (nothing replaced). */
const observed = vi.hoisted(() => ({
  routes: [] as { url: string; methods: string[]; auth: string | undefined }[],
  recentWriterByRequestId: new Map<string, boolean>(),
}));

vi.mock('fastify', async (importOriginal) => {
  const fastify = await importOriginal<typeof import('fastify')>();
  const observing = ((options?: FastifyServerOptions) => {
    const app = fastify.default(options);
    app.addHook('onRoute', (route) => {
      observed.routes.push({
        url: route.url,
        methods: [route.method].flat(),
        auth: route.config?.auth,
      });
    });
    app.addHook('onResponse', async (request) => {
      observed.recentWriterByRequestId.set(request.id, request.recentWriter);
    });
    return app;
  }) as typeof fastify.default;
  return { ...fastify, default: observing };
});

const SHARED = 'public, max-age=0, s-maxage=1, stale-while-revalidate=2, stale-if-error=60';
const PERSONAL = 'private, no-cache';
/** s-maxage + stale-while-revalidate + nginx's whole second, with the settings below. */
const RECENT_WRITER = `${RECENT_WRITER_COOKIE}=1; Max-Age=4; Path=/api; HttpOnly; SameSite=Lax`;

let testApp: TestApp;
let author: RegisteredUser;
let reader: RegisteredUser;
let slug: string;
let commentId: number;

beforeAll(async () => {
  testApp = await buildTestApp({
    HTTP_CACHE_SHARED_MAX_AGE_SECONDS: '1',
    HTTP_CACHE_STALE_WHILE_REVALIDATE_SECONDS: '2',
    HTTP_CACHE_STALE_IF_ERROR_SECONDS: '60',
    // One trusted proxy (the injecting client plays it), so X-Forwarded-Proto counts.
    TRUSTED_PROXY_HOPS: '1',
    // An origin list makes CORS answer `Vary: Origin`, which Authorization must join.
    CORS_ORIGINS: 'http://site.test',
  });
  author = await registerUser(testApp.app, 'cacheauthor');
  reader = await registerUser(testApp.app, 'cachereader');
  slug = (await createArticle(testApp.app, author.token)).slug;
  const comment = await send('POST', `/api/articles/${slug}/comments`, {
    token: reader.token,
    body: { comment: { body: 'A comment' } },
  });
  commentId = comment.json().comment.id;
});
afterAll(() => testApp?.close());

async function send(
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  return testApp.app.inject({
    method,
    url,
    headers: {
      ...(options.token ? { authorization: `Token ${options.token}` } : {}),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  });
}

/** A concrete URL for a route pattern, with rows that exist. */
function concreteUrl(pattern: string): string {
  const values: Record<string, string> = {
    username: author.username,
    slug,
    id: String(commentId),
  };
  return pattern
    .replace(/:(\w+)/g, (_match, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`no value for :${name} in ${pattern}`);
      return value;
    })
    .replace(/\*$/, 'index.css');
}

describe('validators on every GET route', () => {
  function getRoutes() {
    return observed.routes.filter((route) => route.methods.includes('GET'));
  }

  it('when the app is built, then the GET routes it registers are observed', () => {
    const urls = getRoutes().map((route) => route.url);
    // The routes a client uses, as a floor: if observation broke, the loop below would check nothing.
    expect(urls).toEqual(
      expect.arrayContaining([
        '/api/articles',
        '/api/articles/feed',
        '/api/articles/:slug',
        '/api/articles/:slug/comments',
        '/api/profiles/:username',
        '/api/tags',
        '/api/user',
        '/api/notifications',
        '/api/healthz',
        '/api/readyz',
        '/api/docs',
        '/api/docs/json',
      ]),
    );
  });

  it('when any GET or HEAD is repeated with the ETag it got, then the answer is 304 without a body', async () => {
    const checked: string[] = [];
    for (const route of getRoutes()) {
      const url = concreteUrl(route.url);
      const token = route.auth === 'required' ? author.token : undefined;
      const first = await send('GET', url, token ? { token } : {});
      if (first.statusCode >= 300 && first.statusCode < 400) {
        // A redirect (the docs' old index.html address) has no representation to validate.
        expect(first.headers['cache-control'], url).toBe('no-store');
        expect(first.headers.etag, url).toBeUndefined();
        continue;
      }
      expect(first.statusCode, url).toBe(200);
      const etag = first.headers.etag;
      expect(etag, url).toMatch(/^(W\/)?"[^"]+"$/);

      for (const method of ['GET', 'HEAD'] as const) {
        const again = await send(method, url, {
          ...(token ? { token } : {}),
          headers: { 'if-none-match': String(etag) },
        });
        expect(again.statusCode, `${method} ${url}`).toBe(304);
        expect(again.body, `${method} ${url}`).toBe('');
        expect(again.headers.etag, `${method} ${url}`).toBe(etag);
        expect(again.headers['cache-control'], `${method} ${url}`).toBe(
          first.headers['cache-control'],
        );
      }
      checked.push(url);
    }
    expect(checked.length).toBeGreaterThanOrEqual(12);
  });

  it('when the API renders the body, then the ETag is strong and changes with the body', async () => {
    const { slug: ownSlug } = await createArticle(testApp.app, author.token);
    const before = await send('GET', `/api/articles/${ownSlug}`);
    expect(before.headers.etag).toMatch(/^"[\w-]+"$/);
    expect((await send('GET', `/api/articles/${ownSlug}`)).headers.etag).toBe(before.headers.etag);

    await send('PUT', `/api/articles/${ownSlug}`, {
      token: author.token,
      body: { article: { body: 'A new body' } },
    });
    const after = await send('GET', `/api/articles/${ownSlug}`, {
      headers: { 'if-none-match': String(before.headers.etag) },
    });
    expect(after.statusCode).toBe(200);
    expect(after.json().article.body).toBe('A new body');
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });

  it('when If-None-Match lists tags, weakens ours or says *, then it is compared as RFC 9110 says', async () => {
    const { headers } = await send('GET', '/api/tags');
    const etag = String(headers.etag);
    const answer = async (ifNoneMatch: string) =>
      (await send('GET', '/api/tags', { headers: { 'if-none-match': ifNoneMatch } })).statusCode;
    expect(await answer(`"other", ${etag}`)).toBe(304);
    expect(await answer(`W/${etag}`)).toBe(304);
    expect(await answer('*')).toBe(304);
    expect(await answer('"other"')).toBe(200);
  });

  it('when a write carries a matching If-None-Match, then it is carried out, not answered 304', async () => {
    const update = { article: { description: 'unchanged' } };
    const first = await send('PUT', `/api/articles/${slug}`, { token: author.token, body: update });
    const again = await send('PUT', `/api/articles/${slug}`, {
      token: author.token,
      body: update,
      headers: { 'if-none-match': '*' },
    });
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(again.headers.etag).toBeUndefined();
  });
});

describe('Cache-Control and Vary', () => {
  it('when nobody is signed in, then a read and a 404 are public for shared caches, briefly', async () => {
    const list = await send('GET', '/api/articles?limit=20');
    const missing = await send('GET', '/api/articles/no-such-article-anywhere');
    const head = await send('HEAD', '/api/tags');
    expect(list.headers['cache-control']).toBe(SHARED);
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['cache-control']).toBe(SHARED);
    expect(head.headers['cache-control']).toBe(SHARED);
  });

  it('when a request is signed in, then its answer is private and revalidated on every use', async () => {
    const list = await send('GET', '/api/articles?limit=20', { token: reader.token });
    const missing = await send('GET', '/api/profiles/nobody-by-this-name', { token: reader.token });
    expect(list.headers['cache-control']).toBe(PERSONAL);
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['cache-control']).toBe(PERSONAL);
  });

  it('when any request is answered, then Vary names Authorization beside what CORS varies on', async () => {
    const answers = await Promise.all([
      send('GET', '/api/tags'),
      send('GET', '/api/user', { token: reader.token }),
      send('POST', '/api/users/login', { body: { user: { email: 'x@y.z', password: 'wrong' } } }),
      send('GET', '/api/healthz'),
      send('GET', '/no/such/route'),
    ]);
    for (const answer of answers) expect(answer.headers.vary).toBe('Origin, Authorization');
  });

  it('when a GET fails other than 404, then nothing may keep the answer', async () => {
    const unauthorized = await send('GET', '/api/user');
    const invalid = await send('GET', '/api/articles?limit=many');
    const badToken = await send('GET', '/api/articles', { token: 'not-a-token' });
    expect([unauthorized.statusCode, invalid.statusCode, badToken.statusCode]).toEqual([
      401, 422, 401,
    ]);
    for (const answer of [unauthorized, invalid, badToken]) {
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers.etag).toBeUndefined();
    }
  });

  it('when health or readiness is asked, anonymously or not, then nothing may keep the answer', async () => {
    for (const url of ['/api/healthz', '/api/readyz']) {
      expect((await send('GET', url)).headers['cache-control']).toBe('no-store');
      expect((await send('GET', url, { token: reader.token })).headers['cache-control']).toBe(
        'no-store',
      );
    }
  });

  it('when a write is answered, then nothing may keep the answer', async () => {
    const created = await send('POST', '/api/articles', {
      token: author.token,
      body: { article: { title: 'Kept nowhere', description: 'd', body: 'b' } },
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.headers.etag).toBeUndefined();
  });
});

describe('the recent-writer cookie', () => {
  it('when a POST, PUT or DELETE succeeds, then it sets the cookie for the staleness bound', async () => {
    const created = await send('POST', '/api/articles', {
      token: author.token,
      body: { article: { title: 'Written now', description: 'd', body: 'b' } },
    });
    const newSlug = created.json().article.slug;
    const updated = await send('PUT', `/api/articles/${newSlug}`, {
      token: author.token,
      body: { article: { body: 'again' } },
    });
    const deleted = await send('DELETE', `/api/articles/${newSlug}`, { token: author.token });
    expect([created.statusCode, updated.statusCode, deleted.statusCode]).toEqual([201, 200, 204]);
    for (const answer of [created, updated, deleted]) {
      expect(answer.headers['set-cookie']).toBe(RECENT_WRITER);
    }
  });

  it('when a write fails, then no cookie is set', async () => {
    const failures = await Promise.all([
      send('POST', '/api/articles', { body: { article: { title: 't' } } }),
      send('POST', '/api/articles', { token: author.token, body: { article: { title: '' } } }),
      send('PUT', `/api/articles/${slug}`, {
        token: reader.token,
        body: { article: { body: 'not mine' } },
      }),
      send('DELETE', '/api/articles/no-such-article-anywhere', { token: author.token }),
    ]);
    expect(failures.map((answer) => answer.statusCode)).toEqual([401, 422, 403, 404]);
    for (const answer of failures) expect(answer.headers['set-cookie']).toBeUndefined();
  });

  it('when a read succeeds, then no cookie is set', async () => {
    expect((await send('GET', '/api/tags')).headers['set-cookie']).toBeUndefined();
  });

  it('when the write came through HTTPS at a trusted proxy, then the cookie is Secure', async () => {
    const answer = await send('POST', `/api/articles/${slug}/favorite`, {
      token: reader.token,
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['set-cookie']).toBe(`${RECENT_WRITER}; Secure`);
  });

  it('when a request carries the cookie, then the API knows it as a recent writer', async () => {
    const recentWriter = async (cookie?: string) => {
      const answer = await send(
        'GET',
        '/api/tags',
        cookie === undefined ? {} : { headers: { cookie } },
      );
      return observed.recentWriterByRequestId.get(String(answer.headers['x-request-id']));
    };
    expect(await recentWriter()).toBe(false);
    expect(await recentWriter(`${RECENT_WRITER_COOKIE}=1`)).toBe(true);
    expect(await recentWriter(`theme=dark; ${RECENT_WRITER_COOKIE}=1; lang=en`)).toBe(true);
    expect(await recentWriter(`${RECENT_WRITER_COOKIE}=0`)).toBe(false);
    expect(await recentWriter(`not_${RECENT_WRITER_COOKIE}=1`)).toBe(false);
    expect(await recentWriter('theme=dark')).toBe(false);
  });
});
