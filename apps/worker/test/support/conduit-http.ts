// A small RealWorld client over real HTTP, for tests that run the API as its own process
// next to a worker, so they read as what a user does.
import { randomBytes } from 'node:crypto';

export interface HttpResponse<Body = any> {
  status: number;
  body: Body;
}

export interface RegisteredUser {
  username: string;
  token: string;
}

export function conduitClient(baseUrl: string) {
  async function call<Body = any>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options: { token?: string; body?: unknown } = {},
  ): Promise<HttpResponse<Body>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(options.token && { authorization: `Token ${options.token}` }),
        ...(options.body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  return {
    call,

    async register(prefix = 'user'): Promise<RegisteredUser> {
      const username = `${prefix}${randomBytes(5).toString('hex')}`;
      const response = await call('POST', '/api/users', {
        body: { user: { username, email: `${username}@example.com`, password: 'password123' } },
      });
      if (response.status !== 201)
        throw new Error(`registration failed: ${response.status} ${JSON.stringify(response.body)}`);
      return { username, token: response.body.user.token };
    },

    async follow(follower: RegisteredUser, author: RegisteredUser): Promise<void> {
      const response = await call('POST', `/api/profiles/${author.username}/follow`, {
        token: follower.token,
      });
      if (response.status !== 200) throw new Error(`follow failed: ${response.status}`);
    },

    async publish(
      author: RegisteredUser,
      article: { title?: string; body?: string; tagList?: string[] } = {},
    ): Promise<{ slug: string; body: string; bodyHtml: string | null }> {
      const response = await call('POST', '/api/articles', {
        token: author.token,
        body: {
          article: {
            title: `Title ${randomBytes(5).toString('hex')}`,
            description: 'A description',
            body: 'Some *markdown* body',
            ...article,
          },
        },
      });
      if (response.status !== 201)
        throw new Error(`publishing failed: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body.article;
    },
  };
}

export type ConduitClient = ReturnType<typeof conduitClient>;
