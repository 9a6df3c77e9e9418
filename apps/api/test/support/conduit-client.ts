// A small RealWorld client over `app.inject`, so tests read as what a user does.
import { randomBytes } from 'node:crypto';
import type { App } from '../../src/app.ts';

export interface Response<Body = any> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Body;
}

export interface RequestOptions {
  token?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function call<Body = any>(
  app: App,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS',
  url: string,
  options: RequestOptions = {},
): Promise<Response<Body>> {
  const response = await app.inject({
    method,
    url,
    headers: {
      ...(options.token ? { authorization: `Token ${options.token}` } : {}),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  });
  const text = response.body;
  return {
    status: response.statusCode,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

/** A name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export interface RegisteredUser {
  username: string;
  email: string;
  password: string;
  token: string;
}

export async function registerUser(app: App, prefix = 'user'): Promise<RegisteredUser> {
  const username = uniqueName(prefix);
  const user = { username, email: `${username}@example.com`, password: 'correct horse battery' };
  const response = await call(app, 'POST', '/api/users', { body: { user } });
  if (response.status !== 201) {
    throw new Error(`registration failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return { ...user, token: response.body.user.token };
}

export async function createArticle(
  app: App,
  token: string,
  article: Partial<{ title: string; description: string; body: string; tagList: string[] }> = {},
) {
  const response = await call(app, 'POST', '/api/articles', {
    token,
    body: {
      article: {
        title: uniqueName('Title '),
        description: 'A description',
        body: 'Some *markdown* body',
        ...article,
      },
    },
  });
  if (response.status !== 201) {
    throw new Error(`article creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body.article;
}
