// Writing, rendering, editing and deleting articles; comments; and what other people may do.
import {
  addComment,
  createArticle,
  createUser,
  expect,
  signInAs,
  test,
  unique,
} from './fixtures.ts';

const MARKDOWN = `## A heading

Some **bold** words and a [link](https://example.com/docs).

- first point
- second point

<script>window.__injected = 'script'</script>
<img src="x" onerror="window.__injected = 'onerror'">
<a href="javascript:window.__injected = 'href'">a trap</a>`;

test.describe('an article in Markdown', () => {
  // Chromium checks the Content-Security-Policy for the onerror handler when DOMPurify parses
  // the HTML into an inert document, and reports it as blocked, although nothing would run
  // there (window.__injected stays unset without the policy too) and DOMPurify then drops it.
  test.use({
    allowedConsoleErrors: [
      /^Executing inline event handler violates the following Content Security Policy/,
    ],
  });

  test('when an author writes an article in Markdown, then it is published rendered, and they can edit and delete it', async ({
    page,
    request,
  }) => {
    const author = await createUser(request, 'author');
    const title = unique('Markdown at work');
    await signInAs(page, author);
    await page.goto('/');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'New article' })
      .click();

    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Description').fill('Rendering on the client');
    await page.getByLabel('Article text').fill(MARKDOWN);
    const tags = page.getByLabel('Tags', { exact: true });
    await tags.fill('markdown');
    await tags.press('Enter');
    await tags.pressSequentially('rendering,');
    await expect(page.getByRole('list', { name: 'Tags of this article' })).toContainText(
      'rendering',
    );
    await page.getByRole('button', { name: 'Publish article' }).click();

    await expect(page).toHaveURL(/\/article\//);
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    const body = page.locator('.prose');
    await expect(body.getByRole('heading', { level: 2, name: 'A heading' })).toBeVisible();
    await expect(body.locator('strong')).toHaveText('bold');
    await expect(body.getByRole('link', { name: 'link' })).toHaveAttribute(
      'href',
      'https://example.com/docs',
    );
    await expect(body.getByRole('listitem')).toHaveText(['first point', 'second point']);
    // DOMPurify removed the script, the handler and the javascript: URL.
    await expect(body.locator('script')).toHaveCount(0);
    await expect(body.locator('[onerror]')).toHaveCount(0);
    await expect(body.getByText('a trap')).toBeVisible();
    await expect(body.locator('[href^="javascript"]')).toHaveCount(0);
    expect(
      await page.evaluate(() => (window as { __injected?: string }).__injected),
    ).toBeUndefined();
    const tagList = page.getByRole('list', { name: 'Tags' });
    await expect(tagList.getByRole('link')).toHaveText(['markdown', 'rendering']);

    await page.getByRole('link', { name: 'Edit article' }).click();
    await expect(page.getByLabel('Title')).toHaveValue(title);
    const edited = `${title} (revised)`;
    await page.getByLabel('Title').fill(edited);
    await page.getByLabel('Article text').fill('Now with *emphasis*.');
    await page.getByRole('button', { name: 'Remove tag rendering' }).click();
    await page.getByRole('button', { name: 'Update article' }).click();

    await expect(page.getByRole('heading', { level: 1, name: edited })).toBeVisible();
    await expect(page.locator('.prose em')).toHaveText('emphasis');
    await expect(page.getByRole('list', { name: 'Tags' }).getByRole('link')).toHaveText([
      'markdown',
    ]);
    const articleUrl = page.url();

    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Delete article' }).click();
    await expect(page).toHaveURL('/');
    await page.goto(articleUrl);
    await expect(page.getByRole('alert')).toHaveText('Article not found.');
  });
});

test('when the editor is sent empty, then each missing field says so', async ({
  page,
  request,
}) => {
  await signInAs(page, await createUser(request));
  await page.goto('/editor');
  await page.getByRole('button', { name: 'Publish article' }).click();
  for (const label of ['Title', 'Description', 'Article text']) {
    await expect(page.getByLabel(label)).toHaveAccessibleDescription(
      new RegExp(`^${label} can't be blank`),
    );
  }
  await expect(page.getByLabel('Title')).toBeFocused();
});

test('when a reader comments, then the comment appears, and only its author can delete it', async ({
  page,
  request,
}) => {
  const author = await createUser(request, 'author');
  const reader = await createUser(request, 'reader');
  const article = await createArticle(request, author);
  await addComment(request, author, article.slug, 'Thanks for reading.');

  await signInAs(page, reader);
  await page.goto(`/article/${article.slug}`);
  const comments = page.getByRole('region', { name: 'Comments' });
  const byAuthor = comments.getByRole('article', { name: `Comment by ${author.username}` });
  await expect(byAuthor).toContainText('Thanks for reading.');
  await expect(byAuthor.getByRole('button', { name: 'Delete comment' })).toHaveCount(0);

  await page.getByLabel('Write a comment').fill('A question from a reader.');
  await page.getByRole('button', { name: 'Post comment' }).click();
  const byReader = comments.getByRole('article', { name: `Comment by ${reader.username}` });
  await expect(byReader).toContainText('A question from a reader.');
  await expect(page.getByLabel('Write a comment')).toHaveValue('');

  await page.reload();
  await expect(byReader).toContainText('A question from a reader.');
  await byReader.getByRole('button', { name: 'Delete comment' }).click();
  await expect(byReader).toHaveCount(0);
  await expect(byAuthor).toBeVisible();
});

test('when someone else opens an article, then they see no edit or delete buttons', async ({
  page,
  request,
}) => {
  const author = await createUser(request, 'author');
  const other = await createUser(request, 'other');
  const article = await createArticle(request, author);

  for (const viewer of ['anonymous', 'other'] as const) {
    if (viewer === 'other') await signInAs(page, other);
    await page.goto(`/article/${article.slug}`);
    await expect(page.getByRole('heading', { level: 1, name: article.title })).toBeVisible();
    await expect(page.getByRole('button', { name: /Favorite article/ })).toBeVisible();
    await expect(page.getByRole('button', { name: `Follow ${author.username}` })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Edit article' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Delete article' })).toHaveCount(0);
  }

  await page.goto(`/editor/${article.slug}`);
  await expect(page.getByRole('alert')).toContainText('Only its author can edit this article.');
  await expect(page.getByRole('button', { name: 'Update article' })).toHaveCount(0);
});
