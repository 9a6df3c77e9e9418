// A page of articles from one source (the global list, a tag, an author, someone's favorites,
// or the signed-in user's feed), with its loading, empty and error states and its pagination.
import { useCallback } from 'react';
import { type ArticleQuery, MAX_OFFSET } from '../api/conduit.ts';
import type { Article } from '../api/types.ts';
import { useRequest } from '../hooks/use-request.ts';
import { pageCount } from '../lib/page-window.ts';
import { useSession } from '../session/session.tsx';
import { ArticlePreview } from './article-preview.tsx';
import { Pagination } from './pagination.tsx';
import { Empty, ErrorNotice, Loading } from './status.tsx';

/** Articles per page: a screenful or two of previews, and a cheap query for the API. */
export const ARTICLES_PER_PAGE = 10;

export type ArticleSource =
  | { feed: 'following' }
  | Pick<ArticleQuery, 'tag' | 'author' | 'favorited'>;

export function ArticleFeed({
  source,
  page,
  pageHref,
  label,
  emptyMessage,
}: {
  source: ArticleSource;
  page: number;
  pageHref: (page: number) => string;
  /** Names the list for screen readers ("Global feed", "Articles tagged react"). */
  label: string;
  emptyMessage: string;
}) {
  const { api, user } = useSession();
  const range = { limit: ARTICLES_PER_PAGE, offset: (page - 1) * ARTICLES_PER_PAGE };
  // The viewer is part of the key: favorited and following flags depend on who asks.
  const key = JSON.stringify([source, page, user?.username ?? null]);
  const { state, retry, update } = useRequest(key, (signal) =>
    'feed' in source ? api.feed(range, signal) : api.listArticles({ ...source, ...range }, signal),
  );
  const replace = useCallback(
    (changed: Article) =>
      update((data) => ({
        ...data,
        articles: data.articles.map((article) =>
          article.slug === changed.slug ? changed : article,
        ),
      })),
    [update],
  );

  if (state.status === 'loading') return <Loading what="articles" />;
  if (state.status === 'failed') return <ErrorNotice error={state.error} onRetry={retry} />;
  const { articles, articlesCount } = state.data;
  const pages = pageCount(articlesCount, ARTICLES_PER_PAGE, MAX_OFFSET);
  return (
    <>
      {articles.length === 0 ? (
        <Empty>{emptyMessage}</Empty>
      ) : (
        <ul className="article-list" aria-label={label}>
          {articles.map((article) => (
            <li key={article.slug}>
              <ArticlePreview article={article} onChange={replace} />
            </li>
          ))}
        </ul>
      )}
      <Pagination page={page} pageCount={pages} pageHref={pageHref} />
    </>
  );
}
