// Every Conduit endpoint the site calls, as typed functions over one HttpClient. Created per
// session (src/session/session.tsx) so that each call carries the current user's token.
import type { HttpClient } from './http.ts';
import type {
  Article,
  ArticleDraft,
  ArticlePage,
  Comment,
  Profile,
  User,
  UserChanges,
} from './types.ts';

/**
 * The deepest offset the API accepts (MAX_OFFSET in apps/api/src/modules/articles/
 * articles.schemas.ts; its OpenAPI document states it too): numbered pages stop there.
 */
export const MAX_OFFSET = 1_000;

export interface ArticleQuery {
  tag?: string | undefined;
  author?: string | undefined;
  favorited?: string | undefined;
  limit: number;
  offset: number;
}

const enc = encodeURIComponent;

function queryString(query: ArticleQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  return params.toString();
}

export function createConduit(http: HttpClient) {
  return {
    listArticles: (query: ArticleQuery, signal?: AbortSignal) =>
      http.request<ArticlePage>('GET', `/articles?${queryString(query)}`, { signal }),
    feed: (query: Pick<ArticleQuery, 'limit' | 'offset'>, signal?: AbortSignal) =>
      http.request<ArticlePage>('GET', `/articles/feed?${queryString(query)}`, { signal }),

    getArticle: async (slug: string, signal?: AbortSignal) =>
      (await http.request<{ article: Article }>('GET', `/articles/${enc(slug)}`, { signal }))
        .article,
    createArticle: async (article: ArticleDraft) =>
      (await http.request<{ article: Article }>('POST', '/articles', { body: { article } }))
        .article,
    updateArticle: async (slug: string, article: ArticleDraft) =>
      (
        await http.request<{ article: Article }>('PUT', `/articles/${enc(slug)}`, {
          body: { article },
        })
      ).article,
    deleteArticle: (slug: string) => http.request<void>('DELETE', `/articles/${enc(slug)}`),
    favorite: async (slug: string) =>
      (await http.request<{ article: Article }>('POST', `/articles/${enc(slug)}/favorite`)).article,
    unfavorite: async (slug: string) =>
      (await http.request<{ article: Article }>('DELETE', `/articles/${enc(slug)}/favorite`))
        .article,

    getComments: async (slug: string, signal?: AbortSignal) =>
      (
        await http.request<{ comments: Comment[] }>('GET', `/articles/${enc(slug)}/comments`, {
          signal,
        })
      ).comments,
    addComment: async (slug: string, body: string) =>
      (
        await http.request<{ comment: Comment }>('POST', `/articles/${enc(slug)}/comments`, {
          body: { comment: { body } },
        })
      ).comment,
    deleteComment: (slug: string, id: number) =>
      http.request<void>('DELETE', `/articles/${enc(slug)}/comments/${id}`),

    getProfile: async (username: string, signal?: AbortSignal) =>
      (await http.request<{ profile: Profile }>('GET', `/profiles/${enc(username)}`, { signal }))
        .profile,
    follow: async (username: string) =>
      (await http.request<{ profile: Profile }>('POST', `/profiles/${enc(username)}/follow`))
        .profile,
    unfollow: async (username: string) =>
      (await http.request<{ profile: Profile }>('DELETE', `/profiles/${enc(username)}/follow`))
        .profile,

    getTags: async (signal?: AbortSignal) =>
      (await http.request<{ tags: string[] }>('GET', '/tags', { signal })).tags,

    login: async (credentials: { email: string; password: string }) =>
      (await http.request<{ user: User }>('POST', '/users/login', { body: { user: credentials } }))
        .user,
    register: async (details: { username: string; email: string; password: string }) =>
      (await http.request<{ user: User }>('POST', '/users', { body: { user: details } })).user,
    currentUser: async (signal?: AbortSignal) =>
      (await http.request<{ user: User }>('GET', '/user', { signal })).user,
    updateUser: async (changes: UserChanges) =>
      (await http.request<{ user: User }>('PUT', '/user', { body: { user: changes } })).user,
    /** The token from the link in a verification email. */
    verifyEmail: (token: string) =>
      http.request<void>('POST', '/users/verify', { body: { token } }),
  };
}

export type Conduit = ReturnType<typeof createConduit>;
