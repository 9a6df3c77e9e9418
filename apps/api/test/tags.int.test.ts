import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
