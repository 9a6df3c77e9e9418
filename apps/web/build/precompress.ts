// Writes a gzip (.gz) and a brotli (.br) twin next to every text file of the build, so the
// origin serves compressed bytes straight from disk (nginx gzip_static, and the brotli
// try_files in infra/nginx/web-origin.conf.template) instead of compressing per request.
// Maximum compression levels: they cost build time once, and every visitor gains.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'vite';

/** Formats that compress; images and fonts in modern formats are compressed already. */
export const COMPRESSIBLE_EXTENSIONS = new Set([
  '.html',
  '.js',
  '.css',
  '.svg',
  '.json',
  '.txt',
  '.webmanifest',
]);

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

export interface CompressedFile {
  path: string;
  bytes: number;
  gzipBytes: number | null;
  brotliBytes: number | null;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Compresses every compressible file under `dir`. A twin is only written when it is smaller
 * than the original: for a tiny file the headers cost more than they save, and without a twin
 * the origin simply serves the original.
 */
export async function precompressDirectory(dir: string): Promise<CompressedFile[]> {
  const files = (await listFiles(dir)).filter((path) => COMPRESSIBLE_EXTENSIONS.has(extname(path)));
  return Promise.all(
    files.map(async (path) => {
      const original = await readFile(path);
      const [gzipped, brotli] = await Promise.all([
        gzipAsync(original, { level: constants.Z_BEST_COMPRESSION }),
        brotliAsync(original, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
            [constants.BROTLI_PARAM_SIZE_HINT]: original.byteLength,
          },
        }),
      ]);
      const keep = async (compressed: Buffer, suffix: string) => {
        if (compressed.byteLength >= original.byteLength) return null;
        await writeFile(`${path}${suffix}`, compressed);
        return compressed.byteLength;
      };
      return {
        path,
        bytes: original.byteLength,
        gzipBytes: await keep(gzipped, '.gz'),
        brotliBytes: await keep(brotli, '.br'),
      };
    }),
  );
}

export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'headroom:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    // closeBundle runs after everything is on disk, public/ files included.
    async closeBundle(error) {
      if (error) return;
      const files = await precompressDirectory(outDir);
      this.info(`precompressed ${files.length} files (.gz and .br) in ${outDir}`);
    },
  };
}
