// Rate limits on every write (plugins/rate-limit.ts): per user and per address, 429 with
// Retry-After in the error shape, login keys bounded and grouped per IPv6 /64, every writing route
// limited, and each class failing open or closed as docs/security.md says when Redis is down.

import { apiTestEnv } from '@headroom/testing/api-env';
import { startPrivateRedis } from '@headroom/testing/redis-server';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from '../src/config.ts';
import { limitClassesFrom, rateLimitPlugin } from '../src/plugins/rate-limit.ts';
import { call, createArticle, registerUser, uniqueName } from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

// Forwarded addresses are believed from one proxy, so each test can be its own client.
const LIMITS = {
  RATE_LIMIT_MULTIPLIER: '1',
  TRUSTED_PROXY_HOPS: '1',
  COMMENT_WRITE_RATE_LIMIT_PER_USER: '2',
  COMMENT_WRITE_RATE_LIMIT_PER_ADDRESS: '3',
  FOLLOW_RATE_LIMIT_PER_USER: '100',
  FOLLOW_RATE_LIMIT_PER_ADDRESS: '2',
  LOGIN_RATE_LIMIT_MAX: '2',
  LOGIN_ADDRESS_RATE_LIMIT_MAX: '3',
  REGISTER_RATE_LIMIT_MAX: '1000',
};

let testApp: TestApp;
let addressCounter = 0;
/** A documentation address (RFC 5737) no other test in this file uses. */
const freshAddress = () => `198.51.100.${++addressCounter}`;

beforeAll(async () => {
  testApp = await buildTestApp(LIMITS);
});
afterAll(async () => {
  await testApp.close();
});

const from = (address: string) => ({ 'x-forwarded-for': address });

