// The authorization matrix: every route the app registers, called as nobody, as another
// signed-in user and as the owner of what the route touches, against the status the table
// below expects. The routes are observed as the app builds (as http-caching.int.test.ts does),
// so a route added without a row here fails the first test: whoever adds it decides who may
// call it. "other" is signed in but owns nothing on the path; "owner" wrote the article or
// comment, or is the account the route acts on. Expected: 401 for a protected route without a
// token, 403 where ownership matters, success for the owner.
import { newVerificationToken } from '@headroom/jobs/email-verification';
import type { FastifyServerOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  call,
  createArticle,
  type RegisteredUser,
  registerUser,
  uniqueName,
} from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

const observed = vi.hoisted(() => ({ routes: [] as { method: string; url: string }[] }));

vi.mock('fastify', async (importOriginal) => {
  const fastify = await importOriginal<typeof import('fastify')>();
  const observing = ((options?: FastifyServerOptions) => {
    const app = fastify.default(options);
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) observed.routes.push({ method, url: route.url });
    });
    return app;
  }) as typeof fastify.default;
  return { ...fastify, default: observing };
});

type Role = 'anonymous' | 'other' | 'owner';
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS';

/** What the owner owns, made fresh for each call: a call may delete it. */
interface Owned {
  owner: RegisteredUser;
  slug: string;
  commentId: number;
  /** The token of the owner's pending email verification link (as if from the email). */
  verificationToken: string;
}

interface RouteCase {
  expected: Record<Role, number>;
  /** The body to send, if any (fresh per call where it must be unique). */
  body?: (owned: Owned) => unknown;
  headers?: Record<string, string>;
}

const everyone = (status: number) => ({ anonymous: status, other: status, owner: status });
const signedIn = (status: number) => ({ anonymous: 401, other: status, owner: status });
const ownerOnly = (status: number) => ({ anonymous: 401, other: 403, owner: status });

const newUser = () => {
  const username = uniqueName('matrix');
  return { user: { username, email: `${username}@example.com`, password: 'password123' } };
};

/** One row per route, keyed "METHOD /url" as Fastify registers it. HEAD is its GET's row. */
const matrix: Record<string, RouteCase> = {
  'GET /api/articles': { expected: everyone(200) },
  'GET /api/articles/feed': { expected: signedIn(200) },
  'GET /api/articles/:slug': { expected: everyone(200) },
  'POST /api/articles': {
    expected: signedIn(201),
    body: () => ({ article: { title: uniqueName('T '), description: 'd', body: 'b' } }),
  },
  'PUT /api/articles/:slug': {
    expected: ownerOnly(200),
    body: () => ({ article: { description: 'changed' } }),
  },
  'DELETE /api/articles/:slug': { expected: ownerOnly(204) },
  // Anyone signed in may favorite any article, their own included.
  'POST /api/articles/:slug/favorite': { expected: signedIn(200) },
  'DELETE /api/articles/:slug/favorite': { expected: signedIn(200) },
  'GET /api/articles/:slug/comments': { expected: everyone(200) },
  'POST /api/articles/:slug/comments': {
    expected: signedIn(201),
    body: () => ({ comment: { body: 'a comment' } }),
  },
  'DELETE /api/articles/:slug/comments/:id': { expected: ownerOnly(204) },
  'GET /api/profiles/:username': { expected: everyone(200) },
  // Following someone else is anyone's right; following oneself is refused.
  'POST /api/profiles/:username/follow': { expected: { anonymous: 401, other: 200, owner: 422 } },
  'DELETE /api/profiles/:username/follow': { expected: signedIn(200) },
  'GET /api/tags': { expected: everyone(200) },
  // Registering and logging in need no token; a token, when sent, must still be valid.
  'POST /api/users': { expected: everyone(201), body: newUser },
  'POST /api/users/login': {
    expected: everyone(200),
    body: ({ owner }) => ({ user: { email: owner.email, password: owner.password } }),
  },
  // The account a token speaks for is always its bearer's: nobody can name another's.
  'GET /api/user': { expected: signedIn(200) },
  'PUT /api/user': { expected: signedIn(200), body: () => ({ user: { bio: 'changed' } }) },
  // The emailed link is the credential, whoever follows it: no token needed.
  'POST /api/users/verify': {
    expected: everyone(204),
    body: ({ verificationToken }) => ({ token: verificationToken }),
  },
  'POST /api/user/verification': { expected: signedIn(202) },
  'GET /api/notifications': { expected: signedIn(200) },
  'POST /api/notifications/read': { expected: signedIn(200), body: () => ({}) },
  'GET /api/healthz': { expected: everyone(200) },
  'GET /api/readyz': { expected: everyone(200) },
  // The OpenAPI document and its viewer are public.
  'GET /api/docs': { expected: everyone(200) },
  'GET /api/docs/json': { expected: everyone(200) },
  'GET /api/docs/yaml': { expected: everyone(200) },
  'GET /api/docs/static/*': { expected: everyone(200) },
  // The docs' old address redirects to the page.
  'GET /api/docs/static/index.html': { expected: everyone(302) },
  'GET /api/docs/static/swagger-initializer.js': { expected: everyone(200) },
  // CORS preflight: answered before authentication, as browsers send it without credentials.
  'OPTIONS *': {
    expected: everyone(204),
    headers: { origin: 'http://site.test', 'access-control-request-method': 'POST' },
  },
};

