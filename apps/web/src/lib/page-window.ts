// Which page numbers a pagination bar shows: always the first and the last, the current page
// with PAGE_WINDOW_RADIUS neighbours each side, and a gap wherever numbers are skipped. With
// 5,000 seeded articles there are 500 pages; listing them all would bury the bar.

export const PAGE_WINDOW_RADIUS = 2;

export type PageSlot = number | 'gap';

export function pageWindow(
  current: number,
  total: number,
  radius = PAGE_WINDOW_RADIUS,
): PageSlot[] {
  if (total <= 1) return total === 1 ? [1] : [];
  const from = Math.max(2, current - radius);
  const to = Math.min(total - 1, current + radius);
  const slots: PageSlot[] = [1];
  // A gap of one page shows that page instead: a "…" would take the same room.
  if (from === 3) slots.push(2);
  else if (from > 3) slots.push('gap');
  for (let page = from; page <= to; page += 1) slots.push(page);
  if (to === total - 2) slots.push(total - 1);
  else if (to < total - 2) slots.push('gap');
  slots.push(total);
  return slots;
}

/** The page number in a URL's `?page=`, 1 when absent or not a positive integer. */
export function pageFrom(params: URLSearchParams): number {
  const page = Number(params.get('page'));
  return Number.isInteger(page) && page >= 1 ? page : 1;
}

/**
 * How many numbered pages a list has: enough for every article, but no deeper than the API
 * pages by offset (`maxOffset`); a million articles make more pages than anyone clicks through.
 */
export function pageCount(articlesCount: number, perPage: number, maxOffset: number): number {
  return Math.min(Math.ceil(articlesCount / perPage), Math.floor(maxOffset / perPage) + 1);
}
