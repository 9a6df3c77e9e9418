import { describe, expect, it } from 'vitest';
import { createProgressDisplay, formatDuration, type SeedProgress } from '../src/seed-progress.ts';

/** A display writing into a string, on a clock the test moves. */
function displayAt(interactive: boolean) {
  let text = '';
  let nowMs = 0;
  const display = createProgressDisplay({
    output: { write: (chunk: string) => (text += chunk) },
    interactive,
    logIntervalMs: 5_000,
    now: () => nowMs,
  });
  return {
    at(ms: number, progress: SeedProgress) {
      nowMs = ms;
      display.update(progress);
    },
    close: () => display.close(),
    text: () => text,
  };
}

const CLEAR_TO_END_OF_LINE = '\x1b[K';

const articles = (done: number): SeedProgress => ({
  phase: 'articles',
  unit: 'articles',
  done,
  total: 1_000_000,
  rows: { articles: done, favorites: done * 5 },
});

describe('the seed progress display', () => {
  it('when writing to a log, then it prints a line every interval, never redraws, and shows rate and ETA', () => {
    const display = displayAt(false);
    for (let second = 0; second <= 12; second++)
      display.at(second * 1000, articles(second * 10_000));

    const lines = display.text().split('\n').filter(Boolean);
    expect(display.text()).not.toContain('\r');
    expect(lines).toEqual([
      'seed: articles 50,000/1,000,000 articles (5%)  10,000/s  ETA 1m 35s  rows: articles 50,000, favorites 250,000',
      'seed: articles 100,000/1,000,000 articles (10%)  10,000/s  ETA 1m 30s  rows: articles 100,000, favorites 500,000',
    ]);
  });

  it('when writing to a terminal, then one line updates in place and a finished phase keeps its line', () => {
    const display = displayAt(true);
    display.at(0, { phase: 'users', unit: 'users', done: 0, total: 2_000 });
    display.at(50, { phase: 'users', unit: 'users', done: 1_000, total: 2_000 }); // too soon: skipped
    display.at(500, { phase: 'users', unit: 'users', done: 1_500, total: 2_000 });
    display.at(1_000, { phase: 'users', unit: 'users', done: 2_000, total: 2_000 });
    display.at(1_000, articles(0));
    display.at(3_000, articles(20_000));
    display.close();

    // Each line: frames that start with a carriage return and end by clearing the rest.
    const lines = display.text().split('\n');
    const frames = lines.map((line) =>
      line
        .split('\r')
        .filter(Boolean)
        .map((frame) => frame.replace(CLEAR_TO_END_OF_LINE, '')),
    );
    expect(lines.every((line) => line === '' || line.endsWith(CLEAR_TO_END_OF_LINE))).toBe(true);
    expect(frames).toEqual([
      [
        'seed: users    0/2,000 users (0%)  0/s  ETA ?',
        'seed: users    1,500/2,000 users (75%)  3,000/s  ETA 0.2 s',
        'seed: users    2,000/2,000 users (100%)  2,000/s  in 1.0 s',
      ],
      [
        'seed: articles 0/1,000,000 articles (0%)  0/s  ETA ?  rows: articles 0, favorites 0',
        'seed: articles 20,000/1,000,000 articles (2%)  10,000/s  ETA 1m 38s  rows: articles 20,000, favorites 100,000',
      ],
      [],
    ]);
  });

  it('when a phase has nothing to do, then it is reported done at once', () => {
    const display = displayAt(true);
    display.at(0, { phase: 'articles', unit: 'articles', done: 0, total: 0 });

    expect(display.text()).toContain('0/0 articles (100%)');
    expect(display.text().endsWith('\n')).toBe(true);
  });

  it('when a duration is under a minute, then it reads in seconds; above, in minutes and seconds', () => {
    expect(formatDuration(4_210)).toBe('4.2 s');
    expect(formatDuration(187_000)).toBe('3m 07s');
  });
});
