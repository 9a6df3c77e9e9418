// An article body, markdown, to sanitized HTML, an excerpt and a reading time. Pure and
// synchronous: render-pool.ts runs it in worker threads with a time limit, since a body built
// to be slow (deeply nested lists, emphasis runs) would otherwise hold a worker's event loop.
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

const WORDS_PER_MINUTE = 230;
const EXCERPT_LENGTH = 200;

const markdown = new Marked({ gfm: true, breaks: false });

/** What an article body may contain once rendered: formatting, links, images; no scripts, styles or event handlers. */
const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'h1', 'h2', 'del'],
  allowedAttributes: {
    // `rel` is listed so the one transformTags sets survives: attributes are filtered after
    // the transform, and the author's own rel is overwritten by it.
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title'],
    code: ['class'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener' }) },
};

export interface RenderedArticle {
  bodyHtml: string;
  excerpt: string;
  readingTimeMinutes: number;
}

export function renderArticleBody(body: string): RenderedArticle {
  const bodyHtml = sanitizeHtml(markdown.parse(body, { async: false }), SANITIZE_OPTIONS);
  const text = sanitizeHtml(bodyHtml, { allowedTags: [], allowedAttributes: {} })
    .replace(/\s+/g, ' ')
    .trim();
  return summarise(bodyHtml, text);
}

function summarise(bodyHtml: string, text: string): RenderedArticle {
  const words = text === '' ? 0 : text.split(' ').length;
  const excerpt =
    text.length <= EXCERPT_LENGTH
      ? text
      : `${text.slice(0, EXCERPT_LENGTH).replace(/\s+\S*$/, '')}…`;
  return {
    bodyHtml,
    excerpt,
    readingTimeMinutes: Math.max(1, Math.round(words / WORDS_PER_MINUTE)),
  };
}

/**
 * What is stored when a body cannot be rendered in time or is over the size limit: its text,
 * escaped, a paragraph per blank-line-separated block. Readable and safe; no formatting.
 */
export function renderPlainText(body: string): RenderedArticle {
  const paragraphs = body
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter((block) => block !== '')
    .map((block) => `<p>${escapeHtml(block)}</p>`);
  return summarise(paragraphs.join('\n'), body.replace(/\s+/g, ' ').trim());
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
