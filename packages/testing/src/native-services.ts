// The repo's private Postgres and Redis (infra/native/services.sh), driven from TypeScript:
// the vitest global set-up and the benchmarks start them and read their URLs through this.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type ServicesProfile = 'stack' | 'test' | 'e2e';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `services.sh <command> --profile <profile>` and returns what it printed. */
export function nativeServices(
  command: 'up' | 'down' | 'status' | 'env',
  profile: ServicesProfile,
): string {
  return execFileSync('bash', ['infra/native/services.sh', command, '--profile', profile], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

export function nativeServicesRunning(profile: ServicesProfile): boolean {
  return /^postgres\s+up/m.test(nativeServices('status', profile));
}

/** The profile's DATABASE_URL (its `headroom` database) and REDIS_URL. */
export function nativeServiceUrls(profile: ServicesProfile): {
  DATABASE_URL: string;
  REDIS_URL: string;
} {
  const printed = nativeServices('env', profile);
  const value = (name: string) => {
    const found = new RegExp(`^${name}=(.*)$`, 'm').exec(printed)?.[1];
    if (!found) throw new Error(`infra/native/services.sh env printed no ${name}`);
    return found;
  };
  return { DATABASE_URL: value('DATABASE_URL'), REDIS_URL: value('REDIS_URL') };
}