describe('write limits', () => {
  it('when a user comments more than their limit, then 429 with Retry-After in the error shape, and another user is unaffected', async () => {
    const { app } = testApp;
    const address = freshAddress();
    const [author, chatty, other] = [
      await registerUser(app),
      await registerUser(app),
      await registerUser(app),
    ];
    const article = await createArticle(app, author.token);
    const comment = (token: string, headers: Record<string, string>) =>
      call(app, 'POST', `/api/articles/${article.slug}/comments`, {
        token,
        headers,
        body: { comment: { body: 'hello' } },
      });

    const statuses = [];
    for (let index = 0; index < 3; index++) {
      statuses.push((await comment(chatty.token, from(freshAddress()))).status);
    }
    expect(statuses).toEqual([201, 201, 429]);
    const refused = await comment(chatty.token, from(address));
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ errors: { request: ['too many attempts, retry later'] } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);

    expect((await comment(other.token, from(address))).status).toBe(201);
  });

  it('when several users behind one address follow more than the address limit, then 429', async () => {
    const { app } = testApp;
    const address = freshAddress();
    const target = await registerUser(app);
    const followers = [await registerUser(app), await registerUser(app), await registerUser(app)];
    const statuses = [];
    for (const follower of followers) {
      const response = await call(app, 'POST', `/api/profiles/${target.username}/follow`, {
        token: follower.token,
        headers: from(address),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    // The same users from another address are within limits.
    const elsewhere = await call(app, 'DELETE', `/api/profiles/${target.username}/follow`, {
      token: followers[2]?.token,
      headers: from(freshAddress()),
    });
    expect(elsewhere.status).toBe(200);
  });

  it('when a writing route names no limit class, then registering it fails', async () => {
    const app = Fastify();
    const redis = new Redis(apiTestEnv().REDIS_URL as string, { lazyConnect: true });
    try {
      await app.register(rateLimitPlugin, {
        redis,
        keyPrefix: 'unused:',
        classes: limitClassesFrom(loadApiConfig(apiTestEnv())),
      });
      await app.after();
      expect(() => app.post('/unlimited', async () => ({}))).toThrow(/names no config.limitedAs/);
      expect(() => app.get('/reads', async () => ({}))).not.toThrow();
    } finally {
      await app.close();
      redis.disconnect();
    }
  });

  it('when the OpenAPI document is read, then every limited route lists 429', async () => {
    const document = await call(testApp.app, 'GET', '/api/docs/json');
    const comments = document.body.paths['/api/articles/{slug}/comments'].post.responses;
    expect(comments).toHaveProperty('429');
    const login = document.body.paths['/api/users/login'].post.responses;
    expect(login).toHaveProperty('429');
    expect(login).toHaveProperty('503');
  });
});

describe('login limits', () => {
  const login = (email: unknown, address: string) =>
    call(testApp.app, 'POST', '/api/users/login', {
      headers: from(address),
      body: { user: { email, password: 'not the password' } },
    });

  it('when one address tries one email too often, then 429, and another email still gets an answer', async () => {
    const address = freshAddress();
    const email = `${uniqueName('victim')}@example.com`;
    const statuses = [];
    for (let index = 0; index < 3; index++) statuses.push((await login(email, address)).status);
    expect(statuses).toEqual([401, 401, 429]);
  });

  it('when one address tries many emails (credential stuffing), then 429 after the per-address limit', async () => {
    const address = freshAddress();
    const statuses = [];
    for (let index = 0; index < 4; index++) {
      statuses.push((await login(`${uniqueName('stuffed')}@example.com`, address)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('when addresses share an IPv6 /64, then they share one counter; another /64 has its own', async () => {
    const statuses = [];
    const sameSlash64 = [
      '2001:db8:aaaa:1::1',
      '2001:db8:aaaa:1::2',
      '2001:db8:aaaa:1:ffff::1',
      '2001:db8:aaaa:1:abcd:ef01:2345:6789',
    ];
    for (const address of sameSlash64) {
      statuses.push((await login(`${uniqueName('v6')}@example.com`, address)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect((await login(`${uniqueName('v6')}@example.com`, '2001:db8:aaaa:2::1')).status).toBe(401);
  });

  it('when the email is 250 KB, then the limiter keys stay short (hashed) and the answer is a 4xx', async () => {
    const address = freshAddress();
    const response = await login('x'.repeat(250_000), address);
    expect([413, 422]).toContain(response.status);
    const redis = new Redis(apiTestEnv().REDIS_URL as string);
    try {
      const keys = await redis.keys(`${testApp.redisKeyPrefix}:rate-limit:*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(Math.max(...keys.map((key) => key.length))).toBeLessThan(200);
      expect(keys.some((key) => key.includes('xxxx'))).toBe(false);
    } finally {
      redis.disconnect();
    }
  });
});

describe('with Redis down', () => {
  it('when Redis is unreachable, then content writes and registration go through (fail open) and login and PUT /user answer 503 with Retry-After (fail closed)', async () => {
    const redis = await startPrivateRedis();
    const limited = await buildTestApp({ ...LIMITS, REDIS_URL: redis.url });
    try {
      const { app } = limited;
      const author = await registerUser(app);
      const article = await createArticle(app, author.token);
      await redis.stop();

      const comment = await call(app, 'POST', `/api/articles/${article.slug}/comments`, {
        token: author.token,
        body: { comment: { body: 'still here' } },
      });
      expect(comment.status).toBe(201);
      const favorite = await call(app, 'POST', `/api/articles/${article.slug}/favorite`, {
        token: author.token,
      });
      expect(favorite.status).toBe(200);
      const registered = await call(app, 'POST', '/api/users', {
        body: {
          user: {
            username: uniqueName('u'),
            email: `${uniqueName('u')}@example.com`,
            password: 'long enough password',
          },
        },
      });
      expect(registered.status).toBe(201);

      const refused = [
        await call(app, 'POST', '/api/users/login', {
          body: { user: { email: author.email, password: author.password } },
        }),
        await call(app, 'PUT', '/api/user', {
          token: author.token,
          body: { user: { bio: 'new bio' } },
        }),
      ];
      for (const response of refused) {
        expect(response.status).toBe(503);
        expect(response.body).toEqual({
          errors: { 'rate limiter': ['temporarily unavailable, retry later'] },
        });
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      }

      await redis.start();
      await expect
        .poll(
          async () =>
            (
              await call(app, 'POST', '/api/users/login', {
                body: { user: { email: author.email, password: author.password } },
              })
            ).status,
          { timeout: 15_000, interval: 200 },
        )
        .toBe(200);
    } finally {
      await limited.close();
      await redis.stop();
    }
  });
});
