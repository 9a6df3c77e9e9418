// The Conduit API's shapes as the site uses them: names for parts of schema.d.ts, which
// `npm run contract:generate` writes from the API's own OpenAPI document, so the site sees what
// the API returns (apps/web/test/contract.test.ts fails when it is stale). The RealWorld spec
// the API implements: https://github.com/gothinkster/realworld
import type { paths } from './schema.d.ts';

type Method = 'get' | 'post' | 'put' | 'delete';
type Operation<Path extends keyof paths, M extends Method> = NonNullable<paths[Path][M]>;
type JsonOf<Part> = Part extends { content: { 'application/json': infer Body } } ? Body : never;

/** The JSON body of a successful answer (200 or 201) to `method path`. */
export type SuccessBody<Path extends keyof paths, M extends Method> =
  Operation<Path, M> extends { responses: infer Responses }
    ? JsonOf<Responses[keyof Responses & (200 | 201)]>
    : never;

/** The JSON body `method path` takes. */
export type RequestBody<Path extends keyof paths, M extends Method> =
  Operation<Path, M> extends { requestBody?: infer Body } ? JsonOf<Body> : never;

export type User = SuccessBody<'/api/user', 'get'>['user'];
export type Profile = SuccessBody<'/api/profiles/{username}', 'get'>['profile'];
/** An article with its Markdown `body`, and `bodyHtml` once the worker has rendered it. */
export type Article = SuccessBody<'/api/articles/{slug}', 'get'>['article'];
export type ArticlePage = SuccessBody<'/api/articles', 'get'>;
/** An article in a list: everything but the body. */
export type ArticleSummary = ArticlePage['articles'][number];
export type Comment = SuccessBody<'/api/articles/{slug}/comments', 'get'>['comments'][number];
/** What the editor sends: every field, where the API would default the tags. */
export type ArticleDraft = Required<RequestBody<'/api/articles', 'post'>['article']>;
export type UserChanges = RequestBody<'/api/user', 'put'>['user'];

/** The RealWorld error body's content: problems by the field they concern. */
export type FieldErrors = Record<string, string[]>;
