// The queues' Redis with no single point of failure, of a test's own: a primary, a replica of
// it and three Sentinels (quorum 2) watching them, on free ports, with the Sentinel settings
// the native stack uses (infra/redis-sentinel/sentinel.conf). For the failover test
// (load-tests/faults/redis-failover.fault.test.ts), which kills the primary; never the shared
// test profile's Redis.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot } from './processes.ts';
import { type PrivateRedis, startPrivateRedis } from './redis-server.ts';

/** The name the Sentinels monitor the primary under, as natively and on Kubernetes. */
export const SENTINEL_MASTER_NAME = 'queue';
/** Sentinels find each other and the replica through the primary every 2 s; a few rounds. */
const DISCOVERY_DEADLINE_MS = 20_000;

export interface PrivateSentinelRedis {
  /** The apps' variables: REDIS_SENTINELS, REDIS_SENTINEL_NAME and REDIS_PASSWORD. */
  env: Record<'REDIS_SENTINELS' | 'REDIS_SENTINEL_NAME' | 'REDIS_PASSWORD', string>;
  password: string;
  /** The two Redis servers: the first starts as the primary, the second as its replica. */
  servers: [PrivateRedis, PrivateRedis];
  /** The port of the primary the Sentinels name now. */
  primaryPort: () => Promise<number>;
  /** The server on `port`, and whether it says it is a primary or a replica. */
  role: (port: number) => Promise<'master' | 'slave' | 'unreachable'>;
  /** A URL to the server on `port` (for a test's own look at the queues). */
  urlOf: (port: number) => string;
  stop: () => Promise<void>;
}

export async function startPrivateSentinelRedis(): Promise<PrivateSentinelRedis> {
  const password = randomBytes(16).toString('hex');
  const primary = await startPrivateRedis({ password });
  const replica = await startPrivateRedis({ password, replicaOf: primary.port });
  const servers: [PrivateRedis, PrivateRedis] = [primary, replica];
  const directory = await mkdtemp(join(tmpdir(), 'headroom-sentinels-'));
  const settings = await readFile(join(repoRoot, 'infra/redis-sentinel/sentinel.conf'), 'utf8');
  const sentinels: { port: number; child: ChildProcess }[] = [];

  const cli = (port: number, ...args: string[]) => redisCli(port, password, args);

  async function stop() {
    await Promise.all(
      sentinels.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
    await Promise.all(servers.map((server) => server.stop()));
    await rm(directory, { recursive: true, force: true });
  }

  try {
    for (let index = 1; index <= 3; index++) {
      const port = await freePort();
      const file = join(directory, `sentinel-${index}.conf`);
      await writeFile(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${directory}`,
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${primary.port} 2`,
          `sentinel auth-pass ${SENTINEL_MASTER_NAME} ${password}`,
          `requirepass ${password}`,
          `sentinel sentinel-pass ${password}`,
          settings,
        ].join('\n'),
      );
      const child = spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' });
      sentinels.push({ port, child });
    }
    await waitFor('the Sentinels to know each other and the replica', async () => {
      for (const { port } of sentinels) {
        const state = fields(await cli(port, 'sentinel', 'master', SENTINEL_MASTER_NAME));
        if (state['num-other-sentinels'] !== '2' || state['num-slaves'] !== '1') return false;
      }
      return (await cli(replica.port, 'info', 'replication')).includes('master_link_status:up');
    });
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    env: {
      REDIS_SENTINELS: sentinels.map(({ port }) => `127.0.0.1:${port}`).join(','),
      REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME,
      REDIS_PASSWORD: password,
    },
    password,
    servers,
    primaryPort: async () => {
      for (const { port } of sentinels) {
        const answer = await cli(port, 'sentinel', 'get-master-addr-by-name', SENTINEL_MASTER_NAME);
        const primaryPort = Number(answer.split('\n')[1]);
        if (primaryPort > 0) return primaryPort;
      }
      throw new Error('no Sentinel names a primary');
    },
    role: async (port) => {
      const role = /^role:(\w+)/m.exec(await cli(port, 'info', 'replication'))?.[1];
      return role === 'master' || role === 'slave' ? role : 'unreachable';
    },
    urlOf: (port) => `redis://:${password}@127.0.0.1:${port}`,
    stop,
  };
}

/** redis-cli's answer ('' when the server does not answer), authenticated without the password in argv. */
function redisCli(port: number, password: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      'redis-cli',
      ['-h', '127.0.0.1', '-p', String(port), ...args],
      { env: { ...process.env, REDISCLI_AUTH: password }, timeout: 2_000 },
      (error, stdout) => resolve(error ? '' : stdout.trim()),
    );
  });
}

/** SENTINEL MASTER's flat field/value lines as an object. */
function fields(answer: string): Record<string, string> {
  const lines = answer.split('\n');
  const result: Record<string, string> = {};
  for (let index = 0; index + 1 < lines.length; index += 2) {
    result[lines[index]!] = lines[index + 1]!;
  }
  return result;
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DISCOVERY_DEADLINE_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
