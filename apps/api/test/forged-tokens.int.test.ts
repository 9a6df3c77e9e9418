// Tokens an attacker could make or keep, presented over HTTP: each is refused with 401 and the
// RealWorld error body, never a 500 and never accepted. A control token made the same way with
// the right secret and claims is accepted, so every refusal below is about its one defect.
import { createHmac, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type RegisteredUser, registerUser } from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

const secret = randomBytes(32).toString('hex');
const key = new TextEncoder().encode(secret);
const SESSION_MAX_AGE_SECONDS = 3600;
const INVALID = { errors: { token: ['is invalid'] } };

let testApp: TestApp;
let user: RegisteredUser;
let userId: number;

beforeAll(async () => {
  testApp = await buildTestApp({
    JWT_SECRET: secret,
    JWT_EXPIRES_IN_SECONDS: '600',
    SESSION_MAX_AGE_SECONDS: String(SESSION_MAX_AGE_SECONDS),
  });
  user = await registerUser(testApp.app, 'forged');
  const row = await testApp.db.user.findUniqueOrThrow({ where: { username: user.username } });
  userId = row.id;
});
afterAll(() => testApp?.close());

const now = () => Math.floor(Date.now() / 1000);
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The claims of a genuine token of a session begun just now. */
const genuineClaims = () => ({ sst: now(), ver: 0 });

/** A token signed with `signingKey` under `alg`, with the standard claims unless told otherwise. */
async function signed(
  options: {
    alg?: string;
    signingKey?: Uint8Array;
    claims?: Record<string, unknown>;
    exp?: number | null;
  } = {},
) {
  const jwt = new SignJWT(options.claims ?? genuineClaims())
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setSubject(String(userId))
    .setIssuedAt();
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? now() + 600);
  return jwt.sign(options.signingKey ?? key);
}

/** HMAC-SHA256 with our secret under a header that says RS256: the classic key confusion. */
async function rs256HeaderWithHmac(): Promise<string> {
  const genuine = await signed();
  const [, payload] = genuine.split('.');
  const header = base64url({ alg: 'RS256', typ: 'JWT' });
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

async function expectRefused(token: string) {
  const response = await call(testApp.app, 'GET', '/api/user', { token });
  expect(response.status).toBe(401);
  expect(response.body).toEqual(INVALID);
}

describe('forged and stale tokens', () => {
  it('when a token is made with the right secret and claims, then it is accepted (the control)', async () => {
    const response = await call(testApp.app, 'GET', '/api/user', { token: await signed() });
    expect(response.status).toBe(200);
    expect(response.body.user.username).toBe(user.username);
  });

  it('when the header says alg none and there is no signature, then it answers 401', async () => {
    const payload = base64url({
      sub: String(userId),
      iat: now(),
      exp: now() + 600,
      ...genuineClaims(),
    });
    await expectRefused(`${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.`);
  });

  it('when the token is signed with HS512 and the right secret, then it answers 401', async () => {
    await expectRefused(await signed({ alg: 'HS512' }));
  });

  it('when the header says RS256 but the signature is an HMAC with our secret, then it answers 401', async () => {
    await expectRefused(await rs256HeaderWithHmac());
  });

  it('when the token has no exp, then it answers 401', async () => {
    await expectRefused(await signed({ exp: null }));
  });

  it('when the token has expired, then it answers 401', async () => {
    await expectRefused(await signed({ exp: now() - 1 }));
  });

  it('when the signature is made with another secret, then it answers 401', async () => {
    await expectRefused(await signed({ signingKey: randomBytes(32) }));
  });

  it('when the session claims are missing or not numbers, then it answers 401', async () => {
    await expectRefused(await signed({ claims: { ver: 0 } }));
    await expectRefused(await signed({ claims: { sst: now() } }));
    await expectRefused(await signed({ claims: { sst: 'yesterday', ver: 0 } }));
    await expectRefused(await signed({ claims: { sst: now(), ver: -1 } }));
  });

  it('when the session began longer ago than its absolute lifetime, then its unexpired token answers 401', async () => {
    await expectRefused(
      await signed({ claims: { sst: now() - SESSION_MAX_AGE_SECONDS - 1, ver: 0 } }),
    );
  });

  it('when the password changed since the token was issued, then the old token answers 401 and the new one works', async () => {
    const victim = await registerUser(testApp.app, 'revoked');
    const changed = await call(testApp.app, 'PUT', '/api/user', {
      token: victim.token,
      body: { user: { password: 'a brand new password', currentPassword: victim.password } },
    });
    expect(changed.status).toBe(200);

    for (const route of ['/api/user', '/api/articles/feed']) {
      const response = await call(testApp.app, 'GET', route, { token: victim.token });
      expect(response.status, route).toBe(401);
      expect(response.body, route).toEqual(INVALID);
    }
    const fresh = await call(testApp.app, 'GET', '/api/user', { token: changed.body.user.token });
    expect(fresh.status).toBe(200);
  });

  it('when the email changed since the token was issued, then the old token answers 401', async () => {
    const victim = await registerUser(testApp.app, 'moved');
    const changed = await call(testApp.app, 'PUT', '/api/user', {
      token: victim.token,
      body: { user: { email: `new-${victim.email}`, currentPassword: victim.password } },
    });
    expect(changed.status).toBe(200);
    const response = await call(testApp.app, 'GET', '/api/user', { token: victim.token });
    expect(response.status).toBe(401);
    expect(response.body).toEqual(INVALID);
  });
});
