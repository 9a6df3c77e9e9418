// Where a command a person types (`npm run jobs`, `db:migrate`, `db:seed`) connects when no URL
// is set: the local native stack that `npm start` runs. infra/native/services.sh computes its
// addresses, HEADROOM_*_PORT overrides included; this asks it, so the ports live in one place.
// Servers never fall back like this: a deployed process without its URL is a configuration error.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type EnvSource, InvalidEnvironmentError, withoutCredentials } from './load-env.ts';

const SERVICES_SCRIPT = fileURLToPath(
  new URL('../../../infra/native/services.sh', import.meta.url),
);

/** The URLs a command-line tool may take from the local stack, and the schemes each accepts. */
const URL_SCHEMES = {
  DATABASE_URL: { pattern: /^postgres(ql)?:\/\//, wanted: 'a postgresql:// URL' },
  REDIS_URL: { pattern: /^rediss?:\/\//, wanted: 'a redis:// URL' },
} as const;

export type LocalStackVariable = keyof typeof URL_SCHEMES;

/**
 * The native stack's own URL for `name` (`services.sh env --profile stack`): Postgres itself,
 * not PgBouncer, since migrations hold a session-level advisory lock.
 */
export function localStackUrl(name: LocalStackVariable, env: EnvSource): string {
  const printed = execFileSync('bash', [SERVICES_SCRIPT, 'env', '--profile', 'stack'], {
    env: { ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = new RegExp(`^${name}=(.+)$`, 'm').exec(printed)?.[1];
  if (url === undefined) throw new Error(`infra/native/services.sh env printed no ${name}`);
  return url;
}

/**
 * The URL a command-line tool uses: `name` from `env` when set, else the local stack's; either
 * way one line on stderr says which (credentials hidden). A malformed value throws
 * InvalidEnvironmentError naming the variable.
 */
export function urlForCommandLine(
  tool: string,
  name: LocalStackVariable,
  env: EnvSource,
  report: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): string {
  const given = env[name];
  if (given === undefined || given === '') {
    const url = localStackUrl(name, env);
    report(`${tool}: ${name} is not set; using the local stack's, ${withoutCredentials(url)}`);
    return url;
  }
  const { pattern, wanted } = URL_SCHEMES[name];
  if (!pattern.test(given) || !URL.canParse(given)) {
    throw new InvalidEnvironmentError([
      `${name}: must be ${wanted} (got "${withoutCredentials(given)}")`,
    ]);
  }
  report(`${tool}: using ${name}=${withoutCredentials(given)}`);
  return given;
}

/**
 * How a command-line tool reports a configuration error: one line per problem on stderr, no
 * stack trace, and exit code 2 (a usage error, as for an unknown flag).
 */
export function reportConfigError(tool: string, error: unknown): 2 {
  if (!(error instanceof InvalidEnvironmentError)) throw error;
  for (const problem of error.problems) process.stderr.write(`${tool}: ${problem}\n`);
  return 2;
}
