// HTML the API rendered (the worker's `bodyHtml`) is sanitized again before it is shown: the
// page does not trust that every future server-side renderer gets sanitizing right.
// Kept apart from render-markdown.ts so that this path never downloads marked.
import DOMPurify from 'dompurify';

export function sanitizeHtml(html: string): string {
  return DOMPurify.sanitize(html);
}
