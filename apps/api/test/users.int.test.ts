import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, registerUser, uniqueName } from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(() => testApp.close());

describe('registration', () => {
  it('when a new user registers, then it answers 201 with a token and null bio and image', async () => {
    const username = uniqueName('jake');
    const response = await call(testApp.app, 'POST', '/api/users', {
      body: { user: { username, email: `${username}@Example.com`, password: 'jakejakejake' } },
    });

    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toMatch(/^application\/json; charset=utf-8/);
    expect(response.body.user).toEqual({
      username,
      email: `${username}@example.com`,
      bio: null,
      image: null,
      token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    });
  });

  it.each([
    ['username', { email: 'a@example.com', password: 'password123' }],
    ['email', { username: 'someone', password: 'password123' }],
    ['password', { username: 'someone', email: 'a@example.com' }],
  ])('when %s is missing, then it answers 422 naming that field', async (field, user) => {
    const response = await call(testApp.app, 'POST', '/api/users', { body: { user } });
    expect(response.status).toBe(422);
    expect(response.body).toEqual({ errors: { [field]: ["can't be blank"] } });
  });

  it('when fields are empty strings, then each is reported as blank', async () => {
    const response = await call(testApp.app, 'POST', '/api/users', {
      body: { user: { username: '', email: '', password: '' } },
    });
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      errors: {
        username: ["can't be blank"],
        email: ["can't be blank"],
        password: ["can't be blank"],
      },
    });
  });

  it('when the email is malformed or the password short, then it answers 422', async () => {
    const badEmail = await call(testApp.app, 'POST', '/api/users', {
      body: { user: { username: uniqueName('u'), email: 'not-an-email', password: 'password123' } },
    });
    expect(badEmail.status).toBe(422);
    expect(badEmail.body.errors).toHaveProperty('email');

    const shortPassword = await call(testApp.app, 'POST', '/api/users', {
      body: {
        user: {
          username: uniqueName('u'),
          email: `${uniqueName('u')}@example.com`,
          password: 'short7c',
        },
      },
    });
    expect(shortPassword.status).toBe(422);
    expect(shortPassword.body.errors).toHaveProperty('password');
  });

  it('when the username or email is taken, then it answers 409 "has already been taken"', async () => {
    const existing = await registerUser(testApp.app);
    const sameUsername = await call(testApp.app, 'POST', '/api/users', {
      body: {
        user: {
          username: existing.username,
          email: `${uniqueName('x')}@example.com`,
          password: 'password123',
        },
      },
    });
    expect(sameUsername.status).toBe(409);
    expect(sameUsername.body).toEqual({ errors: { username: ['has already been taken'] } });

    const sameEmail = await call(testApp.app, 'POST', '/api/users', {
      body: {
        user: {
          username: uniqueName('x'),
          email: existing.email.toUpperCase(),
          password: 'password123',
        },
      },
    });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body).toEqual({ errors: { email: ['has already been taken'] } });
  });

  it('when the body is not JSON, then it answers 400 in the error shape', async () => {
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { 'content-type': 'application/json' },
      payload: '{"user":',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ errors: { request: [expect.any(String)] } });
  });

  it('when the body carries a __proto__ key, then it is refused', async () => {
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { 'content-type': 'application/json' },
      payload: '{"user":{"__proto__":{"admin":true}}}',
    });
    expect(response.statusCode).toBe(400);
  });
});

describe('login', () => {
  it('when the credentials are right, then it returns the user with a fresh token', async () => {
    const user = await registerUser(testApp.app);
    const response = await call(testApp.app, 'POST', '/api/users/login', {
      body: { user: { email: user.email, password: user.password } },
    });
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ username: user.username, email: user.email });
    expect(response.body.user.token).toEqual(expect.any(String));
  });

  it('when the password is wrong or the email unknown, then it answers 401 credentials invalid', async () => {
    const user = await registerUser(testApp.app);
    const wrongPassword = await call(testApp.app, 'POST', '/api/users/login', {
      body: { user: { email: user.email, password: 'not the password' } },
    });
    const unknownEmail = await call(testApp.app, 'POST', '/api/users/login', {
      body: { user: { email: `${uniqueName('nobody')}@example.com`, password: 'whatever1' } },
    });
    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ errors: { credentials: ['invalid'] } });
    }
  });

  it('when email or password is empty, then it answers 422', async () => {
    const response = await call(testApp.app, 'POST', '/api/users/login', {
      body: { user: { email: '', password: '' } },
    });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual({
      email: ["can't be blank"],
      password: ["can't be blank"],
    });
  });
});

