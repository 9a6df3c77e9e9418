// What every browser test shares: a `test` that fails on any uncaught error or
// Content-Security-Policy violation in the page, and quick ways to make users and articles
// through the API (through the edge, like the site) when a test is not about making them.
import { randomBytes } from 'node:crypto';
import {
  type APIRequestContext,
  type APIResponse,
  test as base,
  expect,
  type Page,
} from '@playwright/test';
import { SESSION_STORAGE_KEY } from '../src/session/storage-key.ts';

export { expect };

export interface TestUser {
  username: string;
  email: string;
  password: string;
  token: string;
  bio: string | null;
  image: string | null;
}

export interface TestArticle {
  slug: string;
  title: string;
}

/** A name no other test (or earlier run) uses: tests share one database. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export const PASSWORD = 'correct-horse-battery';

/**
 * A shed request is retried, as a well-behaved API client retries it: the API answers
 * 503 with Retry-After when its event loop is briefly saturated (docs/reliability.md, load
 * shedding), which happens on a busy machine while Chromium and the stack warm up. A shed
 * request was refused at arrival, before any work, so sending it again is safe. Bounded:
 * a stack that keeps shedding still fails the test.
 */
const SHED_RETRIES = 3;

async function sendUnlessShed(send: () => Promise<APIResponse>): Promise<APIResponse> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await send();
    const retryAfterSeconds = Number(response.headers()['retry-after']);
    if (response.status() !== 503 || attempt > SHED_RETRIES || !(retryAfterSeconds >= 0)) {
      return response;
    }
    await new Promise((resolve) => setTimeout(resolve, retryAfterSeconds * 1000));
  }
}

export async function createUser(request: APIRequestContext, prefix = 'user'): Promise<TestUser> {
  const username = unique(prefix);
  const email = `${username}@example.com`;
  const response = await sendUnlessShed(() =>
    request.post('/api/users', { data: { user: { username, email, password: PASSWORD } } }),
  );
  expect(response.status(), await response.text()).toBe(201);
  const { user } = await response.json();
  return { ...user, password: PASSWORD };
}

export async function createArticle(
  request: APIRequestContext,
  author: TestUser,
  article: { title?: string; description?: string; body?: string; tagList?: string[] } = {},
): Promise<TestArticle> {
  const response = await sendUnlessShed(() =>
    request.post('/api/articles', {
      headers: { Authorization: `Token ${author.token}` },
      data: {
        article: {
          title: article.title ?? unique('Article'),
          description: article.description ?? 'What it is about',
          body: article.body ?? 'Some **words**.',
          tagList: article.tagList ?? [],
        },
      },
    }),
  );
  expect(response.status(), await response.text()).toBe(201);
  const { article: created } = await response.json();
  return { slug: created.slug, title: created.title };
}

export async function addComment(
  request: APIRequestContext,
  author: TestUser,
  slug: string,
  body: string,
): Promise<void> {
  const response = await sendUnlessShed(() =>
    request.post(`/api/articles/${slug}/comments`, {
      headers: { Authorization: `Token ${author.token}` },
      data: { comment: { body } },
    }),
  );
  // 200 in the RealWorld spec, 201 from this API: both mean created.
  expect(response.ok(), await response.text()).toBe(true);
}

/** Signs `user` in the way the site does it: the user, with its token, in localStorage. */
export async function signInAs(page: Page, user: TestUser): Promise<void> {
  await page.goto('/');
  // The key is passed in: the function runs in the page, where this module's names do not exist.
  await page.evaluate(({ key, stored }) => localStorage.setItem(key, JSON.stringify(stored)), {
    key: SESSION_STORAGE_KEY,
    stored: {
      email: user.email,
      token: user.token,
      username: user.username,
      bio: user.bio,
      image: user.image,
    },
  });
}

/**
 * Chromium logs every 4xx/5xx response as "Failed to load resource"; tests that provoke one on
 * purpose (a refused sign-up) expect those. Anything else logged as an error is a failure.
 */
const EXPECTED_CONSOLE_ERROR = /^Failed to load resource: the server responded with a status of/;

export const test = base.extend<{ pageErrors: string[]; allowedConsoleErrors: RegExp[] }>({
  /** More console errors a test provokes on purpose (set with test.use). */
  allowedConsoleErrors: [[], { option: true }],
  pageErrors: [
    async ({ page, allowedConsoleErrors }, use) => {
      const errors: string[] = [];
      const allowed = [EXPECTED_CONSOLE_ERROR, ...allowedConsoleErrors];
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      page.on('console', (message) => {
        if (
          message.type() === 'error' &&
          !allowed.some((pattern) => pattern.test(message.text()))
        ) {
          errors.push(`console: ${message.text()}`);
        }
      });
      await use(errors);
      expect(errors, 'errors in the page (uncaught exceptions, CSP violations)').toEqual([]);
    },
    { auto: true },
  ],
});
