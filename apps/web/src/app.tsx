// Every URL of the site (the RealWorld front-end's routing: https://realworld-docs.netlify.app,
// https://github.com/gothinkster/realworld) and the page that serves it. The home page is part
// of the first download; every other page is its own chunk, loaded when first visited, which is
// what keeps the initial JavaScript under its budget.
import { lazy } from 'react';
import { Route, Routes, useParams } from 'react-router';
import { Layout } from './components/layout.tsx';
import { RequireAuth } from './components/require-auth.tsx';
import { HomePage } from './pages/home-page.tsx';

const AuthPage = lazy(() => import('./pages/auth-page.tsx').then((m) => ({ default: m.AuthPage })));
const SettingsPage = lazy(() =>
  import('./pages/settings-page.tsx').then((m) => ({ default: m.SettingsPage })),
);
const EditorPage = lazy(() =>
  import('./pages/editor-page.tsx').then((m) => ({ default: m.EditorPage })),
);
const ArticlePage = lazy(() =>
  import('./pages/article-page.tsx').then((m) => ({ default: m.ArticlePage })),
);
const ProfilePage = lazy(() =>
  import('./pages/profile-page.tsx').then((m) => ({ default: m.ProfilePage })),
);
const VerifyEmailPage = lazy(() =>
  import('./pages/verify-email-page.tsx').then((m) => ({ default: m.VerifyEmailPage })),
);
const NotFoundPage = lazy(() =>
  import('./pages/not-found-page.tsx').then((m) => ({ default: m.NotFoundPage })),
);

/** A new editor for every slug: going from editing one article to "New article" starts blank. */
function Editor() {
  const { slug } = useParams();
  return (
    <RequireAuth>
      <EditorPage key={slug ?? ''} slug={slug ?? null} />
    </RequireAuth>
  );
}

export function App() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<HomePage />} />
        <Route path="login" element={<AuthPage mode="login" />} />
        <Route path="register" element={<AuthPage mode="register" />} />
        <Route
          path="settings"
          element={
            <RequireAuth>
              <SettingsPage />
            </RequireAuth>
          }
        />
        <Route path="editor" element={<Editor />} />
        <Route path="editor/:slug" element={<Editor />} />
        <Route path="article/:slug" element={<ArticlePage />} />
        <Route path="profile/:username" element={<ProfilePage tab="articles" />} />
        <Route path="profile/:username/favorites" element={<ProfilePage tab="favorites" />} />
        <Route path="verify-email" element={<VerifyEmailPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
