import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createArticle, registerUser, uniqueName } from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let testApp: TestApp;
beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(() => testApp.close());

describe('creating and reading an article', () => {
  it('when an author publishes, then it answers 201 with the article, tags sorted, timestamps in ms', async () => {
    const author = await registerUser(testApp.app, 'author');
    const response = await call(testApp.app, 'POST', '/api/articles', {
      token: author.token,
      body: {
        article: {
          title: 'How to train your dragon',
          description: 'Ever wonder how?',
          body: 'You have to believe',
          tagList: ['training', 'dragons', 'training'],
        },
      },
    });

    expect(response.status).toBe(201);
    const article = response.body.article;
    expect(article).toMatchObject({
      title: 'How to train your dragon',
      description: 'Ever wonder how?',
      body: 'You have to believe',
      tagList: ['dragons', 'training'],
      favorited: false,
      favoritesCount: 0,
      author: { username: author.username, bio: null, image: null, following: false },
    });
    expect(article.slug).toMatch(/^how-to-train-your-dragon(-[0-9a-z]{6})?$/);
    expect(article.createdAt).toMatch(ISO_MILLIS);
    expect(article.updatedAt).toMatch(ISO_MILLIS);

    const read = await call(testApp.app, 'GET', `/api/articles/${article.slug}`);
    expect(read.status).toBe(200);
    expect(read.body.article).toEqual(article);
  });

  it('when two articles share a title, then both are created with distinct slugs', async () => {
    const author = await registerUser(testApp.app);
    const title = uniqueName('Same title ');
    const first = await createArticle(testApp.app, author.token, { title });
    const second = await createArticle(testApp.app, author.token, { title });
    expect(first.slug).not.toBe(second.slug);
    expect(second.slug.startsWith(first.slug)).toBe(true);
  });

  it('when a title has no letters or digits, then the slug is still usable', async () => {
    const author = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token, { title: '!!! ???' });
    expect(article.slug).toMatch(/^article(-[0-9a-z]{6})?$/);
    expect((await call(testApp.app, 'GET', `/api/articles/${article.slug}`)).status).toBe(200);
  });

  it.each(['title', 'description', 'body'])(
    'when %s is empty, then it answers 422 "can\'t be blank"',
    async (field) => {
      const author = await registerUser(testApp.app);
      const article = { title: 'T', description: 'D', body: 'B', [field]: '' };
      const response = await call(testApp.app, 'POST', '/api/articles', {
        token: author.token,
        body: { article },
      });
      expect(response.status).toBe(422);
      expect(response.body).toEqual({ errors: { [field]: ["can't be blank"] } });
    },
  );

  it('when tagList is not a list of strings, then it answers 422 naming tagList', async () => {
    const author = await registerUser(testApp.app);
    const response = await call(testApp.app, 'POST', '/api/articles', {
      token: author.token,
      body: { article: { title: 'T', description: 'D', body: 'B', tagList: [1, 2] } },
    });
    expect(response.status).toBe(422);
    expect(response.body.errors).toHaveProperty('tagList');
  });

  it('when creating without a token, then it answers 401 before looking at the body', async () => {
    const response = await call(testApp.app, 'POST', '/api/articles', { body: { article: {} } });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { token: ['is missing'] } });
  });

  it('when the slug is unknown, then it answers 404 article not found', async () => {
    const response = await call(testApp.app, 'GET', `/api/articles/${uniqueName('missing-')}`);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: { article: ['not found'] } });
  });
});

