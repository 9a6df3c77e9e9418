// A Redis server of a test's own, for tests that take Redis down and bring it back (an outage
// while the API takes writes) without disturbing the shared test Redis other files use.
// In-memory by default (no RDB, no AOF): a restart comes back empty, as a crashed cache would.
// Given a data directory, it writes every command to an append-only file before answering, so
// a restart, even after SIGKILL, comes back with everything: a blip rather than a loss.
// With a password, as every Redis of the kit has (docs/security.md, "Secure defaults"): the
// URL carries it, so the code under test authenticates as it does in production. Given a
// primary's port, it starts as that primary's replica (the failover test's servers share one
// password, as Sentinel's primary and replicas do: redis-sentinel.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes.ts';

const STARTUP_DEADLINE_MS = 10_000;

export interface PrivateRedis {
  url: string;
  port: number;
  /** Stops the server (SIGKILL by default: a crash) and resolves once it has exited. */
  stop: (signal?: NodeJS.Signals) => Promise<void>;
  /** Starts it again on the same port, empty, and resolves once it answers PING. */
  start: () => Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open and commands go unanswered, a hung server. */
  pause: () => void;
  /** Lets a paused server run again (SIGCONT). */
  resume: () => void;
}

export async function startPrivateRedis(
  options: { dataDir?: string; password?: string; replicaOf?: number } = {},
): Promise<PrivateRedis> {
  const port = await freePort();
  const password = options.password ?? randomBytes(16).toString('hex');
  const persistence = options.dataDir
    ? ['--dir', options.dataDir, '--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  // masterauth on every server: whichever is the primary later, the others follow it.
  const replication = [
    '--masterauth',
    password,
    ...(options.replicaOf === undefined
      ? []
      : ['--replicaof', '127.0.0.1', String(options.replicaOf)]),
  ];
  let server: ChildProcess | null = null;
  let output = '';

  async function start() {
    if (server) return;
    output = '';
    // In memory, a working directory of its own for each start: a replica writes the copy it
    // receives from its primary there (dump.rdb), and a server loads a dump.rdb it finds at
    // start, so a shared one (the test's cwd) would hand one run's keys to the next.
    const scratch = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'headroom-redis-'));
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--requirepass',
        password,
        ...replication,
        ...persistence,
        ...(scratch ? ['--dir', scratch] : []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    server = child;
    child.once('exit', () => {
      if (server === child) server = null;
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });
    const deadline = Date.now() + STARTUP_DEADLINE_MS;
    while (!(await answersPing(port, password))) {
      if (server !== child || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function stop(signal: NodeJS.Signals = 'SIGKILL') {
    const child = server;
    if (!child) return;
    server = null;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  await start();
  return {
    url: `redis://:${password}@127.0.0.1:${port}`,
    port,
    stop,
    start,
    pause: () => server?.kill('SIGSTOP'),
    resume: () => server?.kill('SIGCONT'),
  };
}

function answersPing(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write(`AUTH ${password}\r\nPING\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk;
      // Two replies: AUTH's +OK, then PING's +PONG (or an error, e.g. -LOADING).
      if (reply.split('\r\n').length > 2) done(reply === '+OK\r\n+PONG\r\n');
    });
  });
}
