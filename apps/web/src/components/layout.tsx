// The frame around every page: a skip link, the header with navigation, the page itself, and
// the footer. On every move to another page, focus goes to the page's content, so keyboard and
// screen reader users start reading there rather than at the top of a header they just used.
import { type ReactNode, Suspense, useEffect, useRef } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { useSession } from '../session/session.tsx';
import { Avatar } from './avatar.tsx';
import { PageErrorBoundary } from './error-boundary.tsx';
import { Loading } from './status.tsx';

function HeaderLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <li>
      <NavLink className="nav__link" to={to} end>
        {children}
      </NavLink>
    </li>
  );
}

export function Layout() {
  const { user } = useSession();
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const shownPath = useRef(pathname);

  useEffect(() => {
    if (shownPath.current === pathname) return;
    shownPath.current = pathname;
    window.scrollTo(0, 0);
    main.current?.focus();
  }, [pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="container site-header__inner">
          <Link className="brand" to="/">
            conduit
          </Link>
          <nav aria-label="Main">
            <ul className="nav">
              <HeaderLink to="/">Home</HeaderLink>
              {user ? (
                <>
                  <HeaderLink to="/editor">New article</HeaderLink>
                  <HeaderLink to="/settings">Settings</HeaderLink>
                  <li>
                    <NavLink
                      className="nav__link nav__link--profile"
                      to={`/profile/${encodeURIComponent(user.username)}`}
                      end
                    >
                      <Avatar username={user.username} image={user.image} />
                      {user.username}
                    </NavLink>
                  </li>
                </>
              ) : (
                <>
                  <HeaderLink to="/login">Sign in</HeaderLink>
                  <HeaderLink to="/register">Sign up</HeaderLink>
                </>
              )}
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <PageErrorBoundary key={pathname}>
          <Suspense
            fallback={
              <div className="container page">
                <Loading what="page" />
              </div>
            }
          >
            <Outlet />
          </Suspense>
        </PageErrorBoundary>
      </main>
      <footer className="site-footer">
        <div className="container">
          <Link className="brand brand--small" to="/">
            conduit
          </Link>{' '}
          <span>
            An example of the <a href="https://realworld-docs.netlify.app/">RealWorld</a> spec,
            served from a CDN edge.
          </span>
        </div>
      </footer>
    </>
  );
}
