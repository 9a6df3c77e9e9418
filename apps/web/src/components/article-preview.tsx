// One article in a list: author, favorite button, title, description, tags.
import { Link } from 'react-router';
import type { Article, ArticleSummary } from '../api/types.ts';
import { ArticleMeta } from './article-meta.tsx';
import { FavoriteButton } from './favorite-button.tsx';
import { TagList } from './tag-list.tsx';

export function ArticlePreview({
  article,
  onChange,
}: {
  article: ArticleSummary;
  onChange: (article: Article) => void;
}) {
  const href = `/article/${encodeURIComponent(article.slug)}`;
  return (
    <article className="preview">
      <header className="preview__header">
        <ArticleMeta article={article} />
        <FavoriteButton article={article} onChange={onChange} variant="compact" />
      </header>
      <h2 className="preview__title">
        <Link to={href}>{article.title}</Link>
      </h2>
      <p className="preview__description">{article.description}</p>
      <footer className="preview__footer">
        <TagList tags={article.tagList} label={`Tags of “${article.title}”`} />
      </footer>
    </article>
  );
}
