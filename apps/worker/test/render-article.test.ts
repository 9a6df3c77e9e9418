// What render-article stores for an article body: sanitized HTML (formatting and links stay;
// scripts, event handlers, inline styles and javascript: links go), a plain-text excerpt cut
// at a word, and a reading time of at least one minute.
import { describe, expect, it } from 'vitest';
import { renderArticleBody } from '../src/jobs/render-article.ts';

describe('renderArticleBody', () => {
  it('when the markdown has formatting, code and links, then they become HTML, with links marked nofollow', () => {
    const { bodyHtml } = renderArticleBody(
      '# Title\n\nSome **bold**, _italic_ and ~~gone~~ text.\n\n```ts\nconst x = 1;\n```\n\n[docs](https://example.com "Docs") ![alt](https://example.com/a.png)',
    );
    expect(bodyHtml).toContain('<h1>Title</h1>');
    expect(bodyHtml).toContain('<strong>bold</strong>');
    expect(bodyHtml).toContain('<em>italic</em>');
    expect(bodyHtml).toContain('<del>gone</del>');
    expect(bodyHtml).toContain('<pre><code class="language-ts">const x = 1;\n</code></pre>');
    expect(bodyHtml).toContain(
      '<a href="https://example.com" title="Docs" rel="nofollow noopener">docs</a>',
    );
    expect(bodyHtml).toContain('<img src="https://example.com/a.png" alt="alt" />');
  });

  it('when the markdown carries scripts, handlers, styles or javascript: links, then none of them survive', () => {
    const { bodyHtml, excerpt } = renderArticleBody(
      [
        'Before.',
        '',
        '<script>alert("script")</script>',
        '',
        '<img src="https://example.com/x.png" onerror="alert(\'img\')">',
        '<p style="color:red" onclick="alert(\'click\')">styled</p>',
        '<iframe src="https://evil.example"></iframe>',
        '',
        '[link](javascript:void0) <a href="data:text/html,hi">data</a>',
        '',
        '<a href="https://example.com" rel="opener">mine</a>',
      ].join('\n'),
    );
    expect(bodyHtml).not.toMatch(
      /<script|alert|\son\w+=|style=|<iframe|javascript:|data:|rel="opener"/,
    );
    expect(bodyHtml).toContain('<p>Before.</p>');
    expect(bodyHtml).toContain('<p>styled</p>');
    expect(bodyHtml).toContain('<a rel="nofollow noopener">link</a>');
    expect(bodyHtml).toContain('<a href="https://example.com" rel="nofollow noopener">mine</a>');
    expect(excerpt).not.toContain('alert');
  });

  it('when the body is long, then the excerpt is its first 200 characters of text, cut at a word, with an ellipsis', () => {
    const words = Array.from({ length: 600 }, (_, index) => `word${index}`);
    const { excerpt, readingTimeMinutes } = renderArticleBody(`## Heading\n\n${words.join(' ')}`);
    expect(excerpt.startsWith('Heading word0 word1')).toBe(true);
    expect(excerpt.endsWith('…')).toBe(true);
    expect(excerpt.length).toBeLessThanOrEqual(201);
    expect(excerpt.slice(0, -1)).toMatch(/word\d+$/);
    // 601 words at 230 words a minute.
    expect(readingTimeMinutes).toBe(3);
  });

  it('when the body is short or empty, then the excerpt is the whole text and the reading time is one minute', () => {
    expect(renderArticleBody('Just *a few* words.')).toEqual({
      bodyHtml: '<p>Just <em>a few</em> words.</p>\n',
      excerpt: 'Just a few words.',
      readingTimeMinutes: 1,
    });
    expect(renderArticleBody('')).toEqual({ bodyHtml: '', excerpt: '', readingTimeMinutes: 1 });
  });
});
