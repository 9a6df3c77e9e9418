// A user's profile: picture, bio, follow button (or a link to settings on your own), and two
// lists: the articles they wrote (/profile/:username) and those they favorited (/favorites).
import { useCallback } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { Profile } from '../api/types.ts';
import { ArticleFeed } from '../components/article-feed.tsx';
import { Avatar } from '../components/avatar.tsx';
import { FollowButton } from '../components/follow-button.tsx';
import { ErrorNotice, Loading } from '../components/status.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { useRequest } from '../hooks/use-request.ts';
import { pageFrom } from '../lib/page-window.ts';
import { useSession } from '../session/session.tsx';

export function ProfilePage({ tab }: { tab: 'articles' | 'favorites' }) {
  const username = useParams().username ?? '';
  const [params] = useSearchParams();
  const page = pageFrom(params);
  const { api, user } = useSession();
  const { state, retry, update } = useRequest(
    `profile:${username}:${user?.username ?? ''}`,
    (signal) => api.getProfile(username, signal),
  );
  const setProfile = useCallback((profile: Profile) => update(() => profile), [update]);
  usePageTitle(tab === 'favorites' ? `Articles favorited by ${username}` : username);

  const base = `/profile/${encodeURIComponent(username)}`;
  const listPath = tab === 'favorites' ? `${base}/favorites` : base;
  const pageHref = (target: number) => (target === 1 ? listPath : `${listPath}?page=${target}`);
  const own = user?.username === username;

  return (
    <>
      <header className="profile-banner">
        <div className="container">
          {state.status === 'loading' && <Loading what="the profile" />}
          {state.status === 'failed' && (
            <>
              <h1 className="profile-banner__name">{username}</h1>
              <ErrorNotice
                error={state.error}
                onRetry={state.error.status === 404 ? undefined : retry}
              />
            </>
          )}
          {state.status === 'loaded' && (
            <>
              <Avatar username={state.data.username} image={state.data.image} size="large" />
              <h1 className="profile-banner__name">{state.data.username}</h1>
              {state.data.bio && <p className="profile-banner__bio">{state.data.bio}</p>}
              <div className="profile-banner__actions">
                {own ? (
                  <Link className="button button--small button--outline-secondary" to="/settings">
                    Edit profile settings
                  </Link>
                ) : (
                  <FollowButton profile={state.data} onChange={setProfile} />
                )}
              </div>
            </>
          )}
        </div>
      </header>
      {state.status !== 'failed' && (
        <div className="container page">
          <nav className="tabs" aria-label="Articles of this profile">
            <ul>
              <li>
                <Link to={base} aria-current={tab === 'articles' ? 'page' : undefined}>
                  {own ? 'My articles' : 'Articles'}
                </Link>
              </li>
              <li>
                <Link
                  to={`${base}/favorites`}
                  aria-current={tab === 'favorites' ? 'page' : undefined}
                >
                  Favorited articles
                </Link>
              </li>
            </ul>
          </nav>
          <ArticleFeed
            source={tab === 'favorites' ? { favorited: username } : { author: username }}
            page={page}
            pageHref={pageHref}
            label={
              tab === 'favorites' ? `Articles favorited by ${username}` : `Articles by ${username}`
            }
            emptyMessage={
              tab === 'favorites'
                ? `${username} has not favorited any articles yet.`
                : `${username} has not written any articles yet.`
            }
          />
        </div>
      )}
    </>
  );
}
