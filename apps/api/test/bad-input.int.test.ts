// Input that Postgres cannot hold: numbers beyond its integer types and text with a NUL
// character. Each is a 422 in the RealWorld error shape naming the field, never a 500.

import { apiTestEnv } from '@headroom/testing/api-env';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadApiConfig } from '../src/config.ts';
import {
  call,
  createArticle,
  type RegisteredUser,
  registerUser,
} from './support/conduit-client.ts';
import { buildTestApp, readsOnPrimary, type TestApp } from './support/test-app.ts';

let testApp: TestApp;
let user: RegisteredUser;
let slug: string;
beforeAll(async () => {
  testApp = await buildTestApp();
  user = await registerUser(testApp.app);
  slug = (await createArticle(testApp.app, user.token)).slug;
});
afterAll(() => testApp.close());

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
interface BadRequest {
  method: Method;
  url: () => string;
  body?: unknown;
  field: string;
}

async function send(request: BadRequest) {
  return call(testApp.app, request.method, request.url(), {
    token: user.token,
    body: request.body,
  });
}

/** One past the largest int4, the type of every id column. */
const PAST_INT4 = 2_147_483_648;

describe('numbers too large for the database', () => {
  const requests: [string, BadRequest][] = [
    [
      'notification cursor',
      { method: 'GET', url: () => `/api/notifications?before=${PAST_INT4}`, field: 'before' },
    ],
    [
      'mark-read bound',
      {
        method: 'POST',
        url: () => '/api/notifications/read',
        body: { upTo: PAST_INT4 },
        field: 'upTo',
      },
    ],
    [
      'comment id',
      { method: 'DELETE', url: () => `/api/articles/${slug}/comments/${PAST_INT4}`, field: 'id' },
    ],
    [
      'article offset past int4',
      { method: 'GET', url: () => `/api/articles?offset=${PAST_INT4}`, field: 'offset' },
    ],
    [
      'article offset past int8',
      { method: 'GET', url: () => '/api/articles?offset=99999999999999999999', field: 'offset' },
    ],
    [
      'feed offset past int8',
      {
        method: 'GET',
        url: () => '/api/articles/feed?offset=99999999999999999999',
        field: 'offset',
      },
    ],
  ];

  it.each(requests)('when the %s is too large, then 422 naming it', async (_name, request) => {
    const response = await send(request);
    expect(response.status).toBe(422);
    expect(response.body.errors[request.field]).toEqual([expect.stringMatching(/<=/)]);
  });
});

describe('NUL characters', () => {
  const requests: [string, BadRequest][] = [
    [
      'a body string',
      {
        method: 'POST',
        url: () => '/api/articles',
        body: { article: { title: 'a\u0000b', description: 'd', body: 'b' } },
        field: 'title',
      },
    ],
    [
      'a body list item',
      {
        method: 'POST',
        url: () => '/api/articles',
        body: { article: { title: 't', description: 'd', body: 'b', tagList: ['ok', 'x\u0000'] } },
        field: 'tagList',
      },
    ],
    [
      'a nullable body field',
      { method: 'PUT', url: () => '/api/user', body: { user: { bio: '\u0000' } }, field: 'bio' },
    ],
    ['an article slug', { method: 'GET', url: () => '/api/articles/%00', field: 'slug' }],
    [
      'a comment path',
      {
        method: 'POST',
        url: () => '/api/articles/a%00b/comments',
        body: { comment: { body: 'hi' } },
        field: 'slug',
      },
    ],
    ['a profile name', { method: 'GET', url: () => '/api/profiles/me%00', field: 'username' }],
    ['the tag filter', { method: 'GET', url: () => '/api/articles?tag=%00', field: 'tag' }],
    [
      'the author filter',
      { method: 'GET', url: () => '/api/articles?author=x%00', field: 'author' },
    ],
    [
      'the favorited filter',
      { method: 'GET', url: () => '/api/articles?favorited=%00y', field: 'favorited' },
    ],
  ];

  it.each(requests)('when %s holds one, then 422 naming the field', async (_name, request) => {
    const response = await send(request);
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      errors: { [request.field]: ['must not contain the NUL character'] },
    });
  });
});

describe('deeply nested bodies', () => {
  it('when a body nests lists thousands deep, then it is refused as a 4xx, not a crash', async () => {
    const depth = 50_000;
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/api/articles',
      headers: { authorization: `Token ${user.token}`, 'content-type': 'application/json' },
      payload: `{"article":${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}}`,
    });
    expect(response.statusCode).toBe(422);
  });
});

