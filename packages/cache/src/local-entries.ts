// Entries this process has already parsed, with the version they were read at: the
// application cache's first level (versioned-cache.ts). Redis still decides on every read
// whether an entry is current (its version must match), so this level can never serve a stale
// entry; what it saves is sending, decoding and parsing the data again (a page's cards were a
// third of a signed-in read's CPU: docs/capacity.md). Least recently used entries go first.

interface LocalEntry {
  version: string;
  value: unknown;
  /** Never kept longer than Redis keeps the entry (CACHE_TTL_SECONDS). */
  expiresAtMs: number;
}

export class LocalEntries {
  private readonly entries = new Map<string, LocalEntry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;

  constructor(maxEntries: number, ttlMs: number) {
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
  }

  /** The version held for `key`, or '' (none, or expired). */
  versionOf(key: string): string {
    const entry = this.entries.get(key);
    if (!entry) return '';
    if (entry.expiresAtMs <= Date.now()) {
      this.entries.delete(key);
      return '';
    }
    return entry.version;
  }

  /** The value held for `key` (and marks it recently used); call after versionOf said so. */
  take(key: string): unknown {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, version: string, value: unknown): void {
    if (this.maxEntries === 0 || version === '') return;
    this.entries.delete(key);
    this.entries.set(key, { version, value, expiresAtMs: Date.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
