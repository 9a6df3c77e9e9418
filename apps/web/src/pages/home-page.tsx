// The home page: the global feed, "Your feed" for signed-in readers, a tag filter, and the
// popular tags. Everything the page shows is in its URL (?feed=following, ?tag=, ?page=).
import { Link, useSearchParams } from 'react-router';
import { ArticleFeed, type ArticleSource } from '../components/article-feed.tsx';
import { PopularTags } from '../components/popular-tags.tsx';
import { tagHref } from '../components/tag-list.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { pageFrom } from '../lib/page-window.ts';
import { useSession } from '../session/session.tsx';

type Tab = { kind: 'following' } | { kind: 'global' } | { kind: 'tag'; tag: string };

function tabOf(params: URLSearchParams, signedIn: boolean): Tab {
  const tag = params.get('tag');
  if (tag) return { kind: 'tag', tag };
  if (signedIn && params.get('feed') === 'following') return { kind: 'following' };
  return { kind: 'global' };
}

const FEED_HREF = '/?feed=following';

export function HomePage() {
  const { user } = useSession();
  const [params] = useSearchParams();
  const tab = tabOf(params, user !== null);
  const page = pageFrom(params);
  usePageTitle(tab.kind === 'tag' ? `Articles tagged ${tab.tag}` : null);

  const pageHref = (target: number) => {
    const next = new URLSearchParams(params);
    if (target === 1) next.delete('page');
    else next.set('page', String(target));
    const query = next.toString();
    return query ? `/?${query}` : '/';
  };

  const source: ArticleSource =
    tab.kind === 'following' ? { feed: 'following' } : tab.kind === 'tag' ? { tag: tab.tag } : {};
  const listName =
    tab.kind === 'following'
      ? 'Your feed'
      : tab.kind === 'tag'
        ? `Articles tagged ${tab.tag}`
        : 'Global feed';

  return (
    <>
      {user ? (
        <h1 className="visually-hidden">Conduit home</h1>
      ) : (
        <section className="banner">
          <div className="container">
            <h1 className="banner__title">conduit</h1>
            <p className="banner__tagline">A place to share your knowledge.</p>
          </div>
        </section>
      )}
      <div className="container page home">
        <section className="home__feed" aria-label="Articles">
          <nav className="tabs" aria-label="Feeds">
            <ul>
              {user && (
                <li>
                  <Link to={FEED_HREF} aria-current={tab.kind === 'following' ? 'page' : undefined}>
                    Your feed
                  </Link>
                </li>
              )}
              <li>
                <Link to="/" aria-current={tab.kind === 'global' ? 'page' : undefined}>
                  Global feed
                </Link>
              </li>
              {tab.kind === 'tag' && (
                <li>
                  <Link to={tagHref(tab.tag)} aria-current="page">
                    <span aria-hidden="true">#</span>
                    {tab.tag}
                  </Link>
                </li>
              )}
            </ul>
          </nav>
          <ArticleFeed
            source={source}
            page={page}
            pageHref={pageHref}
            label={listName}
            emptyMessage={
              tab.kind === 'following'
                ? 'No articles yet. Follow authors and their new articles appear here.'
                : 'No articles are here yet.'
            }
          />
        </section>
        <aside className="home__aside" aria-labelledby="popular-tags">
          <h2 id="popular-tags" className="aside__title">
            Popular tags
          </h2>
          <PopularTags />
        </aside>
      </div>
    </>
  );
}