describe('updating and deleting', () => {
  it('when the author changes the body, then slug, title, tags and createdAt stay and updatedAt moves', async () => {
    const author = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token, { tagList: ['a', 'b'] });
    const response = await call(testApp.app, 'PUT', `/api/articles/${article.slug}`, {
      token: author.token,
      body: { article: { body: 'A new body' } },
    });
    expect(response.status).toBe(200);
    expect(response.body.article).toMatchObject({
      slug: article.slug,
      title: article.title,
      body: 'A new body',
      tagList: ['a', 'b'],
      createdAt: article.createdAt,
    });
    expect(response.body.article.updatedAt).not.toBe(article.updatedAt);
  });

  it('when the title changes, then the slug follows it', async () => {
    const author = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token);
    const title = uniqueName('Renamed ');
    const response = await call(testApp.app, 'PUT', `/api/articles/${article.slug}`, {
      token: author.token,
      body: { article: { title } },
    });
    expect(response.body.article.slug).toBe(title.toLowerCase().replace(/ /g, '-'));
    expect((await call(testApp.app, 'GET', `/api/articles/${article.slug}`)).status).toBe(404);
  });

  it('when tagList is [] the tags are cleared; when it is null, 422', async () => {
    const author = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token, { tagList: ['x'] });
    const cleared = await call(testApp.app, 'PUT', `/api/articles/${article.slug}`, {
      token: author.token,
      body: { article: { tagList: [] } },
    });
    expect(cleared.body.article.tagList).toEqual([]);
    const invalid = await call(testApp.app, 'PUT', `/api/articles/${article.slug}`, {
      token: author.token,
      body: { article: { tagList: null } },
    });
    expect(invalid.status).toBe(422);
  });

  it('when someone else edits or deletes, then it answers 403 and nothing changes', async () => {
    const author = await registerUser(testApp.app);
    const intruder = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token);
    const edit = await call(testApp.app, 'PUT', `/api/articles/${article.slug}`, {
      token: intruder.token,
      body: { article: { body: 'defaced' } },
    });
    const remove = await call(testApp.app, 'DELETE', `/api/articles/${article.slug}`, {
      token: intruder.token,
    });
    for (const response of [edit, remove]) {
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ errors: { article: ['forbidden'] } });
    }
    const read = await call(testApp.app, 'GET', `/api/articles/${article.slug}`);
    expect(read.body.article.body).toBe(article.body);
  });

  it('when the author deletes, then it answers 204 and the article is gone', async () => {
    const author = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token);
    const response = await call(testApp.app, 'DELETE', `/api/articles/${article.slug}`, {
      token: author.token,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(204);
    expect((await call(testApp.app, 'GET', `/api/articles/${article.slug}`)).status).toBe(404);
  });

  it('when the slug is unknown, then update, delete, favorite answer 404; without token 401', async () => {
    const user = await registerUser(testApp.app);
    const slug = uniqueName('missing-');
    for (const [method, url] of [
      ['PUT', `/api/articles/${slug}`],
      ['DELETE', `/api/articles/${slug}`],
      ['POST', `/api/articles/${slug}/favorite`],
      ['DELETE', `/api/articles/${slug}/favorite`],
    ] as const) {
      const body = method === 'PUT' ? { article: { body: 'x' } } : undefined;
      expect((await call(testApp.app, method, url, { token: user.token, body })).status).toBe(404);
      expect((await call(testApp.app, method, url, { body })).status).toBe(401);
    }
  });
});

describe('favorites', () => {
  it('when a reader favorites with an empty JSON body, then the article counts it once', async () => {
    const author = await registerUser(testApp.app);
    const reader = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token);
    const emptyJson = { 'content-type': 'application/json' };

    const first = await call(testApp.app, 'POST', `/api/articles/${article.slug}/favorite`, {
      token: reader.token,
      headers: emptyJson,
    });
    expect(first.status).toBe(200);
    expect(first.body.article).toMatchObject({
      favorited: true,
      favoritesCount: 1,
      body: article.body,
    });
    const again = await call(testApp.app, 'POST', `/api/articles/${article.slug}/favorite`, {
      token: reader.token,
    });
    expect(again.body.article.favoritesCount).toBe(1);

    const asAuthor = await call(testApp.app, 'GET', `/api/articles/${article.slug}`, {
      token: author.token,
    });
    expect(asAuthor.body.article).toMatchObject({ favorited: false, favoritesCount: 1 });

    const removed = await call(testApp.app, 'DELETE', `/api/articles/${article.slug}/favorite`, {
      token: reader.token,
      headers: emptyJson,
    });
    expect(removed.status).toBe(200);
    expect(removed.body.article).toMatchObject({ favorited: false, favoritesCount: 0 });
  });
});

