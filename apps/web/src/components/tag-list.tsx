// An article's tags, each a link to the home page filtered by that tag.
import { Link } from 'react-router';

export function tagHref(tag: string): string {
  return `/?${new URLSearchParams({ tag })}`;
}

export function TagList({ tags, label }: { tags: string[]; label: string }) {
  if (tags.length === 0) return null;
  return (
    <ul className="tags" aria-label={label}>
      {tags.map((tag) => (
        <li key={tag}>
          <Link className="tag" to={tagHref(tag)}>
            {tag}
          </Link>
        </li>
      ))}
    </ul>
  );
}
