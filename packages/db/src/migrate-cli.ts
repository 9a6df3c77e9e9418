// Command line for migrations: reads DATABASE_URL, runs one command, sets the exit code.
//   deploy          apply pending migrations (safe to run from several replicas at once)
//   create <name>   write a migration for what schema.prisma adds to prisma/migrations
import { reportConfigError, urlForCommandLine } from '@headroom/config/local-stack';
import { applyMigrations, createMigration, MIGRATIONS_DIR } from './migrate.ts';

const USAGE = `usage: migrate-cli.ts deploy
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
    await applyMigrations({ databaseUrl, logger });
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
