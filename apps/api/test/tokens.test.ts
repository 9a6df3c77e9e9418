// The token service on its own: a token verified once is remembered, but never past its
// expiry, and a forged or altered one is refused whether or not a genuine one was seen.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenService } from '../src/plugins/auth.ts';

const secret = 'a-test-secret-that-is-long-enough-0123456789';

afterEach(() => {
  vi.useRealTimers();
});

describe('token verification', () => {
  it('when a token is presented again after it expired, then it is refused, though it was accepted before', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const tokens = createTokenService({ secret, expiresInSeconds: 60 });
    const token = await tokens.issue(42);
    expect(await tokens.verify(token)).toBe(42);
    expect(await tokens.verify(token)).toBe(42);
    vi.setSystemTime(Date.now() + 61_000);
    expect(await tokens.verify(token)).toBeNull();
  });

  it('when a verified token is altered or signed with another secret, then it is refused', async () => {
    const tokens = createTokenService({ secret, expiresInSeconds: 60 });
    const token = await tokens.issue(7);
    expect(await tokens.verify(token)).toBe(7);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const otherUser = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: '8' }),
    ).toString('base64url');
    expect(await tokens.verify(`${header}.${otherUser}.${signature}`)).toBeNull();
    const forged = await createTokenService({
      secret: `${secret}-other`,
      expiresInSeconds: 60,
    }).issue(7);
    expect(await tokens.verify(forged)).toBeNull();
  });
});
