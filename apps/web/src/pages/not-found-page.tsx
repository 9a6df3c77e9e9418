// Any URL the site does not know. The origin answers every path with index.html (the SPA
// fallback), so unknown paths end here rather than at an nginx error page.
import { Link } from 'react-router';
import { usePageTitle } from '../hooks/use-page-title.ts';

export function NotFoundPage() {
  usePageTitle('Page not found');
  return (
    <div className="container page page--narrow">
      <h1 className="page__title">Page not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Go to the home page</Link>.
      </p>
    </div>
  );
}
