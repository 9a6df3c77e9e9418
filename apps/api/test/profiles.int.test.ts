import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, registerUser, uniqueName } from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(() => testApp.close());

describe('profiles', () => {
  it('when anyone asks for a profile, then it shows bio, image and following=false', async () => {
    const celeb = await registerUser(testApp.app, 'celeb');
    const response = await call(testApp.app, 'GET', `/api/profiles/${celeb.username}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      profile: { username: celeb.username, bio: null, image: null, following: false },
    });
  });

  it('when a user follows and unfollows, then following flips and persists', async () => {
    const fan = await registerUser(testApp.app, 'fan');
    const celeb = await registerUser(testApp.app, 'celeb');
    const url = `/api/profiles/${celeb.username}/follow`;

    const followed = await call(testApp.app, 'POST', url, {
      token: fan.token,
      headers: { 'content-type': 'application/json' },
    });
    expect(followed.status).toBe(200);
    expect(followed.body.profile.following).toBe(true);
    expect(
      (await call(testApp.app, 'POST', url, { token: fan.token })).body.profile.following,
    ).toBe(true);
    const seen = await call(testApp.app, 'GET', `/api/profiles/${celeb.username}`, {
      token: fan.token,
    });
    expect(seen.body.profile.following).toBe(true);

    const unfollowed = await call(testApp.app, 'DELETE', url, { token: fan.token });
    expect(unfollowed.status).toBe(200);
    expect(unfollowed.body.profile.following).toBe(false);
    const after = await call(testApp.app, 'GET', `/api/profiles/${celeb.username}`, {
      token: fan.token,
    });
    expect(after.body.profile.following).toBe(false);
  });

  it('when the user is unknown, then get, follow and unfollow answer 404 profile not found', async () => {
    const fan = await registerUser(testApp.app);
    const ghost = uniqueName('ghost');
    for (const [method, url] of [
      ['GET', `/api/profiles/${ghost}`],
      ['POST', `/api/profiles/${ghost}/follow`],
      ['DELETE', `/api/profiles/${ghost}/follow`],
    ] as const) {
      const response = await call(testApp.app, method, url, { token: fan.token });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ errors: { profile: ['not found'] } });
    }
  });

  it('when following without a token, then it answers 401 even for an unknown user', async () => {
    const response = await call(testApp.app, 'POST', `/api/profiles/${uniqueName('ghost')}/follow`);
    expect(response.status).toBe(401);
  });

  it('when a user tries to follow themselves, then it answers 422', async () => {
    const user = await registerUser(testApp.app);
    const response = await call(testApp.app, 'POST', `/api/profiles/${user.username}/follow`, {
      token: user.token,
    });
    expect(response.status).toBe(422);
    expect(response.body.errors).toHaveProperty('profile');
  });
});
