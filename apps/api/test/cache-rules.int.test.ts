// One test per invalidation rule (packages/cache/src/invalidation-rules.ts, the table in
// docs/caching.md): a reader fills the cache, a write happens, and the very next read, by the
// writer and by someone else, sees it. The app runs with the application cache on (the test
// run's cache Redis); the two events the worker records are proven in the worker's tests
// (apps/worker/test/cache-invalidation.int.test.ts).
import { invalidationRules } from '@headroom/cache/invalidation-rules';
import { newVerificationToken } from '@headroom/jobs/email-verification';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createArticle,
  type RegisteredUser,
  registerUser,
  uniqueName,
} from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

let testApp: TestApp;
let author: RegisteredUser;
let reader: RegisteredUser;
beforeAll(async () => {
  testApp = await buildTestApp();
  author = await registerUser(testApp.app, 'author');
  reader = await registerUser(testApp.app, 'reader');
});
afterAll(() => testApp.close());

const get = (url: string, token?: string) => call(testApp.app, 'GET', url, { token });
const slugsOf = (response: { body: { articles: { slug: string }[] } }) =>
  response.body.articles.map((article) => article.slug);

/** Reads each URL twice, so the second answer came from the cache. */
async function warm(...requests: [url: string, token?: string][]) {
  for (const [url, token] of requests) {
    await get(url, token);
    const again = await get(url, token);
    expect(again.status).toBeLessThan(500);
  }
}

const proven = new Set<string>();
const rule = (event: keyof typeof invalidationRules, name: string, test: () => Promise<void>) => {
  proven.add(event);
  it(`${event}: ${name}`, test);
};
const WORKER_EVENTS = ['article.rendered', 'tags.ranked'];

