// Favorite or unfavorite an article; the count shown is the API's answer, never a guess.
import { useCallback } from 'react';
import type { Article, ArticleSummary } from '../api/types.ts';
import { useAction } from '../hooks/use-action.ts';
import { useSignInFirst } from '../hooks/use-sign-in-first.ts';
import { useSession } from '../session/session.tsx';
import { HeartIcon } from './icons.tsx';
import { ActionError } from './status.tsx';

export function FavoriteButton({
  article,
  onChange,
  variant,
}: {
  article: ArticleSummary;
  onChange: (article: Article) => void;
  /** compact: icon and count (lists); full: with words (the article page). */
  variant: 'compact' | 'full';
}) {
  const { user, api } = useSession();
  const signInFirst = useSignInFirst();
  const { slug, favorited, favoritesCount, title } = article;
  const toggle = useCallback(
    async () => onChange(favorited ? await api.unfavorite(slug) : await api.favorite(slug)),
    [api, slug, favorited, onChange],
  );
  const action = useAction(toggle);
  const verb = favorited ? 'Unfavorite' : 'Favorite';

  return (
    <span className="action">
      <button
        type="button"
        className={`button button--small ${favorited ? 'button--primary' : 'button--outline'}`}
        onClick={user ? action.perform : signInFirst}
        disabled={action.pending}
      >
        <HeartIcon />
        {variant === 'compact' ? (
          <>
            <span className="visually-hidden">
              {verb} “{title}”, favorited by
            </span>
            <span className="count">{favoritesCount}</span>
          </>
        ) : (
          <>
            {verb} article <span className="count">({favoritesCount})</span>
          </>
        )}
      </button>
      <ActionError error={action.error} />
    </span>
  );
}