let testApp: TestApp;
let owner: RegisteredUser;
let other: RegisteredUser;

beforeAll(async () => {
  testApp = await buildTestApp();
  owner = await registerUser(testApp.app, 'owner');
  other = await registerUser(testApp.app, 'other');
});
afterAll(() => testApp?.close());

async function freshOwned(): Promise<Owned> {
  const { slug } = await createArticle(testApp.app, owner.token);
  const comment = await call(testApp.app, 'POST', `/api/articles/${slug}/comments`, {
    token: owner.token,
    body: { comment: { body: 'the owner comments' } },
  });
  // Both addresses unverified with no recent request, and a pending link for the owner's, as
  // the worker leaves it after sending one.
  const { token, digest } = newVerificationToken();
  await testApp.db.user.updateMany({
    where: { username: { in: [owner.username, other.username] } },
    data: { emailVerifiedAt: null, emailVerificationRequestedAt: null },
  });
  await testApp.db.user.update({
    where: { username: owner.username },
    data: {
      emailVerificationDigest: digest,
      emailVerificationExpiresAt: new Date(Date.now() + 3_600_000),
    },
  });
  return { owner, slug, commentId: comment.body.comment.id, verificationToken: token };
}

function concreteUrl(pattern: string, owned: Owned): string {
  const values: Record<string, string> = {
    slug: owned.slug,
    id: String(owned.commentId),
    username: owned.owner.username,
  };
  return pattern
    .replace(/:(\w+)/g, (_match, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`no value for :${name} in ${pattern}`);
      return value;
    })
    .replace(/^\*$/, '/api/articles')
    .replace(/\/static\/\*$/, '/static/index.css');
}

const tokenOf: Record<Role, () => string | undefined> = {
  anonymous: () => undefined,
  other: () => other.token,
  owner: () => owner.token,
};

const routeKeys = () => [
  ...new Set(
    observed.routes
      .filter((route) => route.method !== 'HEAD')
      .map((route) => `${route.method} ${route.url}`),
  ),
];

describe('the authorization matrix', () => {
  it('when the app is built, then every route it registers has a row in the matrix, and every row a route', () => {
    const registered = routeKeys();
    expect(registered.length).toBeGreaterThanOrEqual(20);
    expect(registered.filter((key) => !(key in matrix))).toEqual([]);
    expect(Object.keys(matrix).filter((key) => !registered.includes(key))).toEqual([]);
  });

  it('when every route is called as nobody, another user and the owner, then each answers as the matrix says', async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const key of routeKeys()) {
      const routeCase = matrix[key];
      if (!routeCase) continue;
      const [method, pattern] = key.split(' ') as [Method, string];
      for (const role of ['anonymous', 'other', 'owner'] as const) {
        const owned = await freshOwned();
        const token = tokenOf[role]();
        const body = routeCase.body?.(owned);
        // Not `call`: the docs' pages are HTML, not JSON.
        const response = await testApp.app.inject({
          method,
          url: concreteUrl(pattern, owned),
          headers: { ...routeCase.headers, ...(token ? { authorization: `Token ${token}` } : {}) },
          ...(body === undefined ? {} : { payload: body as object }),
        });
        const status = response.statusCode;
        outcomes.push(`${key} as ${role}: ${status}`);
        expected.push(`${key} as ${role}: ${routeCase.expected[role]}`);
        if (status === 401 || status === 403) {
          // Refusals carry the RealWorld error body.
          expect(response.json().errors, `${key} as ${role}`).toEqual(expect.any(Object));
        }
      }
    }
    expect(outcomes).toEqual(expected);
  });
});
