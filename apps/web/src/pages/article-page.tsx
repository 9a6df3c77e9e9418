// One article: its body rendered from Markdown, its tags, the author's actions (edit, delete)
// or a reader's (follow, favorite), and the comments.
import { useCallback } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { Article, Profile } from '../api/types.ts';
import { ArticleBody } from '../components/article-body.tsx';
import { ArticleMeta } from '../components/article-meta.tsx';
import { Comments } from '../components/comments.tsx';
import { FavoriteButton } from '../components/favorite-button.tsx';
import { FollowButton } from '../components/follow-button.tsx';
import { ActionError, ErrorNotice, Loading } from '../components/status.tsx';
import { TagList } from '../components/tag-list.tsx';
import { useAction } from '../hooks/use-action.ts';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { useRequest } from '../hooks/use-request.ts';
import { useSession } from '../session/session.tsx';

export function ArticlePage() {
  const slug = useParams().slug ?? '';
  const { api, user } = useSession();
  const { state, retry, update } = useRequest(`article:${slug}:${user?.username ?? ''}`, (signal) =>
    api.getArticle(slug, signal),
  );
  usePageTitle(state.status === 'loaded' ? state.data.title : 'Article');
  const replace = useCallback((changed: Article) => update(() => changed), [update]);
  const setAuthor = useCallback(
    (author: Profile) => update((article) => ({ ...article, author })),
    [update],
  );

  if (state.status === 'loading') {
    return (
      <div className="container page">
        <Loading what="the article" />
      </div>
    );
  }
  if (state.status === 'failed') {
    return (
      <div className="container page">
        <h1 className="page__title">Article</h1>
        <ErrorNotice error={state.error} onRetry={state.error.status === 404 ? undefined : retry} />
      </div>
    );
  }
  const article = state.data;
  return (
    <article>
      <header className="article-banner">
        <div className="container">
          <h1 className="article-banner__title">{article.title}</h1>
          <div className="article-banner__meta">
            <ArticleMeta article={article} />
            {article.author.username === user?.username ? (
              <AuthorActions slug={article.slug} />
            ) : (
              <>
                <FollowButton profile={article.author} onChange={setAuthor} />
                <FavoriteButton article={article} onChange={replace} variant="full" />
              </>
            )}
          </div>
        </div>
      </header>
      <div className="container page">
        <ArticleBody article={article} />
        <TagList tags={article.tagList} label="Tags" />
        <hr className="rule" />
        <Comments slug={article.slug} />
      </div>
    </article>
  );
}

function AuthorActions({ slug }: { slug: string }) {
  const { api } = useSession();
  const navigate = useNavigate();
  const remove = useCallback(async () => {
    if (!window.confirm('Delete this article? This cannot be undone.')) return;
    await api.deleteArticle(slug);
    navigate('/', { replace: true });
  }, [api, slug, navigate]);
  const deletion = useAction(remove);
  return (
    <span className="action">
      <Link
        className="button button--small button--outline-secondary"
        to={`/editor/${encodeURIComponent(slug)}`}
      >
        Edit article
      </Link>
      <button
        type="button"
        className="button button--small button--outline-danger"
        onClick={deletion.perform}
        disabled={deletion.pending}
      >
        Delete article
      </button>
      <ActionError error={deletion.error} />
    </span>
  );
}
