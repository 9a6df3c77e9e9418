// URL slugs from titles: "How to Train Your Dragon!" -> "how-to-train-your-dragon".
// The rule for the articles.slug column, shared by its two writers: the API and the seed.
// Two articles may share a title; the second gets a random suffix (see the API's
// articles.service; the seed draws its suffixes from its own seeded random numbers).
import { randomBytes } from 'node:crypto';

const MAX_SLUG_BASE_LENGTH = 80;

export function slugify(title: string): string {
  const base = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{Letter}\p{Number}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_BASE_LENGTH)
    .replace(/-+$/, '');
  return base === '' ? 'article' : base;
}

/** 6 base-36 characters: ~2 billion values, so a second collision is vanishingly rare. */
export function withRandomSuffix(slug: string): string {
  const suffix = randomBytes(4).readUInt32BE(0).toString(36).padStart(6, '0').slice(-6);
  return `${slug}-${suffix}`;
}
