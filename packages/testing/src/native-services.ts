// The repo's private Postgres and Redis (infra/native/services.sh), driven from TypeScript:
// the vitest global set-up and the benchmarks start them and read their URLs through this;
// and the native stack's ports (infra/native/stack.sh ports), for scripts that reach one part
// directly. The ports are infra/topology/ports.txt's; asking the scripts applies the
// HEADROOM_* overrides and replica counts exactly as the running stack did.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type ServicesProfile = 'stack' | 'test' | 'e2e';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `services.sh <command> --profile <profile>` and returns what it printed. */
export function nativeServices(
  command: 'up' | 'down' | 'status' | 'env' | 'ports',
  profile: ServicesProfile,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return execFileSync('bash', ['infra/native/services.sh', command, '--profile', profile], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** `name port` lines, as both scripts' `ports` print them. */
function parsePorts(printed: string): Map<string, number> {
  return new Map(
    printed
      .trim()
      .split('\n')
      .map((line) => {
        const [name = '', port] = line.split(' ');
        return [name, Number(port)];
      }),
  );
}

/** The test profile's ports (Postgres, both Redis servers): it has no stack, only services. */
export function nativeServicePorts(
  profile: ServicesProfile,
  env: NodeJS.ProcessEnv = process.env,
): Map<string, number> {
  return parsePorts(nativeServices('ports', profile, env));
}

/** Every part of a native stack and its port (`edge`, `pgbouncer`, `api-1`, `postgres`, ...). */
export function nativeStackPorts(
  profile: Exclude<ServicesProfile, 'test'>,
  env: NodeJS.ProcessEnv = process.env,
): Map<string, number> {
  const printed = execFileSync('bash', ['infra/native/stack.sh', 'ports', '--profile', profile], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return parsePorts(printed);
}

/** One part's port in the stack profile; throws if the stack has no such part. */
export function nativeStackPort(part: string): number {
  const port = nativeStackPorts('stack').get(part);
  if (port === undefined) throw new Error(`infra/native/stack.sh ports printed no ${part}`);
  return port;
}

export function nativeServicesRunning(profile: ServicesProfile): boolean {
  return /^postgres\s+up/m.test(nativeServices('status', profile));
}

/** The profile's DATABASE_URL (its `headroom` database), REDIS_URL and CACHE_REDIS_URL. */
export function nativeServiceUrls(profile: ServicesProfile): {
  DATABASE_URL: string;
  REDIS_URL: string;
  CACHE_REDIS_URL: string;
} {
  const printed = nativeServices('env', profile);
  const value = (name: string) => {
    const found = new RegExp(`^${name}=(.*)$`, 'm').exec(printed)?.[1];
    if (!found) throw new Error(`infra/native/services.sh env printed no ${name}`);
    return found;
  };
  return {
    DATABASE_URL: value('DATABASE_URL'),
    REDIS_URL: value('REDIS_URL'),
    CACHE_REDIS_URL: value('CACHE_REDIS_URL'),
  };
}