describe('a write is visible on the next read', () => {
  rule(
    'article.published',
    'when an article is published, then the lists, the tag page, the author page, the feed and the tag cloud show it',
    async () => {
      const tag = uniqueName('tag');
      await call(testApp.app, 'POST', `/api/profiles/${author.username}/follow`, {
        token: reader.token,
      });
      await warm(
        ['/api/articles?limit=5'],
        [`/api/articles?tag=${tag}`],
        [`/api/articles?author=${author.username}`],
        ['/api/articles/feed', reader.token],
        ['/api/tags'],
      );
      const before = await get('/api/articles?limit=5');
      const article = await createArticle(testApp.app, author.token, { tagList: [tag] });

      const home = await get('/api/articles?limit=5');
      expect(slugsOf(home)[0]).toBe(article.slug);
      expect(home.body.articlesCount).toBe(before.body.articlesCount + 1);
      expect(slugsOf(await get(`/api/articles?tag=${tag}`))).toEqual([article.slug]);
      expect(slugsOf(await get(`/api/articles?author=${author.username}`))[0]).toBe(article.slug);
      expect(slugsOf(await get('/api/articles/feed', reader.token))[0]).toBe(article.slug);
      expect((await get('/api/tags')).body.tags).toContain(tag);
    },
  );

  rule(
    'article.updated',
    'when an article is edited, then its page and its card show the edit, under its new slug, and its tag pages follow its tags',
    async () => {
      const [oldTag, newTag] = [uniqueName('old'), uniqueName('new')];
      const article = await createArticle(testApp.app, author.token, { tagList: [oldTag] });
      await warm(
        [`/api/articles/${article.slug}`],
        [`/api/articles?author=${author.username}`],
        [`/api/articles?tag=${oldTag}`],
        [`/api/articles?tag=${newTag}`],
      );
      const title = uniqueName('Renamed ');
      const updated = await call(testApp.app, 'PUT', `/api/articles/${article.slug}`, {
        token: author.token,
        body: { article: { title, body: 'new body', tagList: [newTag] } },
      });
      expect(updated.status).toBe(200);
      const newSlug = updated.body.article.slug;
      expect(newSlug).not.toBe(article.slug);

      expect((await get(`/api/articles/${article.slug}`)).status).toBe(404);
      const page = await get(`/api/articles/${newSlug}`);
      expect(page.body.article).toMatchObject({ title, body: 'new body', tagList: [newTag] });
      const card = (await get(`/api/articles?author=${author.username}`)).body.articles[0];
      expect(card).toMatchObject({ slug: newSlug, title, tagList: [newTag] });
      expect(slugsOf(await get(`/api/articles?tag=${oldTag}`))).toEqual([]);
      expect(slugsOf(await get(`/api/articles?tag=${newTag}`))).toEqual([newSlug]);
    },
  );

  rule(
    'article.deleted',
    "when an article is deleted, then it is gone from its page, every list, the count, a reader's favorites and its comments",
    async () => {
      const article = await createArticle(testApp.app, author.token);
      await call(testApp.app, 'POST', `/api/articles/${article.slug}/favorite`, {
        token: reader.token,
      });
      await warm(
        [`/api/articles/${article.slug}`],
        [`/api/articles/${article.slug}/comments`],
        ['/api/articles?limit=5'],
        [`/api/articles?favorited=${reader.username}`],
      );
      const before = await get('/api/articles?limit=5');
      const deleted = await call(testApp.app, 'DELETE', `/api/articles/${article.slug}`, {
        token: author.token,
      });
      expect(deleted.status).toBe(204);

      expect((await get(`/api/articles/${article.slug}`)).status).toBe(404);
      expect((await get(`/api/articles/${article.slug}/comments`)).status).toBe(404);
      const home = await get('/api/articles?limit=5');
      expect(slugsOf(home)).not.toContain(article.slug);
      expect(home.body.articlesCount).toBe(before.body.articlesCount - 1);
      const favorites = await get(`/api/articles?favorited=${reader.username}`);
      expect(slugsOf(favorites)).not.toContain(article.slug);
    },
  );

  rule(
    'article.favorited',
    'when a reader favorites, then the count rises for everyone and it is favorited and listed for them',
    async () => {
      const article = await createArticle(testApp.app, author.token);
      await warm(
        [`/api/articles/${article.slug}`],
        [`/api/articles/${article.slug}`, reader.token],
        [`/api/articles?author=${author.username}`, reader.token],
        [`/api/articles?favorited=${reader.username}`],
      );
      await call(testApp.app, 'POST', `/api/articles/${article.slug}/favorite`, {
        token: reader.token,
      });
      expect((await get(`/api/articles/${article.slug}`)).body.article).toMatchObject({
        favorited: false,
        favoritesCount: 1,
      });
      expect((await get(`/api/articles/${article.slug}`, reader.token)).body.article).toMatchObject(
        { favorited: true, favoritesCount: 1 },
      );
      const card = (await get(`/api/articles?author=${author.username}`, reader.token)).body
        .articles[0];
      expect(card).toMatchObject({ slug: article.slug, favorited: true, favoritesCount: 1 });
      expect(slugsOf(await get(`/api/articles?favorited=${reader.username}`))).toContain(
        article.slug,
      );
    },
  );

  rule(
    'article.unfavorited',
    'when a reader unfavorites, then the count falls and it leaves their favorites',
    async () => {
      const article = await createArticle(testApp.app, author.token);
      await call(testApp.app, 'POST', `/api/articles/${article.slug}/favorite`, {
        token: reader.token,
      });
      await warm(
        [`/api/articles/${article.slug}`, reader.token],
        [`/api/articles?favorited=${reader.username}`],
      );
      await call(testApp.app, 'DELETE', `/api/articles/${article.slug}/favorite`, {
        token: reader.token,
      });
      expect((await get(`/api/articles/${article.slug}`, reader.token)).body.article).toMatchObject(
        { favorited: false, favoritesCount: 0 },
      );
      expect(slugsOf(await get(`/api/articles?favorited=${reader.username}`))).not.toContain(
        article.slug,
      );
    },
  );

  rule('comment.created', 'when someone comments, then the comments list shows it', async () => {
    const article = await createArticle(testApp.app, author.token);
    await warm([`/api/articles/${article.slug}/comments`]);
    const created = await call(testApp.app, 'POST', `/api/articles/${article.slug}/comments`, {
      token: reader.token,
      body: { comment: { body: 'first!' } },
    });
    expect(created.status).toBe(201);
    const comments = (await get(`/api/articles/${article.slug}/comments`)).body.comments;
    expect(comments.map((comment: { body: string }) => comment.body)).toEqual(['first!']);
  });

  rule(
    'comment.deleted',
    'when a comment is deleted, then the comments list drops it',
    async () => {
      const article = await createArticle(testApp.app, author.token);
      const created = await call(testApp.app, 'POST', `/api/articles/${article.slug}/comments`, {
        token: reader.token,
        body: { comment: { body: 'regret' } },
      });
      await warm([`/api/articles/${article.slug}/comments`]);
      await call(
        testApp.app,
        'DELETE',
        `/api/articles/${article.slug}/comments/${created.body.comment.id}`,
        { token: reader.token },
      );
      expect((await get(`/api/articles/${article.slug}/comments`)).body.comments).toEqual([]);
    },
  );

  rule(
    'user.followed',
    "when a reader follows an author, then the author shows as followed and the author's articles fill their feed",
    async () => {
      const writer = await registerUser(testApp.app, 'writer');
      const fan = await registerUser(testApp.app, 'fan');
      const article = await createArticle(testApp.app, writer.token);
      await warm(
        [`/api/profiles/${writer.username}`, fan.token],
        [`/api/articles/${article.slug}`, fan.token],
        ['/api/articles/feed', fan.token],
      );
      await call(testApp.app, 'POST', `/api/profiles/${writer.username}/follow`, {
        token: fan.token,
      });
      expect(
        (await get(`/api/profiles/${writer.username}`, fan.token)).body.profile.following,
      ).toBe(true);
      const page = await get(`/api/articles/${article.slug}`, fan.token);
      expect(page.body.article.author.following).toBe(true);
      expect(slugsOf(await get('/api/articles/feed', fan.token))).toEqual([article.slug]);
    },
  );

  rule(
    'user.unfollowed',
    'when a reader unfollows, then the author is no longer followed and leaves their feed',
    async () => {
      const writer = await registerUser(testApp.app, 'writer');
      const fan = await registerUser(testApp.app, 'fan');
      await createArticle(testApp.app, writer.token);
      await call(testApp.app, 'POST', `/api/profiles/${writer.username}/follow`, {
        token: fan.token,
      });
      await warm(
        [`/api/profiles/${writer.username}`, fan.token],
        ['/api/articles/feed', fan.token],
      );
      await call(testApp.app, 'DELETE', `/api/profiles/${writer.username}/follow`, {
        token: fan.token,
      });
      expect(
        (await get(`/api/profiles/${writer.username}`, fan.token)).body.profile.following,
      ).toBe(false);
      const feed = await get('/api/articles/feed', fan.token);
      expect(feed.body).toMatchObject({ articles: [], articlesCount: 0 });
    },
  );

  rule(
    'user.updated',
    "when an author changes their name and bio, then their profile and their articles' cards show it, and the old name is free",
    async () => {
      const writer = await registerUser(testApp.app, 'writer');
      const article = await createArticle(testApp.app, writer.token);
      await warm(
        [`/api/profiles/${writer.username}`],
        [`/api/articles/${article.slug}`],
        [`/api/articles?author=${writer.username}`],
      );
      const username = uniqueName('renamed');
      const updated = await call(testApp.app, 'PUT', '/api/user', {
        token: writer.token,
        body: { user: { username, bio: 'new bio' } },
      });
      expect(updated.status).toBe(200);

      expect((await get(`/api/profiles/${writer.username}`)).status).toBe(404);
      expect((await get(`/api/profiles/${username}`)).body.profile).toMatchObject({
        username,
        bio: 'new bio',
      });
      expect((await get(`/api/articles/${article.slug}`)).body.article.author).toMatchObject({
        username,
        bio: 'new bio',
      });
      expect(slugsOf(await get(`/api/articles?author=${username}`))).toEqual([article.slug]);
      expect(slugsOf(await get(`/api/articles?author=${writer.username}`))).toEqual([]);
    },
  );

  rule(
    'user.updated',
    'when a password changes, then the token version every request checks is the new one at once: older tokens are refused, the new one works',
    async () => {
      const user = await registerUser(testApp.app, 'rotating');
      // The version is cached (and held in this process) after the first authenticated reads.
      await warm(['/api/user', user.token], ['/api/articles/feed', user.token]);
      const changed = await call(testApp.app, 'PUT', '/api/user', {
        token: user.token,
        body: { user: { password: 'a new password', currentPassword: user.password } },
      });
      expect(changed.status).toBe(200);
      expect((await get('/api/articles/feed', user.token)).status).toBe(401);
      expect((await get('/api/articles/feed', changed.body.user.token)).status).toBe(200);
    },
  );

  rule(
    'user.updated',
    'when a username changes only in case, then the profile is found under every case at once',
    async () => {
      const user = await registerUser(testApp.app, 'casing');
      await warm(
        [`/api/profiles/${user.username}`],
        [`/api/profiles/${user.username.toUpperCase()}`],
      );
      const upper = user.username.toUpperCase();
      await call(testApp.app, 'PUT', '/api/user', {
        token: user.token,
        body: { user: { username: upper } },
      });
      for (const name of [user.username, upper]) {
        expect((await get(`/api/profiles/${name}`)).body.profile.username).toBe(upper);
      }
    },
  );

  // Nothing cached shows whether an address is verified: these two change no read.
  rule(
    'user.email-verification-requested',
    'when an email change asks for a new link, then the account reads the new address and its new token works',
    async () => {
      const user = await registerUser(testApp.app, 'relink');
      await warm(['/api/user', user.token], [`/api/profiles/${user.username}`]);
      const changed = await call(testApp.app, 'PUT', '/api/user', {
        token: user.token,
        body: { user: { email: `new-${user.email}` } },
      });
      const current = await get('/api/user', changed.body.user.token);
      expect(current.body.user.email).toBe(`new-${user.email}`);
      expect((await get(`/api/profiles/${user.username}`)).status).toBe(200);
    },
  );

  rule(
    'user.email-verified',
    'when an address is verified, then the account and its profile read as before',
    async () => {
      const user = await registerUser(testApp.app, 'verified');
      await warm(['/api/user', user.token], [`/api/profiles/${user.username}`]);
      const { token, digest } = newVerificationToken();
      await testApp.db.user.update({
        where: { username: user.username },
        data: {
          emailVerificationDigest: digest,
          emailVerificationExpiresAt: new Date(Date.now() + 60_000),
        },
      });
      const verified = await call(testApp.app, 'POST', '/api/users/verify', { body: { token } });
      expect(verified.status).toBe(204);
      expect((await get('/api/user', user.token)).body.user.username).toBe(user.username);
      expect((await get(`/api/profiles/${user.username}`)).status).toBe(200);
    },
  );

  rule(
    'user.registered',
    'when someone registers, then their profile is found at once, though a lookup missed a moment before',
    async () => {
      const username = uniqueName('newcomer');
      expect((await get(`/api/profiles/${username}`)).status).toBe(404);
      await call(testApp.app, 'POST', '/api/users', {
        body: { user: { username, email: `${username}@example.com`, password: 'long enough pw' } },
      });
      expect((await get(`/api/profiles/${username}`)).status).toBe(200);
    },
  );

  it('when the rule table has an event, then this file or the worker proves it', () => {
    expect([...proven, ...WORKER_EVENTS].sort()).toEqual(Object.keys(invalidationRules).sort());
  });
});
