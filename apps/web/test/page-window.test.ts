import { describe, expect, it } from 'vitest';
import { pageCount, pageFrom, pageWindow } from '../src/lib/page-window.ts';

describe('pageWindow', () => {
  it('when there are few pages, then all of them are shown', () => {
    expect(pageWindow(1, 0)).toEqual([]);
    expect(pageWindow(1, 1)).toEqual([1]);
    expect(pageWindow(2, 5)).toEqual([1, 2, 3, 4, 5]);
  });

  it('when there are many pages, then the ends and the neighbours of the current page are shown', () => {
    expect(pageWindow(1, 500)).toEqual([1, 2, 3, 'gap', 500]);
    expect(pageWindow(250, 500)).toEqual([1, 'gap', 248, 249, 250, 251, 252, 'gap', 500]);
    expect(pageWindow(500, 500)).toEqual([1, 'gap', 498, 499, 500]);
  });

  it('when a gap would hide a single page, then that page is shown instead', () => {
    expect(pageWindow(5, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 'gap', 10]);
    expect(pageWindow(6, 10)).toEqual([1, 'gap', 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('pageFrom', () => {
  it('when ?page= is not a positive integer, then it is page 1', () => {
    for (const query of ['', 'page=0', 'page=-2', 'page=1.5', 'page=abc']) {
      expect(pageFrom(new URLSearchParams(query))).toBe(1);
    }
    expect(pageFrom(new URLSearchParams('page=7'))).toBe(7);
  });
});

describe('pageCount', () => {
  it('when the articles fit within the deepest offset, then there is a page for every one', () => {
    expect(pageCount(0, 10, 10_000)).toBe(0);
    expect(pageCount(21, 10, 10_000)).toBe(3);
  });

  it('when there are more articles than the API pages by offset, then the last page is the deepest it serves', () => {
    expect(pageCount(1_000_000, 10, 1_000)).toBe(101);
  });
});
