// Command line for migrations: reads DATABASE_URL, runs one command, sets the exit code.
//   deploy [--expand-only]   apply pending migrations (safe to run from several replicas at
//                   once); --expand-only applies nothing when one is a contract step (a deploy)
//   create <name>   write a migration for what schema.prisma adds to prisma/migrations
import { reportConfigError, urlForCommandLine } from '@headroom/config/local-stack';
import {
  applyMigrations,
  ContractStepRefusedError,
  createMigration,
  MIGRATIONS_DIR,
} from './migrate.ts';

const USAGE = `usage: migrate-cli.ts deploy [--expand-only]
       migrate-cli.ts create <name>
DATABASE_URL names the database (create also uses its server for a scratch database); unset,
the local stack's Postgres (npm start).`;

const logger = {
  info: (message: string) => console.log(`migrate: ${message}`),
  warn: (message: string) => console.warn(`migrate: ${message}`),
};

async function main(args: string[]): Promise<number> {
  // `npm run db:migrate -- --help` arrives as `deploy --help`.
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const [command, ...rest] = args;
  if (command !== 'deploy' && command !== 'create') {
    console.error(USAGE);
    return 2;
  }
  let databaseUrl: string;
  try {
    databaseUrl = urlForCommandLine('migrate', 'DATABASE_URL', process.env);
  } catch (error) {
    return reportConfigError('migrate', error);
  }

  if (command === 'deploy') {
    const expandOnly = rest.includes('--expand-only');
    const unknown = rest.filter((arg) => arg !== '--expand-only');
    if (unknown.length > 0) {
      console.error(`deploy does not take ${unknown.join(' ')}.\n${USAGE}`);
      return 2;
    }
    try {
      await applyMigrations({ databaseUrl, logger, expandOnly });
    } catch (error) {
      if (!(error instanceof ContractStepRefusedError)) throw error;
      console.error(`migrate: ${error.message}`);
      // 3, not 1: the deploy tells "refused by the rule" from "the migration failed".
      return 3;
    }
    return 0;
  }

  const name = rest.join(' ').trim();
  if (name === '') {
    console.error(`create needs a migration name.\n${USAGE}`);
    return 2;
  }
  const folder = await createMigration({ databaseUrl, name });
  console.log(
    folder === null
      ? 'migrate: no changes: schema.prisma matches the migrations'
      : `migrate: wrote ${MIGRATIONS_DIR}/${folder}/migration.sql (review it, then run deploy)`,
  );
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const { message, code } = error as Error & { code?: string };
  console.error(`migrate failed${code ? ` (${code})` : ''}: ${message}`);
  process.exitCode = 1;
}