describe('current user', () => {
  it('when the token is valid, then it returns the user', async () => {
    const user = await registerUser(testApp.app);
    const response = await call(testApp.app, 'GET', '/api/user', { token: user.token });
    expect(response.status).toBe(200);
    expect(response.body.user.username).toBe(user.username);
  });

  it('when there is no token, then it answers 401 token is missing', async () => {
    const response = await call(testApp.app, 'GET', '/api/user');
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { token: ['is missing'] } });
  });

  it('when the token is forged, expired or malformed, then it answers 401 token is invalid', async () => {
    const user = await registerUser(testApp.app);
    const [header, payload] = user.token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    for (const authorization of [`Token ${forged}`, 'Token not-a-jwt', 'Basic abc']) {
      const response = await call(testApp.app, 'GET', '/api/user', { headers: { authorization } });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ errors: { token: ['is invalid'] } });
    }
  });

  it('when the token has expired, then it answers 401', async () => {
    const shortLived = await buildTestApp({ JWT_EXPIRES_IN_SECONDS: '60' });
    try {
      const user = await registerUser(shortLived.app);
      const [header, , signature] = user.token.split('.');
      const expiredPayload = Buffer.from(JSON.stringify({ sub: '1', exp: 1 })).toString(
        'base64url',
      );
      const response = await call(shortLived.app, 'GET', '/api/user', {
        token: `${header}.${expiredPayload}.${signature}`,
      });
      expect(response.status).toBe(401);
    } finally {
      await shortLived.close();
    }
  });

  it('accepts the Bearer scheme as well as Token', async () => {
    const user = await registerUser(testApp.app);
    const response = await call(testApp.app, 'GET', '/api/user', {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(response.status).toBe(200);
  });
});

describe('update user', () => {
  it('when bio and image are set, then they persist; empty strings become null', async () => {
    const user = await registerUser(testApp.app);
    const updated = await call(testApp.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { bio: 'I like to skateboard', image: 'https://example.com/me.jpg' } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.user).toMatchObject({
      bio: 'I like to skateboard',
      image: 'https://example.com/me.jpg',
    });

    const cleared = await call(testApp.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { bio: '', image: null } },
    });
    expect(cleared.body.user).toMatchObject({ bio: null, image: null });
    const reread = await call(testApp.app, 'GET', '/api/user', { token: user.token });
    expect(reread.body.user).toMatchObject({ bio: null, image: null });
  });

  it('when username, email and password change, then the new ones log in and the returned token works', async () => {
    const user = await registerUser(testApp.app);
    const username = uniqueName('renamed');
    const response = await call(testApp.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { username, email: `${username}@example.com`, password: 'a new password' } },
    });
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ username, email: `${username}@example.com` });

    const current = await call(testApp.app, 'GET', '/api/user', {
      token: response.body.user.token,
    });
    expect(current.body.user.username).toBe(username);
    const login = await call(testApp.app, 'POST', '/api/users/login', {
      body: { user: { email: `${username}@example.com`, password: 'a new password' } },
    });
    expect(login.status).toBe(200);
  });

  it.each([
    [{ email: '' }],
    [{ email: null }],
    [{ username: '' }],
    [{ username: null }],
    [{ password: '' }],
    [{ password: null }],
    [{ password: 'short7c' }],
  ])('when given %j, then it answers 422', async (changes) => {
    const user = await registerUser(testApp.app);
    const response = await call(testApp.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: changes },
    });
    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toHaveLength(1);
  });

  it('accepts a 64-character password', async () => {
    const user = await registerUser(testApp.app);
    const response = await call(testApp.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { password: 'p'.repeat(64) } },
    });
    expect(response.status).toBe(200);
  });

  it("when the new username is someone else's, then it answers 409", async () => {
    const [first, second] = [await registerUser(testApp.app), await registerUser(testApp.app)];
    const response = await call(testApp.app, 'PUT', '/api/user', {
      token: second.token,
      body: { user: { username: first.username } },
    });
    expect(response.status).toBe(409);
    expect(response.body).toEqual({ errors: { username: ['has already been taken'] } });
  });

  it('when there is no token, then it answers 401', async () => {
    const response = await call(testApp.app, 'PUT', '/api/user', { body: { user: { bio: 'x' } } });
    expect(response.status).toBe(401);
  });
});

