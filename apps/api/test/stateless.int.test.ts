// Two API processes share nothing but Postgres and Redis. Whatever one does, the other sees:
// the proof that the API can be scaled out behind a load balancer.
import { randomBytes } from 'node:crypto';
import { apiTestEnv } from '@headroom/testing/api-env';
import { type ApiProcess, startApiProcess } from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from './support/conduit-client.ts';

const LOGIN_LIMIT = 4;
let replicas: ApiProcess[];

beforeAll(async () => {
  const sharedEnv = apiTestEnv({
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOGIN_RATE_LIMIT_MAX: String(LOGIN_LIMIT),
    RATE_LIMIT_MULTIPLIER: '1',
    LOGIN_RATE_LIMIT_WINDOW_SECONDS: '60',
  });
  replicas = await Promise.all([startApiProcess(sharedEnv), startApiProcess(sharedEnv)]);
});
afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
});

async function post(
  baseUrl: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe('two API replicas', () => {
  it('when a user registers on one, then the token works on the other', async () => {
    const [first, second] = replicas as [ApiProcess, ApiProcess];
    const username = uniqueName('roamer');
    const registered = await post(first.baseUrl, '/api/users', {
      user: { username, email: `${username}@example.com`, password: 'password123' },
    });
    expect(registered.status).toBe(201);

    const response = await fetch(`${second.baseUrl}/api/user`, {
      headers: { authorization: `Token ${registered.body.user.token}` },
    });
    expect(response.status).toBe(200);
    const current = (await response.json()) as { user: { username: string } };
    expect(current.user.username).toBe(username);
  });

  it('when login attempts alternate between replicas, then the limit counts them all together', async () => {
    const [first, second] = replicas as [ApiProcess, ApiProcess];
    const attempt = {
      user: { email: `${uniqueName('target')}@example.com`, password: 'guess-guess' },
    };
    const statuses: number[] = [];
    for (let index = 0; index < LOGIN_LIMIT + 2; index++) {
      const replica = index % 2 === 0 ? first : second;
      statuses.push((await post(replica.baseUrl, '/api/users/login', attempt)).status);
    }
    // Per-process counters would allow LOGIN_LIMIT attempts on each replica (2x in total).
    expect(statuses).toEqual([...Array(LOGIN_LIMIT).fill(401), 429, 429]);

    const limited = await post(second.baseUrl, '/api/users/login', attempt);
    expect(limited.body).toEqual({ errors: { request: [expect.any(String)] } });
  });
});
