// The home page's tag cloud, in the API's order (most popular first).
import { Link } from 'react-router';
import { useRequest } from '../hooks/use-request.ts';
import { useSession } from '../session/session.tsx';
import { Empty, ErrorNotice, Loading } from './status.tsx';
import { tagHref } from './tag-list.tsx';

/** Tags shown: the head of the list. The seeded data has hundreds; a cloud of all helps nobody. */
export const POPULAR_TAGS_SHOWN = 20;

export function PopularTags() {
  const { api } = useSession();
  const { state, retry } = useRequest('tags', (signal) => api.getTags(signal));
  if (state.status === 'loading') return <Loading what="tags" />;
  if (state.status === 'failed') return <ErrorNotice error={state.error} onRetry={retry} />;
  if (state.data.length === 0) return <Empty>No tags yet.</Empty>;
  return (
    <ul className="tags tags--cloud">
      {state.data.slice(0, POPULAR_TAGS_SHOWN).map((tag) => (
        <li key={tag}>
          <Link className="tag tag--filled" to={tagHref(tag)}>
            {tag}
          </Link>
        </li>
      ))}
    </ul>
  );
}
