// PostgreSQL servers of a test's own, for tests whose point is what a streaming replica does:
// lag behind (replay paused), die mid-query, come back. startPrivateReplica copies any primary
// with pg_basebackup into a temporary directory and streams from it on a free port.
// startPrivatePrimary gives it a primary of its own: a copy of the shared test server would
// carry every other test's databases (gigabytes, with the 1M-article seed) and lag behind
// whatever they write, which a test of lag bounds cannot have.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, repoRoot } from './processes.ts';

const run = promisify(execFile);

/** Slots startPrivateReplica makes start with this; a slot whose test process is gone is dropped. */
const SLOT_PREFIX = 'headroom_test_replica_';
/** pg_ctl's wait for a start or a stop; a healthy start takes well under a second here. */
const PG_CTL_TIMEOUT_SECONDS = 60;
/** How long catchUp and pauseReplay wait for the replica. */
const REPLAY_DEADLINE_MS = 30_000;
const USER = 'headroom';
const PASSWORD = 'headroom';

export interface PrivatePostgres {
  /** postgresql://headroom:headroom@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** Its data directory (the failover script fences and promotes servers by theirs). */
  dataDir: string;
  /**
   * Stops the server. `immediate` (the default) is a crash as clients see it: every backend
   * exits at once and open connections break mid-query.
   */
  stop: (mode?: 'immediate' | 'fast') => Promise<void>;
  /**
   * SIGKILL to the postmaster and every process it started, at once: the server's machine
   * died. Nothing is shut down or flushed; a later start() runs crash recovery.
   */
  crash: () => Promise<void>;
  /** Starts it again on the same port, with the same data. */
  start: () => Promise<void>;
  /** Stops it and deletes its directory. */
  remove: () => Promise<void>;
}

export interface PrivateReplica extends PrivatePostgres {
  /** Stops replaying WAL (it still receives it) and resolves once replay has stopped. */
  pauseReplay: () => Promise<void>;
  resumeReplay: () => Promise<void>;
  /** Resolves once the replica has replayed everything the primary had written when called. */
  catchUp: () => Promise<void>;
}

/**
 * A primary of a test's own: a new cluster, with the test profile's settings (no fsync, no
 * synchronous commit) and replication allowed from 127.0.0.1, as initdb sets it up.
 * `settings` are more postgresql.conf lines (e.g. shared_preload_libraries).
 */
export async function startPrivatePrimary(
  options: { settings?: readonly string[] } = {},
): Promise<PrivatePostgres> {
  const bin = await postgresBinDir();
  const owner = await serverOwner();
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'headroom-primary-'));
  const passwordDir = await mkdtemp(join(tmpdir(), 'headroom-primary-password-'));
  const passwordFile = join(passwordDir, 'password');
  try {
    await owner.chown(dataDir);
    await owner.chown(passwordDir);
    await owner.write(passwordFile, `${PASSWORD}\n`);
    await owner.run(join(bin, 'initdb'), [
      `--pgdata=${dataDir}`,
      `--username=${USER}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ]);
  } finally {
    await rm(passwordDir, { recursive: true, force: true });
  }
  await owner.write(
    join(dataDir, 'postgresql.auto.conf'),
    serverSettings(port, [
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      ...(options.settings ?? []),
    ]),
  );
  const server = privateServer(bin, owner, dataDir, port);
  await server.start();
  return server;
}

/** A hot standby of `primaryUrl` (any database on it), streaming through a slot of its own. */
export async function startPrivateReplica(primaryUrl: string): Promise<PrivateReplica> {
  const primary = new URL(primaryUrl);
  const bin = await postgresBinDir();
  const owner = await serverOwner();
  const port = await freePort();
  const slot = `${SLOT_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'headroom-replica-'));

  await dropOrphanedSlots(primaryUrl);
  await query(primaryUrl, 'SELECT pg_create_physical_replication_slot($1, true)', [slot]);
  await owner.chown(dataDir);
  await owner.run(
    join(bin, 'pg_basebackup'),
    [
      `--host=${primary.hostname}`,
      `--port=${primary.port}`,
      `--username=${decodeURIComponent(primary.username)}`,
      '--no-password',
      `--pgdata=${dataDir}`,
      '--wal-method=stream',
      `--slot=${slot}`,
      '--checkpoint=fast',
    ],
    { PGPASSWORD: decodeURIComponent(primary.password) },
  );
  // postgresql.auto.conf is read last, so these win over the copy's own settings (a copy of
  // the test profile's server includes its headroom.conf, with the primary's port).
  await owner.write(
    join(dataDir, 'postgresql.auto.conf'),
    serverSettings(port, [
      'fsync = off',
      `primary_conninfo = '${conninfo(primary).replace(/'/g, "''")}'`,
      `primary_slot_name = '${slot}'`,
    ]),
  );
  await owner.write(join(dataDir, 'standby.signal'), '');

  const replicaUrl = new URL(primaryUrl);
  replicaUrl.port = String(port);
  const url = replicaUrl.href;
  const server = privateServer(bin, owner, dataDir, port, url);
  await server.start();

  return {
    ...server,
    pauseReplay: async () => {
      await query(url, 'SELECT pg_wal_replay_pause()');
      // A pause is a request: replay stops at the next record.
      const paused = await waitFor(async () => {
        const [row] = await query(url, 'SELECT pg_get_wal_replay_pause_state() AS state');
        return row?.state === 'paused';
      });
      if (!paused) throw new Error(`the replica on port ${port} did not pause replay`);
    },
    resumeReplay: async () => {
      await query(url, 'SELECT pg_wal_replay_resume()');
    },
    catchUp: async () => {
      const [target] = await query(primaryUrl, 'SELECT pg_current_wal_insert_lsn() AS lsn');
      const reached = await waitFor(async () => {
        const [row] = await query(url, 'SELECT pg_last_wal_replay_lsn() >= $1 AS reached', [
          target?.lsn,
        ]);
        return row?.reached === true;
      });
      if (!reached) throw new Error(`the replica on port ${port} did not catch up`);
    },
    remove: async () => {
      await server.remove();
      // A primary a failover test crashed and fenced is not coming back: its slot went with it.
      await query(
        primaryUrl,
        'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
        [slot],
      ).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ECONNREFUSED') throw error;
      });
    },
  };
}

