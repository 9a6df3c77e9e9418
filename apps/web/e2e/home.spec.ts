// The home page's lists: filtering by tag, paging, and what happens when the API fails.
import { createArticle, createUser, expect, test, unique } from './fixtures.ts';

test('when a reader picks a popular tag, then only articles with that tag are listed', async ({
  page,
  request,
}) => {
  const author = await createUser(request, 'tagger');
  const tag = unique('tag');
  const tagged = [
    await createArticle(request, author, { tagList: [tag] }),
    await createArticle(request, author, { tagList: [tag, 'other'] }),
  ];
  const untagged = await createArticle(request, author);

  // This reader is not the writer, so the edge may show the tag list from before the tag for
  // up to its staleness bound (docs/cdn.md, 4 s): they see it on a load within that time.
  const tagLink = page
    .getByRole('complementary', { name: 'Popular tags' })
    .getByRole('link', { name: tag });
  await expect(async () => {
    await page.goto('/');
    await expect(tagLink).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 10_000 });
  await tagLink.click();
  await expect(page).toHaveURL(`/?tag=${tag}`);
  await expect(
    page.getByRole('navigation', { name: 'Feeds' }).getByRole('link', { name: tag }),
  ).toHaveAttribute('aria-current', 'page');
  const list = page.getByRole('list', { name: `Articles tagged ${tag}` });
  await expect(list.getByRole('heading')).toHaveText([tagged[1]!.title, tagged[0]!.title]);
  await expect(page.getByRole('link', { name: untagged.title })).toHaveCount(0);
});

test('when there are more articles than fit a page, then the next page lists the rest', async ({
  page,
  request,
}) => {
  const author = await createUser(request, 'prolific');
  const tag = unique('paged');
  const titles: string[] = [];
  for (let index = 1; index <= 12; index += 1) {
    const title = `${tag} ${String(index).padStart(2, '0')}`;
    await createArticle(request, author, { title, tagList: [tag] });
    titles.push(title);
  }
  const newestFirst = [...titles].reverse();

  await page.goto(`/?tag=${tag}`);
  const list = page.getByRole('list', { name: `Articles tagged ${tag}` });
  await expect(list.getByRole('heading')).toHaveText(newestFirst.slice(0, 10));
  const pages = page.getByRole('navigation', { name: 'Pages' });
  await expect(pages.getByRole('link', { name: 'Page 1' })).toHaveAttribute('aria-current', 'page');

  await pages.getByRole('link', { name: 'Page 2' }).click();
  await expect(page).toHaveURL(`/?tag=${tag}&page=2`);
  await expect(list.getByRole('heading')).toHaveText(newestFirst.slice(10));
  await expect(pages.getByRole('link', { name: 'Page 2' })).toHaveAttribute('aria-current', 'page');

  await pages.getByRole('link', { name: 'Previous' }).click();
  await expect(page).toHaveURL(`/?tag=${tag}`);
  await expect(list.getByRole('heading')).toHaveText(newestFirst.slice(0, 10));
});

test('when the API fails, then the page says so, and "Try again" recovers', async ({ page }) => {
  await page.route('**/api/articles?*', (route) =>
    route.fulfill({ status: 503, contentType: 'text/html', body: '<h1>503</h1>' }),
  );
  await page.goto('/');
  const problem = page.getByRole('alert');
  await expect(problem).toContainText('The server is unavailable right now.');

  await page.unroute('**/api/articles?*');
  await problem.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(
    page.getByRole('list', { name: 'Global feed' }).or(page.getByText('No articles are here yet.')),
  ).toBeVisible();
});
