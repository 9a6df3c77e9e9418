// Favorites and follows: what a reader's actions change on the pages they see, and nobody else's.
import { createArticle, createUser, expect, signInAs, test } from './fixtures.ts';

test('when a reader favorites an article, then its count rises and it is among their favorites', async ({
  page,
  request,
}) => {
  const author = await createUser(request, 'author');
  const reader = await createUser(request, 'reader');
  const article = await createArticle(request, author);

  await signInAs(page, reader);
  await page.goto(`/article/${article.slug}`);
  await page.getByRole('button', { name: 'Favorite article (0)' }).click();
  await expect(page.getByRole('button', { name: 'Unfavorite article (1)' })).toBeVisible();

  await page.goto(`/profile/${reader.username}/favorites`);
  const favorites = page.getByRole('list', { name: `Articles favorited by ${reader.username}` });
  await expect(favorites.getByRole('link', { name: article.title })).toBeVisible();
  // The list's own button undoes it, and says so.
  await favorites
    .getByRole('button', { name: `Unfavorite “${article.title}”, favorited by 1` })
    .click();
  await expect(
    favorites.getByRole('button', { name: `Favorite “${article.title}”, favorited by 0` }),
  ).toBeVisible();
  await page.reload();
  await expect(
    page.getByText(`${reader.username} has not favorited any articles yet.`),
  ).toBeVisible();
});

test("when a reader follows an author, then the author's new article is in their feed", async ({
  page,
  request,
}) => {
  const author = await createUser(request, 'author');
  const reader = await createUser(request, 'reader');

  await signInAs(page, reader);
  await page.goto('/?feed=following');
  await expect(page.getByText('No articles yet. Follow authors')).toBeVisible();

  await page.goto(`/profile/${author.username}`);
  await page.getByRole('button', { name: `Follow ${author.username}` }).click();
  await expect(page.getByRole('button', { name: `Unfollow ${author.username}` })).toBeVisible();
  const article = await createArticle(request, author);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
  await page
    .getByRole('navigation', { name: 'Feeds' })
    .getByRole('link', { name: 'Your feed' })
    .click();
  await expect(page).toHaveURL('/?feed=following');
  const feed = page.getByRole('list', { name: 'Your feed' });
  await expect(feed.getByRole('link', { name: article.title })).toBeVisible();
  await expect(feed.getByRole('link', { name: author.username })).toBeVisible();
});

test('when one reader signs out and another signs in on the same browser, then each sees only their own favorites, and the count is current', async ({
  page,
  request,
}) => {
  const author = await createUser(request, 'author');
  const first = await createUser(request, 'first');
  const second = await createUser(request, 'second');
  const article = await createArticle(request, author);
  const header = page.getByRole('navigation', { name: 'Main' });
  // Read anonymously first: the browser and the edge now hold the page with no favorite.
  await page.goto(`/article/${article.slug}`);
  await expect(page.getByRole('button', { name: 'Favorite article (0)' })).toBeVisible();

  await signInAs(page, first);
  await page.goto(`/article/${article.slug}`);
  await page.getByRole('button', { name: 'Favorite article (0)' }).click();
  await expect(page.getByRole('button', { name: 'Unfavorite article (1)' })).toBeVisible();

  await header.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(header.getByRole('link', { name: first.username })).toHaveCount(0);
  // Signed out, seconds after the write: the browser holds the signed-in copy (private,
  // Vary: Authorization) and the anonymous one from before, the edge that one too; none may
  // be shown.
  await page.goto(`/article/${article.slug}`);
  await expect(page.getByRole('button', { name: 'Favorite article (1)' })).toBeVisible();

  await signInAs(page, second);
  await page.goto(`/article/${article.slug}`);
  await expect(page.getByRole('button', { name: 'Favorite article (1)' })).toBeVisible();
  await page.goto(`/profile/${second.username}/favorites`);
  await expect(
    page.getByText(`${second.username} has not favorited any articles yet.`),
  ).toBeVisible();
});