describe('a deleted account', () => {
  it('when its still-valid token is used, then reading and updating both answer 401 token is invalid', async () => {
    const user = await registerUser(testApp.app);
    await testApp.db.user.delete({ where: { username: user.username } });

    const read = await call(testApp.app, 'GET', '/api/user', { token: user.token });
    const update = await call(testApp.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { bio: 'still here?' } },
    });

    for (const response of [read, update]) {
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ errors: { token: ['is invalid'] } });
    }
  });
});

/** The claims of a token, read without checking it (the server checks; the test only looks). */
function claimsOf(token: string): {
  sub: string;
  exp: number;
  iat: number;
  sst: number;
  ver: number;
} {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
}

describe('sessions', () => {
  it('when the current user is read, then the token handed back belongs to the same session and expires with it', async () => {
    const shortSessions = await buildTestApp({
      JWT_EXPIRES_IN_SECONDS: '600',
      SESSION_MAX_AGE_SECONDS: '900',
    });
    try {
      const user = await registerUser(shortSessions.app);
      const first = claimsOf(user.token);
      const response = await call(shortSessions.app, 'GET', '/api/user', { token: user.token });
      expect(response.status).toBe(200);
      const refreshed = claimsOf(response.body.user.token);
      expect(refreshed.sst).toBe(first.sst);
      expect(refreshed.ver).toBe(first.ver);
      expect(refreshed.exp).toBeLessThanOrEqual(first.sst + 900);
    } finally {
      await shortSessions.close();
    }
  });

  it('when a user logs in, then a new session begins', async () => {
    const user = await registerUser(testApp.app);
    const login = await call(testApp.app, 'POST', '/api/users/login', {
      body: { user: { email: user.email, password: user.password } },
    });
    expect(claimsOf(login.body.user.token).sst).toBeGreaterThanOrEqual(claimsOf(user.token).sst);
    expect(claimsOf(login.body.user.token).iat).toBe(claimsOf(login.body.user.token).sst);
  });
});

describe('changing the email or password', () => {
  // RECENT_AUTH_SECONDS=0: no session counts as recent, so the current password is always needed.
  let strict: TestApp;
  beforeAll(async () => {
    strict = await buildTestApp({ RECENT_AUTH_SECONDS: '0' });
  });
  afterAll(() => strict?.close());

  it('when the session is not recent and currentPassword is missing, then it answers 422 naming currentPassword', async () => {
    const user = await registerUser(strict.app);
    for (const changes of [{ password: 'another password' }, { email: `x${user.email}` }]) {
      const response = await call(strict.app, 'PUT', '/api/user', {
        token: user.token,
        body: { user: changes },
      });
      expect(response.status).toBe(422);
      expect(response.body).toEqual({
        errors: { currentPassword: ['is required to change the email or password'] },
      });
    }
    const login = await call(strict.app, 'POST', '/api/users/login', {
      body: { user: { email: user.email, password: user.password } },
    });
    expect(login.status).toBe(200);
  });

  it('when currentPassword is wrong, then it answers 403 and nothing changes', async () => {
    const user = await registerUser(strict.app);
    const response = await call(strict.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { password: 'another password', currentPassword: 'not my password' } },
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ errors: { currentPassword: ['is wrong'] } });
    expect((await call(strict.app, 'GET', '/api/user', { token: user.token })).status).toBe(200);
  });

  it('when currentPassword is right, then the password changes, older tokens are refused and the new token works', async () => {
    const user = await registerUser(strict.app);
    const response = await call(strict.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { password: 'another password', currentPassword: user.password } },
    });
    expect(response.status).toBe(200);
    expect((await call(strict.app, 'GET', '/api/user', { token: user.token })).status).toBe(401);
    const fresh = await call(strict.app, 'GET', '/api/user', { token: response.body.user.token });
    expect(fresh.status).toBe(200);
    expect(claimsOf(response.body.user.token).ver).toBe(claimsOf(user.token).ver + 1);
  });

  it('when only the bio changes, or the email is set to the one it is, then no password is needed and the token stays valid', async () => {
    const user = await registerUser(strict.app);
    const response = await call(strict.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { bio: 'hello', email: user.email.toUpperCase() } },
    });
    expect(response.status).toBe(200);
    expect((await call(strict.app, 'GET', '/api/user', { token: user.token })).status).toBe(200);
  });

  it('when the session began moments ago, then the email and password change without currentPassword (sudo mode)', async () => {
    const user = await registerUser(testApp.app);
    const response = await call(testApp.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { email: `moved-${user.email}`, password: 'another password' } },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect((await call(testApp.app, 'GET', '/api/user', { token: user.token })).status).toBe(401);
  });
});

