// Who wrote an article and when, linking to the author's profile, and how long it takes to read
// (once the worker has rendered it: null until then, and nothing is shown).
import { Link } from 'react-router';
import type { ArticleSummary } from '../api/types.ts';
import { Avatar } from './avatar.tsx';

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'long' });

export function formatDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}

export function ArticleMeta({
  article,
}: {
  article: Pick<ArticleSummary, 'author' | 'createdAt' | 'readingTimeMinutes'>;
}) {
  const { author, readingTimeMinutes } = article;
  return (
    <div className="meta">
      <Avatar username={author.username} image={author.image} />
      <div className="meta__text">
        <Link className="meta__author" to={`/profile/${encodeURIComponent(author.username)}`}>
          {author.username}
        </Link>
        <span className="meta__date">
          <time dateTime={article.createdAt}>{formatDate(article.createdAt)}</time>
          {readingTimeMinutes === null ? null : ` · ${readingTimeMinutes} min read`}
        </span>
      </div>
    </div>
  );
}
