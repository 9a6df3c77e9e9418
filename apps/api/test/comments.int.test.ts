import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createArticle, registerUser, uniqueName } from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(() => testApp.close());

describe('comments', () => {
  it('when a reader comments, then it answers 201 with an integer id and the comment lists', async () => {
    const author = await registerUser(testApp.app);
    const reader = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token);

    const created = await call(testApp.app, 'POST', `/api/articles/${article.slug}/comments`, {
      token: reader.token,
      body: { comment: { body: 'His name was my name too.' } },
    });
    expect(created.status).toBe(201);
    expect(created.body.comment).toMatchObject({
      id: expect.any(Number),
      body: 'His name was my name too.',
      author: { username: reader.username, following: false },
    });
    expect(Number.isInteger(created.body.comment.id)).toBe(true);

    await call(testApp.app, 'POST', `/api/profiles/${reader.username}/follow`, {
      token: author.token,
    });
    for (const token of [undefined, author.token]) {
      const listed = await call(testApp.app, 'GET', `/api/articles/${article.slug}/comments`, {
        token,
      });
      expect(listed.status).toBe(200);
      expect(listed.body.comments).toEqual([
        {
          ...created.body.comment,
          author: { ...created.body.comment.author, following: token !== undefined },
        },
      ]);
    }
  });

  it('when the author of a comment deletes it, then 204 and only the other one remains', async () => {
    const author = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token);
    const url = `/api/articles/${article.slug}/comments`;
    const first = await call(testApp.app, 'POST', url, {
      token: author.token,
      body: { comment: { body: 'First' } },
    });
    await call(testApp.app, 'POST', url, {
      token: author.token,
      body: { comment: { body: 'Second comment' } },
    });

    const removed = await call(testApp.app, 'DELETE', `${url}/${first.body.comment.id}`, {
      token: author.token,
    });
    expect(removed.status).toBe(204);
    const listed = await call(testApp.app, 'GET', url);
    expect(listed.body.comments.map((comment: { body: string }) => comment.body)).toEqual([
      'Second comment',
    ]);
  });

  it("when someone deletes another user's comment, then 403 and the comment stays", async () => {
    const author = await registerUser(testApp.app);
    const intruder = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token);
    const url = `/api/articles/${article.slug}/comments`;
    const comment = await call(testApp.app, 'POST', url, {
      token: author.token,
      body: { comment: { body: 'Mine' } },
    });

    const response = await call(testApp.app, 'DELETE', `${url}/${comment.body.comment.id}`, {
      token: intruder.token,
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ errors: { comment: ['forbidden'] } });
    expect((await call(testApp.app, 'GET', url)).body.comments).toHaveLength(1);
  });

  it('when the comment or article does not exist, then 404 naming which', async () => {
    const user = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, user.token);
    const missingComment = await call(
      testApp.app,
      'DELETE',
      `/api/articles/${article.slug}/comments/99999999`,
      {
        token: user.token,
      },
    );
    expect(missingComment.status).toBe(404);
    expect(missingComment.body).toEqual({ errors: { comment: ['not found'] } });

    const slug = uniqueName('missing-');
    for (const [method, url] of [
      ['GET', `/api/articles/${slug}/comments`],
      ['POST', `/api/articles/${slug}/comments`],
      ['DELETE', `/api/articles/${slug}/comments/1`],
    ] as const) {
      const body = method === 'POST' ? { comment: { body: 'x' } } : undefined;
      const response = await call(testApp.app, method, url, { token: user.token, body });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ errors: { article: ['not found'] } });
    }
  });

  it('when a comment on one article is deleted through another article, then 404', async () => {
    const user = await registerUser(testApp.app);
    const [one, other] = [
      await createArticle(testApp.app, user.token),
      await createArticle(testApp.app, user.token),
    ];
    const comment = await call(testApp.app, 'POST', `/api/articles/${one.slug}/comments`, {
      token: user.token,
      body: { comment: { body: 'Here' } },
    });
    const response = await call(
      testApp.app,
      'DELETE',
      `/api/articles/${other.slug}/comments/${comment.body.comment.id}`,
      {
        token: user.token,
      },
    );
    expect(response.status).toBe(404);
  });

  it('when the body is empty, the id is not a number, or there is no token, then 422, 422, 401', async () => {
    const user = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, user.token);
    const url = `/api/articles/${article.slug}/comments`;
    const blank = await call(testApp.app, 'POST', url, {
      token: user.token,
      body: { comment: { body: '' } },
    });
    expect(blank.status).toBe(422);
    expect(blank.body).toEqual({ errors: { body: ["can't be blank"] } });
    expect((await call(testApp.app, 'DELETE', `${url}/abc`, { token: user.token })).status).toBe(
      422,
    );
    expect(
      (await call(testApp.app, 'POST', url, { body: { comment: { body: 'x' } } })).status,
    ).toBe(401);
    expect((await call(testApp.app, 'DELETE', `${url}/1`)).status).toBe(401);
  });
});

describe('comment pages', () => {
  it('when a thread is read a page at a time, then every comment comes once, oldest first, and a new one appears on the last page', async () => {
    const author = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token);
    const url = `/api/articles/${article.slug}/comments`;
    const post = async (body: string) =>
      (await call(testApp.app, 'POST', url, { token: author.token, body: { comment: { body } } }))
        .body.comment.id as number;
    const posted = [];
    for (let index = 0; index < 5; index++) posted.push(await post(`comment ${index}`));

    const readAll = async () => {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
        const page = await call(testApp.app, 'GET', `${url}${query}`);
        expect(page.status).toBe(200);
        expect(page.body.comments.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.comments.map((comment: { id: number }) => comment.id));
        cursor = page.body.nextCursor;
      } while (cursor !== null);
      return seen;
    };
    expect(await readAll()).toEqual(posted);
    // The pages were cached; a new comment bumps the generation they were cached under.
    posted.push(await post('a late one'));
    expect(await readAll()).toEqual(posted);

    const whole = await call(testApp.app, 'GET', url);
    expect(whole.body.comments.map((comment: { id: number }) => comment.id)).toEqual(posted);
    expect(whole.body.nextCursor).toBeNull();
  });

  it('when the page size or the cursor is out of bounds, then 422 naming it', async () => {
    const author = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token);
    const url = `/api/articles/${article.slug}/comments`;
    for (const [query, field] of [
      ['?limit=101', 'limit'],
      ['?limit=0', 'limit'],
      ['?cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['?cursor=%24%24', 'cursor'],
    ]) {
      const response = await call(testApp.app, 'GET', `${url}${query}`);
      expect(response.status, query).toBe(422);
      expect(response.body.errors, query).toHaveProperty(field as string);
    }
  });
});
