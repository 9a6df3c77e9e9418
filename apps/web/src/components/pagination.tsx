// Page links under a list of articles. Real links (?page=N), so every page has a URL that can
// be shared, bookmarked and opened in a new tab.
import { Link } from 'react-router';
import { pageWindow } from '../lib/page-window.ts';

export function Pagination({
  page,
  pageCount,
  pageHref,
}: {
  page: number;
  pageCount: number;
  pageHref: (page: number) => string;
}) {
  if (pageCount <= 1) return null;
  const slots = pageWindow(Math.min(page, pageCount), pageCount);
  return (
    <nav className="pagination" aria-label="Pages">
      <ul>
        {page > 1 && (
          <li>
            <Link to={pageHref(Math.min(page - 1, pageCount))} rel="prev">
              Previous
            </Link>
          </li>
        )}
        {slots.map((slot, index) =>
          slot === 'gap' ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: gaps have no identity but their place
            <li key={`gap-${index}`} className="pagination__gap" aria-hidden="true">
              …
            </li>
          ) : (
            <li key={slot}>
              <Link
                to={pageHref(slot)}
                aria-current={slot === page ? 'page' : undefined}
                aria-label={`Page ${slot}`}
              >
                {slot}
              </Link>
            </li>
          ),
        )}
        {page < pageCount && (
          <li>
            <Link to={pageHref(page + 1)} rel="next">
              Next
            </Link>
          </li>
        )}
      </ul>
    </nav>
  );
}