describe('usernames', () => {
  it('when a username differs from a taken one only in case, then registering or renaming to it answers 409', async () => {
    const existing = await registerUser(testApp.app, 'casey');
    const upper = existing.username.toUpperCase();
    const register = await call(testApp.app, 'POST', '/api/users', {
      body: {
        user: { username: upper, email: `${uniqueName('c')}@example.com`, password: 'password123' },
      },
    });
    expect(register.status).toBe(409);
    expect(register.body).toEqual({ errors: { username: ['has already been taken'] } });

    const other = await registerUser(testApp.app);
    const rename = await call(testApp.app, 'PUT', '/api/user', {
      token: other.token,
      body: { user: { username: upper } },
    });
    expect(rename.status).toBe(409);
  });

  it('when a profile is asked for in another case, then it is the same profile', async () => {
    const user = await registerUser(testApp.app, 'Mixed');
    const response = await call(testApp.app, 'GET', `/api/profiles/${user.username.toLowerCase()}`);
    expect(response.status).toBe(200);
    expect(response.body.profile.username).toBe(user.username);
  });

  it('when a user changes only the case of their own name, then it is allowed', async () => {
    const user = await registerUser(testApp.app, 'lower');
    const response = await call(testApp.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { username: user.username.toUpperCase() } },
    });
    expect(response.status).toBe(200);
    expect(response.body.user.username).toBe(user.username.toUpperCase());
  });

  it.each([
    ['a zero-width space', '\u200b'],
    ['a zero-width joiner', '\u200d'],
    ['a right-to-left override', '\u202e'],
    ['a bidi isolate', '\u2066'],
    ['a C0 control (BEL)', '\u0007'],
    ['a C1 control (NEL)', '\u0085'],
    ['a soft hyphen', '\u00ad'],
    ['a Hangul filler', '\u3164'],
    ['a variation selector', '\ufe0f'],
    ['a tag character', '\u{e0041}'],
    ['a private-use character', '\ue000'],
  ])(
    'when a username carries %s, then registering with it answers 422',
    async (_name, character) => {
      const username = `${uniqueName('inv')}${character}x`;
      const response = await call(testApp.app, 'POST', '/api/users', {
        body: {
          user: { username, email: `${uniqueName('i')}@example.com`, password: 'password123' },
        },
      });
      expect(response.status).toBe(422);
      expect(response.body).toEqual({
        errors: { username: ['must not contain invisible or control characters'] },
      });
    },
  );

  it('when a username is not in NFC, then registering or renaming to it answers 422', async () => {
    const decomposed = `${uniqueName('jose')}e\u0301`;
    const register = await call(testApp.app, 'POST', '/api/users', {
      body: {
        user: {
          username: decomposed,
          email: `${uniqueName('n')}@example.com`,
          password: 'password123',
        },
      },
    });
    expect(register.status).toBe(422);
    expect(register.body).toEqual({
      errors: { username: ['must be in Unicode normalization form C (NFC)'] },
    });
    const user = await registerUser(testApp.app);
    const rename = await call(testApp.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { username: decomposed } },
    });
    expect(rename.status).toBe(422);
  });

  it('when a username is in another script, then it registers and compares regardless of its case', async () => {
    const username = `${uniqueName('')}Ärger`;
    const register = await call(testApp.app, 'POST', '/api/users', {
      body: {
        user: { username, email: `${uniqueName('u')}@example.com`, password: 'password123' },
      },
    });
    expect(register.status).toBe(201);
    const lower = await call(
      testApp.app,
      'GET',
      `/api/profiles/${encodeURIComponent(username.toLowerCase())}`,
    );
    expect(lower.status).toBe(200);
    const again = await call(testApp.app, 'POST', '/api/users', {
      body: {
        user: {
          username: username.toUpperCase(),
          email: `${uniqueName('u')}@example.com`,
          password: 'password123',
        },
      },
    });
    expect(again.status).toBe(409);
  });
});