describe('blank query parameters', () => {
  it("when a number parameter is present but empty, then 422 can't be blank", async () => {
    const response = await call(testApp.app, 'GET', '/api/articles?limit=');
    expect(response.status).toBe(422);
    expect(response.body).toEqual({ errors: { limit: ["can't be blank"] } });
  });
});

describe('values the database refuses that validation let through', () => {
  it('when Postgres rejects a value as data, then 422 in the error shape, not 500', async () => {
    const config = loadApiConfig(apiTestEnv());
    const metrics = new Registry();
    const app = await buildApp({
      config,
      db: testApp.db,
      reads: readsOnPrimary(testApp.db, metrics),
      redis: undefined as never,
      metrics,
    });
    // Routes without the schemas and checks that guard the real ones.
    app.get('/unguarded/nul', () => testApp.db.article.findUnique({ where: { slug: 'a\u0000' } }));
    app.get('/unguarded/int4', () => testApp.db.comment.findUnique({ where: { id: PAST_INT4 } }));
    try {
      for (const url of ['/unguarded/nul', '/unguarded/int4']) {
        const response = await call(app, 'GET', url);
        expect(response.status, url).toBe(422);
        expect(response.body).toEqual({ errors: { request: [expect.any(String)] } });
      }
    } finally {
      await app.close();
    }
  });
});

// A lone surrogate (half of a UTF-16 pair) is valid in a JSON string and a JavaScript string,
// but has no UTF-8 form: Postgres cannot store it. Found by the schema-driven fuzzer
// (schema-fuzz.int.test.ts) as a 500 on POST /api/articles.
describe('text with no UTF-8 form', () => {
  const LONE_SURROGATE = '\ud800';

  it('when an article tag holds a lone surrogate, then 422 naming the field, not 500', async () => {
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/api/articles',
      headers: { authorization: `Token ${user.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({
        article: { title: 't', description: 'd', body: 'b', tagList: [`x${LONE_SURROGATE}`] },
      }),
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      errors: { tagList: ['must be valid Unicode (an unpaired surrogate)'] },
    });
  });

  it('when a nullable profile field holds one, then 422 naming it', async () => {
    const response = await testApp.app.inject({
      method: 'PUT',
      url: '/api/user',
      headers: { authorization: `Token ${user.token}`, 'content-type': 'application/json' },
      payload: `{"user":{"bio":"half of a pair: \\udc00"}}`,
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      errors: { bio: ['must be valid Unicode (an unpaired surrogate)'] },
    });
  });

  it('when a pair is whole (an emoji), then it is stored as sent', async () => {
    const response = await call(testApp.app, 'POST', '/api/articles', {
      token: user.token,
      body: { article: { title: 't', description: 'd', body: 'b', tagList: ['x\u{1f600}'] } },
    });
    expect(response.status).toBe(201);
    expect(response.body.article.tagList).toEqual(['x\u{1f600}']);
  });
});

// Refused before any route is found, by Fastify's router or Node's HTTP parser: each in the
// RealWorld error shape, with a status the OpenAPI document lists for every operation. Found by
// the schema-driven fuzzer, which got Fastify's own JSON shape for all three.
describe('malformed URLs and requests', () => {
  it('when a path has malformed percent-encoding, then 400 in the error shape', async () => {
    for (const url of ['/api/articles/%zz', '/api/profiles/%E0%A4%A/follow', '/api/articles/%']) {
      const response = await call(testApp.app, 'GET', url);
      expect(response.status, url).toBe(400);
      expect(response.body, url).toEqual({
        errors: { url: ['is not a valid URL (malformed percent-encoding)'] },
      });
    }
  });

  it('when a path parameter is longer than the router allowed (100), then its schema answers 422', async () => {
    const response = await call(testApp.app, 'GET', `/api/articles/${'x'.repeat(300)}`);
    expect(response.status).toBe(422);
    expect(response.body.errors).toHaveProperty('slug');
    // Within the schema's 255 characters: looked up, and not found.
    expect((await call(testApp.app, 'GET', `/api/articles/${'x'.repeat(200)}`)).status).toBe(404);
  });

  it('when the headers are larger than Node accepts, then 431 in the error shape', async () => {
    const server = await buildTestApp();
    try {
      const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
      const response = await fetch(`${address}/api/tags?filler=${'x'.repeat(20_000)}`);
      expect(response.status).toBe(431);
      expect(await response.json()).toEqual({ errors: { request: ['headers or URL too large'] } });
    } finally {
      await server.close();
    }
  });
});
