// The token service on its own: a token verified once is remembered, but never past its
// expiry or its session's absolute lifetime, and a forged or altered one is refused whether or
// not a genuine one was seen. (Forged tokens over HTTP, and revoked versions: forged-tokens.int.test.ts.)
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenService } from '../src/plugins/auth.ts';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const DAY = 24 * 3600;

afterEach(() => {
  vi.useRealTimers();
});

const sessionOf = (userId: number, sessionStartedAt: number) => ({
  userId,
  sessionStartedAt,
  tokenVersion: 0,
});

describe('token verification', () => {
  it('when a token is presented again after it expired, then it is refused, though it was accepted before', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const tokens = createTokenService({ secret, expiresInSeconds: 60, sessionMaxAgeSeconds: DAY });
    const token = await tokens.issue(sessionOf(42, tokens.now()));
    expect((await tokens.verify(token))?.userId).toBe(42);
    expect((await tokens.verify(token))?.userId).toBe(42);
    vi.setSystemTime(Date.now() + 61_000);
    expect(await tokens.verify(token)).toBeNull();
  });

  it('when a verified token is altered or signed with another secret, then it is refused', async () => {
    const tokens = createTokenService({ secret, expiresInSeconds: 60, sessionMaxAgeSeconds: DAY });
    const token = await tokens.issue(sessionOf(7, tokens.now()));
    expect((await tokens.verify(token))?.userId).toBe(7);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const otherUser = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: '8' }),
    ).toString('base64url');
    expect(await tokens.verify(`${header}.${otherUser}.${signature}`)).toBeNull();
    const other = createTokenService({
      secret: `${secret}-other`,
      expiresInSeconds: 60,
      sessionMaxAgeSeconds: DAY,
    });
    expect(await tokens.verify(await other.issue(sessionOf(7, other.now())))).toBeNull();
  });
});

describe('session lifetime', () => {
  it('when a token is issued near the end of its session, then it expires with the session, not a full lifetime later', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const tokens = createTokenService({
      secret,
      expiresInSeconds: 7 * DAY,
      sessionMaxAgeSeconds: 30 * DAY,
    });
    const started = tokens.now();
    // Refreshed every day for four weeks: each new token still belongs to the first session.
    vi.setSystemTime(Date.now() + 29 * DAY * 1000);
    const refreshed = await tokens.issue(sessionOf(3, started));
    expect((await tokens.verify(refreshed))?.sessionStartedAt).toBe(started);
    const { exp } = JSON.parse(Buffer.from(refreshed.split('.')[1]!, 'base64url').toString());
    expect(exp).toBe(started + 30 * DAY);

    vi.setSystemTime((started + 30 * DAY) * 1000);
    expect(await tokens.verify(refreshed)).toBeNull();
  });

  it('when the absolute lifetime is lowered, then tokens of sessions older than the new one are refused', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const long = createTokenService({
      secret,
      expiresInSeconds: DAY,
      sessionMaxAgeSeconds: 30 * DAY,
    });
    const short = createTokenService({ secret, expiresInSeconds: DAY, sessionMaxAgeSeconds: 3600 });
    const token = await long.issue(sessionOf(5, long.now() - 2 * 3600));
    expect(await long.verify(token)).not.toBeNull();
    expect(await short.verify(token)).toBeNull();
  });
});
