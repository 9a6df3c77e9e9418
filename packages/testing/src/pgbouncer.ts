// A PgBouncer of a test's own, in front of a test's own Postgres, for tests whose point is what
// goes through PgBouncer (a role's settings reaching Postgres, a start-up parameter that does
// not). It renders the deployment's own infra/pgbouncer/pgbouncer.ini.template, so the test runs
// the pooling mode, waits and ignored parameters production runs.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot } from './processes.ts';

const STARTUP_DEADLINE_MS = 10_000;
/** The stats role pgbouncer.ini.template names in stats_users. */
const STATS_USER = 'headroom_stats';

export interface PrivatePgBouncer {
  /** postgresql://USER:PASSWORD@127.0.0.1:PORT/headroom: the template's `headroom` database. */
  url: string;
  port: number;
  /** The admin console as the stats role (postgresql://headroom_stats:...@.../pgbouncer), when
   * `statsPassword` was given: what the PgBouncer exporter reads. */
  adminUrl?: string;
  /** Its rendered pgbouncer.ini (the failover script rewrites it and signals the pid it names). */
  configFile: string;
  /** SIGKILL: PgBouncer dies at once, every client connection cut. */
  crash: () => Promise<void>;
  /** Starts it again, on the same port with the same configuration. */
  start: () => Promise<void>;
  /** Stops it (SIGINT: PgBouncer's immediate shutdown) and deletes its directory. */
  remove: () => Promise<void>;
}

/**
 * Starts PgBouncer on a free port, pooling the `headroom` database of the Postgres on
 * `postgresPort` for one user and password, and as `headroom_replica` that of the Postgres on
 * `replicaPort` (the primary again when none is given).
 */
export async function startPrivatePgBouncer(options: {
  postgresPort: number;
  replicaPort?: number;
  user: string;
  password: string;
  /** The password of the template's stats role, headroom_stats; without it, no stats role. */
  statsPassword?: string;
}): Promise<PrivatePgBouncer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'headroom-pgbouncer-'));
  // PgBouncer refuses to run as root; as root it runs as the postgres user, as stack.sh runs it.
  const root = process.getuid?.() === 0;
  await chmod(dir, 0o777);
  const authFile = join(dir, 'userlist.txt');
  const roles = [[options.user, options.password]];
  if (options.statsPassword !== undefined) roles.push([STATS_USER, options.statsPassword]);
  const authLines = roles.map(([user, password]) => `"${user}" "${password}"\n`);
  await writeFile(authFile, authLines.join(''), { mode: 0o644 });
  const variables: Record<string, string> = {
    PGBOUNCER_LISTEN_ADDR: '127.0.0.1',
    PGBOUNCER_LISTEN_PORT: String(port),
    POSTGRES_HOST: '127.0.0.1',
    POSTGRES_PORT: String(options.postgresPort),
    // Without a replica, the primary: PgBouncer connects only when a client asks for it.
    POSTGRES_REPLICA_HOST: '127.0.0.1',
    POSTGRES_REPLICA_PORT: String(options.replicaPort ?? options.postgresPort),
    PGBOUNCER_AUTH_FILE: authFile,
    PGBOUNCER_DATA_DIR: dir,
  };
  const template = await readFile(join(repoRoot, 'infra/pgbouncer/pgbouncer.ini.template'), 'utf8');
  const config = template.replace(
    /\$\{(\w+)\}/g,
    (whole, name: string) => variables[name] ?? whole,
  );
  const configFile = join(dir, 'pgbouncer.ini');
  await writeFile(configFile, config, { mode: 0o644 });

  const command = root ? ['runuser', '-u', 'postgres', '--', 'pgbouncer'] : ['pgbouncer'];
  const [file = 'pgbouncer', ...args] = [...command, configFile];
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  const signal = async (name: NodeJS.Signals) => {
    if (!child || child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    process.kill(-child.pid, name);
    await exited;
  };
  const stop = () => signal('SIGINT');
  const launch = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    // Its own process group, so stopping it reaches pgbouncer and not only runuser.
    const started: ChildProcess = spawn(file, args, { stdio: 'ignore', detached: true });
    child = started;
    exited = once(started, 'exit');
    const deadline = Date.now() + STARTUP_DEADLINE_MS;
    while (!(await accepts(port))) {
      if (started.exitCode !== null || Date.now() > deadline) {
        await stop();
        const log = await readFile(join(dir, 'pgbouncer.log'), 'utf8').catch(() => '');
        throw new Error(`pgbouncer did not start on port ${port}:\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  try {
    await launch();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const credentials = `${encodeURIComponent(options.user)}:${encodeURIComponent(options.password)}`;
  return {
    url: `postgresql://${credentials}@127.0.0.1:${port}/headroom`,
    port,
    ...(options.statsPassword !== undefined && {
      adminUrl: `postgresql://${STATS_USER}:${encodeURIComponent(options.statsPassword)}@127.0.0.1:${port}/pgbouncer`,
    }),
    configFile,
    crash: () => signal('SIGKILL'),
    start: launch,
    remove: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