function privateServer(
  bin: string,
  owner: ServerOwner,
  dataDir: string,
  port: number,
  url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
): PrivatePostgres {
  let running = false;
  const pgCtl = (args: string[]) => owner.run(join(bin, 'pg_ctl'), ['-D', dataDir, ...args]);
  const stop = async (mode: 'immediate' | 'fast' = 'immediate') => {
    if (!running) return;
    await pgCtl(['-m', mode, '-w', 'stop']);
    running = false;
  };
  return {
    url,
    port,
    dataDir,
    stop,
    crash: async () => {
      if (!running) return;
      const [postmaster = ''] = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split(
        '\n',
      );
      const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', postmaster]);
      const pids = [postmaster, ...stdout.split(/\s+/).filter(Boolean)].map(Number);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      }
      running = false;
    },
    start: async () => {
      if (running) return;
      await pgCtl([
        '-l',
        join(dataDir, 'server.log'),
        '-w',
        '-t',
        String(PG_CTL_TIMEOUT_SECONDS),
        'start',
      ]);
      running = true;
    },
    remove: async () => {
      await stop('fast');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** TCP on 127.0.0.1 only, no socket (the machine's own cluster owns the default directory). */
function serverSettings(port: number, extra: string[]): string {
  return [
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    "unix_socket_directories = ''",
    // A hot standby needs at least its primary's; the test profile's server has 200.
    'max_connections = 200',
    'shared_buffers = 32MB',
    ...extra,
    '',
  ].join('\n');
}

/** libpq's key=value form. */
function conninfo(url: URL): string {
  const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return [
    `host=${url.hostname}`,
    `port=${url.port}`,
    `user=${quote(decodeURIComponent(url.username))}`,
    `password=${quote(decodeURIComponent(url.password))}`,
    'application_name=headroom_test_replica',
  ].join(' ');
}

/**
 * A slot pins WAL on its primary until the replica reads it: one left by a test process that
 * died before remove() would grow that server's disk (up to max_slot_wal_keep_size). Its name
 * carries the process id; inactive slots of processes that no longer run are dropped.
 */
async function dropOrphanedSlots(primaryUrl: string): Promise<void> {
  const slots = await query(
    primaryUrl,
    'SELECT slot_name FROM pg_replication_slots WHERE NOT active AND starts_with(slot_name, $1)',
    [SLOT_PREFIX],
  );
  for (const { slot_name: name } of slots) {
    const pid = Number(String(name).slice(SLOT_PREFIX.length).split('_')[0]);
    if (processAlive(pid)) continue;
    await query(
      primaryUrl,
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
      [name],
    );
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls a state of the servers (not a duration) until it holds or REPLAY_DEADLINE_MS passes. */
async function waitFor(condition: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + REPLAY_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

async function query(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** PostgreSQL's server binaries, found as the native scripts find them (lib.sh). */
async function postgresBinDir(): Promise<string> {
  const { stdout } = await run('bash', ['-c', 'source infra/native/lib.sh && find_pg_bindir'], {
    cwd: repoRoot,
  });
  return stdout.trim();
}

type ServerOwner = Awaited<ReturnType<typeof serverOwner>>;

/**
 * Postgres refuses to run as root; as root, the servers and their files belong to the postgres
 * OS user, as infra/native/services.sh arranges for the profiles' servers.
 */
async function serverOwner() {
  const root = process.getuid?.() === 0;
  const prefix = root ? ['runuser', '-u', 'postgres', '--'] : [];
  const chown = async (path: string) => {
    if (root) await run('chown', ['postgres:postgres', path]);
  };
  return {
    run: async (command: string, args: string[], env: Record<string, string> = {}) => {
      const pairs = Object.entries(env).map(([name, value]) => `${name}=${value}`);
      const [file = 'env', ...rest] = [...prefix, 'env', ...pairs, command, ...args];
      try {
        await run(file, rest, { env: { PATH: process.env.PATH ?? '' } });
      } catch (error) {
        const { stderr = '' } = error as { stderr?: string };
        throw new Error(`${command} ${args.join(' ')} failed: ${stderr}`);
      }
    },
    chown,
    write: async (path: string, text: string) => {
      await writeFile(path, text, { mode: 0o600 });
      await chown(path);
    },
  };
}
