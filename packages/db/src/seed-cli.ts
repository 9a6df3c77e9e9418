// Command line for the seed: reads DATABASE_URL (unset: the local stack's) and flags, seeds
// with a progress display on stderr, prints a summary on stdout.
// `npm run seed -w @headroom/db -- --users 200 --articles 2000 --reset`
import { parseArgs } from 'node:util';
import { reportConfigError, urlForCommandLine } from '@headroom/config/local-stack';
import type { SeedOptions } from './seed.ts';
import { DEFAULT_SEED_OPTIONS, DEMO_PASSWORD, seedDatabase } from './seed.ts';
import { createProgressDisplay, formatDuration } from './seed-progress.ts';

const defaults = DEFAULT_SEED_OPTIONS;
const USAGE = `usage: seed-cli.ts [options]     (DATABASE_URL: a migrated database; unset, the local stack's)
  --users N                   users (default ${defaults.users})
  --articles N                articles (default ${defaults.articles})
  --tags N                    tags (default ${defaults.tags})
  --follows-per-user X        average follows per user (default ${defaults.followsPerUser})
  --favorites-per-article X   average favorites per article (default ${defaults.favoritesPerArticle})
  --comments-per-article X    average comments per article (default ${defaults.commentsPerArticle})
  --seed N                    PRNG seed: the same seed gives the same data (default ${defaults.seed})
  --if-empty                  do nothing if the database already has users
  --reset                     empty every table first
Every user's password is "${DEMO_PASSWORD}".`;

/** Flag name -> option, and whether it must be a whole number. */
const NUMERIC_FLAGS = {
  users: ['users', true],
  articles: ['articles', true],
  tags: ['tags', true],
  'follows-per-user': ['followsPerUser', false],
  'favorites-per-article': ['favoritesPerArticle', false],
  'comments-per-article': ['commentsPerArticle', false],
  seed: ['seed', true],
} as const satisfies Record<string, readonly [keyof SeedOptions, boolean]>;

function parseOptions(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      ...Object.fromEntries(
        Object.keys(NUMERIC_FLAGS).map((flag) => [flag, { type: 'string' as const }]),
      ),
      'if-empty': { type: 'boolean', default: false },
      reset: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const options: Partial<SeedOptions> = {};
  const problems: string[] = [];
  for (const [flag, [option, whole]] of Object.entries(NUMERIC_FLAGS)) {
    const raw = (values as Record<string, unknown>)[flag];
    if (typeof raw !== 'string') continue;
    const value = Number(raw);
    if (
      raw.trim() === '' ||
      !Number.isFinite(value) ||
      value < 0 ||
      (whole && !Number.isInteger(value))
    ) {
      problems.push(`--${flag} must be a ${whole ? 'whole ' : ''}number >= 0, got "${raw}"`);
    } else {
      Object.assign(options, { [option]: value });
    }
  }
  return {
    options,
    problems,
    reset: values.reset === true,
    ifEmpty: values['if-empty'] === true,
    help: values.help === true,
  };
}

async function main(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(args);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    console.log(USAGE);
    return 0;
  }
  if (parsed.reset && parsed.ifEmpty) parsed.problems.push('--reset and --if-empty contradict');
  if (parsed.problems.length > 0) {
    console.error(`${parsed.problems.join('\n')}\n${USAGE}`);
    return 2;
  }
  let databaseUrl: string;
  try {
    databaseUrl = urlForCommandLine('seed', 'DATABASE_URL', process.env);
  } catch (error) {
    return reportConfigError('seed', error);
  }

  const progress = createProgressDisplay({ output: process.stderr });
  const result = await seedDatabase({
    databaseUrl,
    options: parsed.options,
    reset: parsed.reset,
    ifEmpty: parsed.ifEmpty,
    onProgress: progress.update,
  }).finally(progress.close);
  if (result.skipped) {
    console.log(`seed: skipped: ${result.reason}`);
    return 0;
  }
  const counts = Object.entries(result.counts)
    .map(([table, count]) => `${table} ${count.toLocaleString('en-US')}`)
    .join(', ');
  const phases = Object.entries(result.phaseMs)
    .map(([phase, ms]) => `${phase} ${formatDuration(ms)}`)
    .join(', ');
  console.log(`seed: ${counts} in ${formatDuration(result.elapsedMs)} (${phases})`);
  console.log(`seed: every user's password is "${DEMO_PASSWORD}"`);
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const { message } = error as Error;
  const hint = /relation "\w+" does not exist/.test(message) ? ' (run the migrations first)' : '';
  console.error(`seed failed: ${message}${hint}`);
  process.exitCode = 1;
}
