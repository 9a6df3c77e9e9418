// The Conduit API's shapes as the site uses them (../shared/realworld/openapi.yml, and
// apps/api/src/modules/*/*.schemas.ts for this API's nullable fields).

export interface User {
  email: string;
  token: string;
  username: string;
  bio: string | null;
  image: string | null;
}

export interface Profile {
  username: string;
  bio: string | null;
  image: string | null;
  following: boolean;
}

export interface ArticleSummary {
  slug: string;
  title: string;
  description: string;
  tagList: string[];
  createdAt: string;
  updatedAt: string;
  favorited: boolean;
  favoritesCount: number;
  author: Profile;
}

export interface Article extends ArticleSummary {
  /** Markdown, as the author wrote it. */
  body: string;
  /** The body rendered to sanitized HTML by the worker; null or absent until it has run. */
  bodyHtml?: string | null;
}

export interface ArticlePage {
  articles: ArticleSummary[];
  articlesCount: number;
}

export interface Comment {
  id: number;
  createdAt: string;
  updatedAt: string;
  body: string;
  author: Profile;
}

export interface ArticleDraft {
  title: string;
  description: string;
  body: string;
  tagList: string[];
}

export interface UserChanges {
  email?: string;
  username?: string;
  password?: string;
  bio?: string | null;
  image?: string | null;
}

/** The RealWorld error body's content: problems by the field they concern. */
export type FieldErrors = Record<string, string[]>;
