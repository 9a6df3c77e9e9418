// For the suites that run load-test entry files end to end: a real API process over a small
// seeded scratch database, a scratch folder for the results files, and an entry file run as a
// person runs it (tsx, from the repository root).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { applyMigrations } from '@headroom/db/migrate';
import { seedDatabase } from '@headroom/db/seed';
import { apiTestEnv } from '@headroom/testing/api-env';
import { type ApiProcess, startApiProcess } from '@headroom/testing/processes';
import { createScratchDatabase } from '@headroom/testing/scratch-database';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const execFileAsync = promisify(execFile);

/**
 * Enough rows for every request a mix or a single-endpoint run makes: tags, pages of articles,
 * authors to log in as, follows for feeds.
 */
export const SMALL_SEED = {
  users: 20,
  articles: 150,
  tags: 12,
  followsPerUser: 3,
  favoritesPerArticle: 2,
  commentsPerArticle: 2,
};

export interface SeededApi {
  api: ApiProcess;
  /** The scratch database the API serves (data-growth.ts counts its users). */
  databaseUrl: string;
  /** A folder of the suite's own, removed by stop(). */
  outDir: string;
  stop(): Promise<void>;
}

/** `name` names the scratch database and folder; `adminDatabaseUrl` is vitest's inject. */
export async function startSeededApi(name: string, adminDatabaseUrl: string): Promise<SeededApi> {
  const database = await createScratchDatabase(adminDatabaseUrl, name);
  await applyMigrations({ databaseUrl: database.url });
  await seedDatabase({ databaseUrl: database.url, options: SMALL_SEED });
  const api = await startApiProcess(apiTestEnv({ DATABASE_URL: database.url }));
  const outDir = await mkdtemp(path.join(os.tmpdir(), `headroom-${name}-`));
  return {
    api,
    databaseUrl: database.url,
    outDir,
    async stop() {
      await api.stop();
      await database.drop();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

/** An entry file with its arguments; rejects with the exit code, stdout and stderr on failure. */
export function runEntryFile(file: string, args: readonly string[]) {
  return execFileAsync(process.execPath, ['--import', 'tsx', file, ...args], { cwd: repoRoot });
}
