// Rendering's size and time limits (rendering/render-pool.ts): a body built to be slow is
// abandoned at the time limit, its thread replaced, and stored as escaped plain text; a body
// over the size limit is never parsed; ordinary bodies render as before, in worker threads.
import { afterEach, describe, expect, it } from 'vitest';
import { createRenderPool, type RenderPool } from '../src/rendering/render-pool.ts';

/**
 * Markdown built to be slow: 40,000 unclosed emphasis openers, 80 KB, under the API's cap on a
 * body. Rendering it took marked + sanitize-html 13.4 s of one core on the reference machine,
 * against 119 ms for an ordinary body of 99 KB (docs/security.md, "Bounded growth").
 */
const SLOW_BODY = `${'_a'.repeat(40_000)} <script>x</script>`;
/** Nesting deep enough that the renderer overflows its stack and throws. */
const DEEP_BODY = `${'>'.repeat(20_000)} a`;

let pool: RenderPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('the render pool', () => {
  it('when a body is ordinary, then it is rendered to sanitized HTML in a thread', async () => {
    pool = createRenderPool({ maxBodyChars: 100_000, timeoutMs: 5_000, threads: 2 });
    const outcome = await pool.render('# Title\n\nSome **bold** text <script>alert(1)</script>');
    expect(outcome.kind).toBe('rendered');
    expect(outcome.rendered.bodyHtml).toContain('<strong>bold</strong>');
    expect(outcome.rendered.bodyHtml).not.toContain('<script');
  });

  it('when a body is built to be slow, then the render is abandoned at the time limit, the text stored escaped, and the next body still renders', async () => {
    pool = createRenderPool({ maxBodyChars: 100_000, timeoutMs: 200, threads: 1 });
    const slow = await pool.render(SLOW_BODY);
    expect(slow.kind).toBe('timed-out');
    expect(slow.rendered.bodyHtml.startsWith('<p>_a_a_a')).toBe(true);
    expect(slow.rendered.bodyHtml).toContain('&lt;script&gt;');
    expect(slow.rendered.bodyHtml).not.toContain('<script');
    expect(slow.rendered.readingTimeMinutes).toBeGreaterThanOrEqual(1);

    // The one thread was terminated and replaced: the pool keeps working.
    const next = await pool.render('*fine*');
    expect(next).toMatchObject({
      kind: 'rendered',
      rendered: { bodyHtml: '<p><em>fine</em></p>\n' },
    });
  });

  it('when a body makes the renderer throw, then it is stored as plain text rather than failing the job', async () => {
    pool = createRenderPool({ maxBodyChars: 100_000, timeoutMs: 5_000, threads: 1 });
    const outcome = await pool.render(DEEP_BODY);
    expect(outcome.kind).toBe('failed');
    expect(outcome.rendered.bodyHtml).toBe(`<p>${'&gt;'.repeat(20_000)} a</p>`);
  });

  it('when a body is over the size limit, then it is stored as plain text without being parsed', async () => {
    pool = createRenderPool({ maxBodyChars: 1_000, timeoutMs: 5_000, threads: 1 });
    const outcome = await pool.render(`**${'long '.repeat(300)}**\n\nsecond <b>block</b>`);
    expect(outcome.kind).toBe('too-long');
    expect(outcome.rendered.bodyHtml).toMatch(/^<p>\*\*long long/);
    expect(outcome.rendered.bodyHtml).toContain('<p>second &lt;b&gt;block&lt;/b&gt;</p>');
  });

  it('when more bodies arrive at once than there are threads, then each is rendered in turn', async () => {
    pool = createRenderPool({ maxBodyChars: 100_000, timeoutMs: 5_000, threads: 2 });
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, index) => pool!.render(`paragraph ${index}`)),
    );
    expect(outcomes.map((outcome) => outcome.rendered.bodyHtml)).toEqual(
      Array.from({ length: 6 }, (_, index) => `<p>paragraph ${index}</p>\n`),
    );
  });
});
