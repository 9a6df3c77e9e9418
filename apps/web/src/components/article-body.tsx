// An article's body as HTML: the API's own rendering (`bodyHtml`) when it has one, otherwise
// the Markdown rendered here. Both paths go through DOMPurify before reaching the page.
import { useEffect, useState } from 'react';
import type { Article } from '../api/types.ts';
import { Loading } from './status.tsx';

type Rendering = { status: 'rendering' } | { status: 'ready'; html: string } | { status: 'failed' };

async function toSafeHtml(article: Pick<Article, 'body' | 'bodyHtml'>): Promise<string> {
  if (article.bodyHtml) {
    const { sanitizeHtml } = await import('../markdown/sanitize-html.ts');
    return sanitizeHtml(article.bodyHtml);
  }
  const { renderMarkdown } = await import('../markdown/render-markdown.ts');
  return renderMarkdown(article.body);
}

export function ArticleBody({ article }: { article: Pick<Article, 'body' | 'bodyHtml'> }) {
  const { body, bodyHtml } = article;
  const [rendering, setRendering] = useState<Rendering>({ status: 'rendering' });

  useEffect(() => {
    let current = true;
    setRendering({ status: 'rendering' });
    toSafeHtml({ body, bodyHtml }).then(
      (html) => current && setRendering({ status: 'ready', html }),
      (error: unknown) => {
        console.error('article body could not be rendered', error);
        if (current) setRendering({ status: 'failed' });
      },
    );
    return () => {
      current = false;
    };
  }, [body, bodyHtml]);

  if (rendering.status === 'rendering') return <Loading what="the article" />;
  // The renderer could not be downloaded: the Markdown itself is still readable.
  if (rendering.status === 'failed') return <pre className="article-body--plain">{body}</pre>;
  return (
    <div
      className="prose"
      // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized by DOMPurify in toSafeHtml
      dangerouslySetInnerHTML={{ __html: rendering.html }}
    />
  );
}
