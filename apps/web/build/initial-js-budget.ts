// A performance budget the build enforces: the gzipped size of the JavaScript a first visit
// downloads before the page can render. That is the entry chunk and every chunk it imports
// statically, exactly what index.html loads; routes and libraries behind a dynamic import()
// (the markdown renderer, the editor) are fetched later and do not count.
// Over budget, the build fails, so a heavy dependency cannot slip into the first load unseen.
import { gzipSync } from 'node:zlib';
import type { Plugin, Rolldown } from 'vite';

export interface ChunkSize {
  fileName: string;
  gzipBytes: number;
}

export interface BudgetVerdict {
  totalGzipBytes: number;
  withinBudget: boolean;
  report: string;
}

/** The entry chunks and, transitively, every chunk they import statically. */
export function initialChunks(bundle: Rolldown.OutputBundle): Rolldown.OutputChunk[] {
  const chunks = new Map<string, Rolldown.OutputChunk>();
  const visit = (fileName: string) => {
    const output = bundle[fileName];
    if (output?.type !== 'chunk' || chunks.has(fileName)) return;
    chunks.set(fileName, output);
    for (const imported of output.imports) visit(imported);
  };
  for (const output of Object.values(bundle)) {
    if (output.type === 'chunk' && output.isEntry) visit(output.fileName);
  }
  return [...chunks.values()];
}

/** Level 9, as the build precompresses (build/precompress.ts): the bytes the origin serves. */
export function gzipSize(code: string): number {
  return gzipSync(code, { level: 9 }).byteLength;
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

export function budgetVerdict(sizes: ChunkSize[], maxGzipBytes: number): BudgetVerdict {
  const totalGzipBytes = sizes.reduce((sum, size) => sum + size.gzipBytes, 0);
  const lines = [...sizes]
    .sort((a, b) => b.gzipBytes - a.gzipBytes)
    .map((size) => `  ${kB(size.gzipBytes).padStart(9)}  ${size.fileName}`);
  return {
    totalGzipBytes,
    withinBudget: totalGzipBytes <= maxGzipBytes,
    report: [
      `initial JavaScript: ${kB(totalGzipBytes)} gzipped (budget ${kB(maxGzipBytes)})`,
      ...lines,
    ].join('\n'),
  };
}

export function initialJsBudget(options: { maxGzipBytes: number }): Plugin {
  return {
    name: 'headroom:initial-js-budget',
    apply: 'build',
    // writeBundle sees the final, minified code: the bytes that reach a browser.
    writeBundle(_outputOptions, bundle) {
      const sizes = initialChunks(bundle).map((chunk) => ({
        fileName: chunk.fileName,
        gzipBytes: gzipSize(chunk.code),
      }));
      if (sizes.length === 0) this.error('initial-js-budget: the bundle has no entry chunk');
      const verdict = budgetVerdict(sizes, options.maxGzipBytes);
      if (!verdict.withinBudget) {
        this.error(
          `${verdict.report}\nover budget: lazy-load what the first page does not need (see apps/web/README.md)`,
        );
      }
      this.info(verdict.report);
    },
  };
}
