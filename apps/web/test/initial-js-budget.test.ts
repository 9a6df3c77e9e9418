import type { Rolldown } from 'vite';
import { describe, expect, it } from 'vitest';
import { budgetVerdict, initialChunks } from '../build/initial-js-budget.ts';

function chunk(fileName: string, options: { isEntry?: boolean; imports?: string[] } = {}) {
  return {
    type: 'chunk',
    fileName,
    isEntry: options.isEntry ?? false,
    imports: options.imports ?? [],
    code: '',
  } as unknown as Rolldown.OutputChunk;
}

describe('initialChunks', () => {
  it('when the entry imports chunks statically, then those count, and dynamic imports do not', () => {
    const bundle = {
      'index.js': chunk('index.js', { isEntry: true, imports: ['framework.js', 'shared.js'] }),
      'framework.js': chunk('framework.js'),
      'shared.js': chunk('shared.js', { imports: ['framework.js'] }),
      'article-page.js': chunk('article-page.js', { imports: ['shared.js', 'markdown.js'] }),
      'markdown.js': chunk('markdown.js'),
      'index.css': { type: 'asset', fileName: 'index.css' },
    } as unknown as Rolldown.OutputBundle;

    expect(initialChunks(bundle).map((output) => output.fileName)).toEqual([
      'index.js',
      'framework.js',
      'shared.js',
    ]);
  });
});

describe('budgetVerdict', () => {
  const sizes = [
    { fileName: 'framework.js', gzipBytes: 80_000 },
    { fileName: 'index.js', gzipBytes: 6_000 },
  ];

  it('when the initial JavaScript fits, then the build may go on and the report lists each file', () => {
    const verdict = budgetVerdict(sizes, 100_000);
    expect(verdict.withinBudget).toBe(true);
    expect(verdict.totalGzipBytes).toBe(86_000);
    expect(verdict.report).toMatch(/initial JavaScript: 86\.0 kB gzipped \(budget 100\.0 kB\)/);
    expect(verdict.report).toMatch(/80\.0 kB {2}framework\.js\n.*6\.0 kB {2}index\.js/);
  });

  it('when it is one byte over, then the verdict is over budget', () => {
    expect(budgetVerdict(sizes, 85_999).withinBudget).toBe(false);
  });
});
