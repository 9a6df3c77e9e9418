// Every page checked with axe (WCAG 2.2 A and AA rules, and axe's best practices), once its
// content has loaded: no serious or critical violation is allowed. Plus the keyboard paths
// axe cannot see: the skip link, and where focus goes when the page changes.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import {
  addComment,
  createArticle,
  createUser,
  expect,
  signInAs,
  type TestUser,
  test,
  unique,
} from './fixtures.ts';

const BLOCKING_IMPACTS = new Set(['serious', 'critical']);

async function expectNoSeriousViolations(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  const blocking = results.violations
    .filter((violation) => BLOCKING_IMPACTS.has(violation.impact ?? ''))
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
  expect(blocking, `axe on ${page.url()}`).toEqual([]);
}

interface PageCheck {
  name: string;
  path: (data: { author: TestUser; slug: string }) => string;
  signedIn: boolean;
  /** What is on screen once the page has loaded its data. */
  ready: (page: Page) => ReturnType<Page['getByRole']>;
}

const PAGES: PageCheck[] = [
  {
    name: 'home, signed out',
    path: () => '/',
    signedIn: false,
    ready: (page) => page.getByRole('list', { name: 'Global feed' }),
  },
  {
    name: 'home, signed in, your feed',
    path: () => '/?feed=following',
    signedIn: true,
    ready: (page) => page.getByRole('navigation', { name: 'Feeds' }),
  },
  {
    name: 'sign in',
    path: () => '/login',
    signedIn: false,
    ready: (page) => page.getByRole('button', { name: 'Sign in' }),
  },
  {
    name: 'sign up',
    path: () => '/register',
    signedIn: false,
    ready: (page) => page.getByRole('button', { name: 'Sign up' }),
  },
  {
    name: 'article, signed out',
    path: ({ slug }) => `/article/${slug}`,
    signedIn: false,
    ready: (page) => page.getByRole('article', { name: /^Comment by/ }),
  },
  {
    name: 'article, as its author',
    path: ({ slug }) => `/article/${slug}`,
    signedIn: true,
    ready: (page) => page.getByRole('button', { name: 'Delete article' }),
  },
  {
    name: 'new article',
    path: () => '/editor',
    signedIn: true,
    ready: (page) => page.getByRole('button', { name: 'Publish article' }),
  },
  {
    name: 'edit article',
    path: ({ slug }) => `/editor/${slug}`,
    signedIn: true,
    ready: (page) => page.getByRole('button', { name: 'Update article' }),
  },
  {
    name: 'settings',
    path: () => '/settings',
    signedIn: true,
    ready: (page) => page.getByRole('button', { name: 'Update settings' }),
  },
  {
    name: 'profile',
    path: ({ author }) => `/profile/${author.username}`,
    signedIn: false,
    ready: (page) => page.getByRole('list', { name: /^Articles by/ }),
  },
  {
    name: 'profile favorites',
    path: ({ author }) => `/profile/${author.username}/favorites`,
    signedIn: false,
    ready: (page) => page.getByText(/has not favorited any articles yet/),
  },
  {
    name: 'page not found',
    path: () => '/no/such/page',
    signedIn: false,
    ready: (page) => page.getByRole('heading', { name: 'Page not found' }),
  },
];

for (const check of PAGES) {
  test(`when axe checks the ${check.name} page, then it finds no serious or critical violation`, async ({
    page,
    request,
  }) => {
    const author = await createUser(request, 'a11y');
    const article = await createArticle(request, author, {
      body: '## Section\n\nText with a [link](https://example.com) and `code`.',
      tagList: [unique('a11y')],
    });
    await addComment(request, author, article.slug, 'A first comment.');
    if (check.signedIn) await signInAs(page, author);

    await page.goto(check.path({ author, slug: article.slug }));
    await expect(check.ready(page).first()).toBeVisible();
    await expect(page.locator('.status--loading')).toHaveCount(0);
    await expectNoSeriousViolations(page);
  });
}

test('when a keyboard user starts on a page, then the skip link comes first and jumps to the content', async ({
  page,
}) => {
  await page.goto('/login');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  // The first control inside the page, not the header's links.
  await expect(page.getByRole('link', { name: 'Need an account?' })).toBeFocused();
});

test('when a reader follows a link to another page, then focus moves to that page', async ({
  page,
}) => {
  await page.goto('/login');
  await page.getByRole('link', { name: 'Need an account?' }).click();
  await expect(page).toHaveURL('/register');
  await expect(page.getByRole('main')).toBeFocused();
  await expect(page).toHaveTitle('Sign up · Conduit');
});

test('when the screen is phone-sized, then pages fit its width', async ({ page, request }) => {
  const author = await createUser(request, 'narrow');
  const article = await createArticle(request, author, { tagList: ['layout'] });
  await page.setViewportSize({ width: 360, height: 740 });
  for (const path of ['/', `/article/${article.slug}`, '/register']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 }).first()).toBeAttached();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
  }
});
