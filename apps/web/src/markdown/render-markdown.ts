// Markdown to safe HTML, in the browser. Loaded on demand (a dynamic import from the article
// page): marked and DOMPurify together weigh about 26 kB gzipped, more than a quarter of the
// initial JavaScript budget, and only article pages need them.
import DOMPurify from 'dompurify';
import { marked } from 'marked';

/** An author's Markdown as HTML with scripts, event handlers and javascript: links removed. */
export function renderMarkdown(markdown: string): string {
  return DOMPurify.sanitize(marked.parse(markdown, { async: false, gfm: true }));
}
