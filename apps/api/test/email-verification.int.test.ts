// Email verification as the API sees it: the worker has stored a pending link's digest (as
// apps/worker/src/jobs/send-email.ts does; the whole path through a worker process is in
// apps/worker/test/email-verification.int.test.ts), and the token from the email is posted back.
import { newVerificationToken } from '@headroom/jobs/email-verification';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type RegisteredUser, registerUser } from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await buildTestApp({ EMAIL_VERIFICATION_RESEND_INTERVAL_SECONDS: '60' });
});
afterAll(() => testApp?.close());

const INVALID = { errors: { token: ['is invalid or has expired'] } };

/** A pending link for the user, as the worker leaves it after emailing it. */
async function pendingLink(user: RegisteredUser, expiresInMs = 3_600_000): Promise<string> {
  const { token, digest } = newVerificationToken();
  await testApp.db.user.update({
    where: { username: user.username },
    data: {
      emailVerificationDigest: digest,
      emailVerificationExpiresAt: new Date(Date.now() + expiresInMs),
    },
  });
  return token;
}

const verifiedAt = async (user: RegisteredUser) =>
  (
    await testApp.db.user.findUniqueOrThrow({
      where: { username: user.username },
      select: { emailVerifiedAt: true },
    })
  ).emailVerifiedAt;

const verificationRequests = async (userId: number) =>
  testApp.db.outboxEvent.count({
    where: {
      type: 'user.email-verification-requested',
      payload: { path: ['userId'], equals: userId },
    },
  });

describe('verifying an address', () => {
  it('when the token from the link is posted, then the address is verified and the link works no more', async () => {
    const user = await registerUser(testApp.app, 'verify');
    const token = await pendingLink(user);
    expect(await verifiedAt(user)).toBeNull();

    const first = await call(testApp.app, 'POST', '/api/users/verify', { body: { token } });
    expect(first.status).toBe(204);
    expect(await verifiedAt(user)).toBeInstanceOf(Date);

    const again = await call(testApp.app, 'POST', '/api/users/verify', { body: { token } });
    expect(again.status).toBe(422);
    expect(again.body).toEqual(INVALID);
  });

  it('when the token was never issued (forged), then it answers 422 and verifies nobody', async () => {
    const user = await registerUser(testApp.app, 'forgedlink');
    await pendingLink(user);
    const { token: forged } = newVerificationToken();
    const response = await call(testApp.app, 'POST', '/api/users/verify', {
      body: { token: forged },
    });
    expect(response.status).toBe(422);
    expect(response.body).toEqual(INVALID);
    expect(await verifiedAt(user)).toBeNull();
  });

  it('when the link has expired, then it answers 422 and the address stays unverified', async () => {
    const user = await registerUser(testApp.app, 'expired');
    const token = await pendingLink(user, -1_000);
    const response = await call(testApp.app, 'POST', '/api/users/verify', { body: { token } });
    expect(response.status).toBe(422);
    expect(response.body).toEqual(INVALID);
    expect(await verifiedAt(user)).toBeNull();
  });

  it('when the token is not shaped like one, then it answers 422 naming it', async () => {
    for (const token of ['', 'short', 'x'.repeat(44), '!'.repeat(43)]) {
      const response = await call(testApp.app, 'POST', '/api/users/verify', { body: { token } });
      expect(response.status, token).toBe(422);
      expect(Object.keys(response.body.errors), token).toEqual(['token']);
    }
  });

  it('when a verified user changes their email, then it is unverified again, the old link is dead and a new one is asked for', async () => {
    const user = await registerUser(testApp.app, 'mover');
    const { id } = await testApp.db.user.findUniqueOrThrow({ where: { username: user.username } });
    await call(testApp.app, 'POST', '/api/users/verify', {
      body: { token: await pendingLink(user) },
    });
    expect(await verifiedAt(user)).toBeInstanceOf(Date);
    const stale = await pendingLink(user);

    const changed = await call(testApp.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { email: `moved-${user.email}` } },
    });
    expect(changed.status).toBe(200);
    expect(await verifiedAt(user)).toBeNull();
    expect(await verificationRequests(id)).toBe(1);
    const old = await call(testApp.app, 'POST', '/api/users/verify', { body: { token: stale } });
    expect(old.status).toBe(422);

    // The link the worker sends for the new address verifies it.
    const fresh = await call(testApp.app, 'POST', '/api/users/verify', {
      body: { token: await pendingLink(user) },
    });
    expect(fresh.status).toBe(204);
    expect(await verifiedAt(user)).toBeInstanceOf(Date);
  });
});

describe('asking for a new link', () => {
  it('when asked right after registering, then it answers 429 with Retry-After and records nothing', async () => {
    const user = await registerUser(testApp.app, 'eager');
    const { id } = await testApp.db.user.findUniqueOrThrow({ where: { username: user.username } });
    const response = await call(testApp.app, 'POST', '/api/user/verification', {
      token: user.token,
    });
    expect(response.status).toBe(429);
    expect(response.body).toEqual({ errors: { request: [expect.any(String)] } });
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(await verificationRequests(id)).toBe(0);
  });

  it('when the last request is older than the interval, then one is recorded (202), and a second at once is refused', async () => {
    const user = await registerUser(testApp.app, 'patient');
    const { id } = await testApp.db.user.update({
      where: { username: user.username },
      data: { emailVerificationRequestedAt: new Date(Date.now() - 61_000) },
    });
    const first = await call(testApp.app, 'POST', '/api/user/verification', { token: user.token });
    expect(first.status).toBe(202);
    const second = await call(testApp.app, 'POST', '/api/user/verification', { token: user.token });
    expect(second.status).toBe(429);
    expect(await verificationRequests(id)).toBe(1);
  });

  it('when the address is already verified, then it answers 204 and records nothing', async () => {
    const user = await registerUser(testApp.app, 'done');
    const { id } = await testApp.db.user.update({
      where: { username: user.username },
      data: { emailVerifiedAt: new Date() },
    });
    const response = await call(testApp.app, 'POST', '/api/user/verification', {
      token: user.token,
    });
    expect(response.status).toBe(204);
    expect(await verificationRequests(id)).toBe(0);
  });
});
