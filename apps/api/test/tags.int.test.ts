import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAG_CLOUD_SIZE } from '../src/modules/tags/tags.service.ts';
import { call, createArticle, registerUser, uniqueName } from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(() => testApp.close());

describe('tags', () => {
  it('when articles are tagged, then GET /api/tags lists each tag once', async () => {
    const author = await registerUser(testApp.app);
    const [first, second] = [uniqueName('tag'), uniqueName('tag')];
    await createArticle(testApp.app, author.token, { tagList: [first, second] });
    await createArticle(testApp.app, author.token, { tagList: [first] });

    const response = await call(testApp.app, 'GET', '/api/tags');
    expect(response.status).toBe(200);
    expect(response.body.tags).toEqual(expect.arrayContaining([first, second]));
    expect(response.body.tags.filter((tag: string) => tag === first)).toHaveLength(1);
  });

  it('when more tags exist than the cloud holds, then the answer is capped and the newest tag is in it', async () => {
    const author = await registerUser(testApp.app);
    const tagsPerArticle = 10;
    for (let article = 0; article <= TAG_CLOUD_SIZE / tagsPerArticle; article++) {
      const tagList = Array.from({ length: tagsPerArticle }, () => uniqueName('many'));
      await createArticle(testApp.app, author.token, { tagList });
    }
    const newest = uniqueName('newest');
    await createArticle(testApp.app, author.token, { tagList: [newest] });

    const { body } = await call(testApp.app, 'GET', '/api/tags');
    expect(body.tags).toHaveLength(TAG_CLOUD_SIZE);
    expect(body.tags).toContain(newest);
    expect(new Set(body.tags).size).toBe(TAG_CLOUD_SIZE);
  });
});