describe('listing', () => {
  it('filters by author, tag and favorited, newest first, without bodies', async () => {
    const author = await registerUser(testApp.app, 'lister');
    const fan = await registerUser(testApp.app, 'fan');
    const tag = uniqueName('tag');
    const older = await createArticle(testApp.app, author.token, { tagList: [tag] });
    const newer = await createArticle(testApp.app, author.token, { tagList: [tag, 'other'] });
    await createArticle(testApp.app, author.token);
    await call(testApp.app, 'POST', `/api/articles/${older.slug}/favorite`, { token: fan.token });

    const byAuthor = await call(testApp.app, 'GET', `/api/articles?author=${author.username}`);
    expect(byAuthor.status).toBe(200);
    expect(byAuthor.body.articlesCount).toBe(3);
    expect(byAuthor.body.articles[1].slug).toBe(newer.slug);
    expect(byAuthor.body.articles[0]).not.toHaveProperty('body');

    const byTag = await call(testApp.app, 'GET', `/api/articles?tag=${tag}`);
    expect(byTag.body.articles.map((article: { slug: string }) => article.slug)).toEqual([
      newer.slug,
      older.slug,
    ]);
    expect(byTag.body.articlesCount).toBe(2);

    const favorited = await call(testApp.app, 'GET', `/api/articles?favorited=${fan.username}`, {
      token: fan.token,
    });
    expect(favorited.body.articles).toHaveLength(1);
    expect(favorited.body.articles[0]).toMatchObject({
      slug: older.slug,
      favorited: true,
      favoritesCount: 1,
    });
  });

  it('paginates with limit and offset while articlesCount stays the total', async () => {
    const author = await registerUser(testApp.app);
    const first = await createArticle(testApp.app, author.token);
    const second = await createArticle(testApp.app, author.token);

    const page1 = await call(testApp.app, 'GET', `/api/articles?author=${author.username}&limit=1`);
    const page2 = await call(
      testApp.app,
      'GET',
      `/api/articles?author=${author.username}&limit=1&offset=1`,
    );
    expect(page1.body).toMatchObject({ articlesCount: 2, articles: [{ slug: second.slug }] });
    expect(page2.body).toMatchObject({ articlesCount: 2, articles: [{ slug: first.slug }] });
  });

  it('when a filter matches nothing, then it answers 200 with an empty list', async () => {
    for (const query of [
      `tag=${uniqueName('t')}`,
      `author=${uniqueName('a')}`,
      `favorited=${uniqueName('f')}`,
    ]) {
      const response = await call(testApp.app, 'GET', `/api/articles?${query}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ articles: [], articlesCount: 0, nextCursor: null });
    }
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'offset=-1'])(
    'when %s, then it answers 422',
    async (query) => {
      const response = await call(testApp.app, 'GET', `/api/articles?${query}`);
      expect(response.status).toBe(422);
      expect(Object.keys(response.body.errors)).toEqual([query.split('=')[0]]);
    },
  );
});

describe('feed', () => {
  it('when a reader follows an author, then the feed holds exactly their articles, newest first', async () => {
    const reader = await registerUser(testApp.app, 'reader');
    const followed = await registerUser(testApp.app, 'followed');
    const stranger = await registerUser(testApp.app, 'stranger');

    const empty = await call(testApp.app, 'GET', '/api/articles/feed', { token: reader.token });
    expect(empty.body).toEqual({ articles: [], articlesCount: 0, nextCursor: null });

    await call(testApp.app, 'POST', `/api/profiles/${followed.username}/follow`, {
      token: reader.token,
    });
    const first = await createArticle(testApp.app, followed.token);
    const second = await createArticle(testApp.app, followed.token);
    await createArticle(testApp.app, stranger.token);

    const feed = await call(testApp.app, 'GET', '/api/articles/feed?limit=1', {
      token: reader.token,
    });
    expect(feed.status).toBe(200);
    expect(feed.body.articlesCount).toBe(2);
    expect(feed.body.articles).toHaveLength(1);
    expect(feed.body.articles[0]).toMatchObject({ slug: second.slug, author: { following: true } });
    expect(feed.body.articles[0]).not.toHaveProperty('body');

    const rest = await call(testApp.app, 'GET', '/api/articles/feed?limit=1&offset=1', {
      token: reader.token,
    });
    expect(rest.body.articles[0].slug).toBe(first.slug);
  });

  it('when there is no token, then the feed answers 401', async () => {
    expect((await call(testApp.app, 'GET', '/api/articles/feed')).status).toBe(401);
  });
});
