// CPU time per part of the native stack, from /proc: how many core-seconds the API processes,
// Postgres (and its replica), PgBouncer, nginx, Redis (the queue's and the cache's), the worker,
// the load generator and everything else on the machine used between two snapshots. The
// capacity report turns these into CPU per request (docs/capacity.md), and "everything else" is
// how a run says whether it had the machine to itself. Linux only; reads the stack's pid files
// under .local/stack/ (or another checkout's, `stackDir`).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout's native stack (infra/native/stack.sh keeps its state there). */
export const DEFAULT_STACK_DIR = fileURLToPath(new URL('../../.local/stack/', import.meta.url));
/** /proc/<pid>/stat counts in clock ticks; 100 per second on every Linux build that matters. */
const TICKS_PER_SECOND = 100;

/**
 * The streaming replica and the application cache's Redis are parts of their own, so a results
 * file says where reads went; a report adds them to `postgres` and `redis` when it wants the
 * whole database's or the whole of Redis' cost. Results written before they existed lack them.
 */
export const PARTS = [
  'api',
  'postgres',
  'postgres-replica',
  'pgbouncer',
  'nginx',
  'redis',
  'redis-cache',
  'worker',
  'loadgen',
  'other',
] as const;
export type Part = (typeof PARTS)[number];

export interface CpuSnapshot {
  at: number;
  /** Busy ticks of the whole machine (every state but idle and iowait), from /proc/stat. */
  machineBusy: number;
  /** Ticks per process id, with the part it belongs to. */
  processes: Map<number, { part: Part; ticks: number }>;
}

/** Core-seconds per part over an interval; `other` is the machine's busy time nobody here used. */
export interface CpuUsage {
  seconds: number;
  /** Core-seconds per part. */
  parts: Record<Part, number>;
  /** Average cores busy on the whole machine. */
  machineCores: number;
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ")".
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, pgrp 5, utime 14, stime 15.
    return {
      pid,
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      ticks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return undefined; // exited meanwhile
  }
}

/**
 * CPU seconds (user and system) one process has used since it started: read twice, the
 * difference over the wall time is the cores it used in between.
 */
export function processCpuSeconds(pid: number): number {
  const stat = readStat(pid);
  if (stat === undefined) throw new Error(`process ${pid} is not running`);
  return stat.ticks / TICKS_PER_SECOND;
}

/** Process groups of the stack's app processes (stack.sh writes each group id in procs/). */
function appGroups(stackDir: string): Map<number, Part> {
  const groups = new Map<number, Part>();
  let names: string[] = [];
  try {
    names = readdirSync(path.join(stackDir, 'procs')).filter((name) => name.endsWith('.pid'));
  } catch {
    return groups;
  }
  for (const name of names) {
    const pgid = readPid(path.join(stackDir, 'procs', name));
    if (pgid === undefined) continue;
    if (name.startsWith('api-')) groups.set(pgid, 'api');
    else if (name.startsWith('worker-')) groups.set(pgid, 'worker');
  }
  return groups;
}

/** Pid files of processes whose children belong to a part: the postmasters, the nginx masters. */
const PARENT_PID_FILES: [string, Part][] = [
  ['postgres/postmaster.pid', 'postgres'],
  ['postgres-replica/postmaster.pid', 'postgres-replica'],
  ['nginx/edge/nginx.pid', 'nginx'],
  ['nginx/lb/nginx.pid', 'nginx'],
  ['nginx/web-origin/nginx.pid', 'nginx'],
];
/** Pid files of parts that are one process each. */
const SINGLE_PID_FILES: [string, Part][] = [
  ['pgbouncer/pgbouncer.pid', 'pgbouncer'],
  ['redis/redis.pid', 'redis'],
  ['redis-cache/redis.pid', 'redis-cache'],
];

function pidParts(stackDir: string, files: [string, Part][]): Map<number, Part> {
  const parts = new Map<number, Part>();
  for (const [file, part] of files) {
    const pid = readPid(path.join(stackDir, file));
    if (pid !== undefined) parts.set(pid, part);
  }
  return parts;
}

export interface SnapshotOptions {
  /** The load generator's process ids (default this process; the runs it starts count too). */
  loadgen?: Iterable<number>;
  /** API processes started outside the stack (a profiled one). */
  extraApi?: Iterable<number>;
  /** The native stack's state directory (default DEFAULT_STACK_DIR). */
  stackDir?: string;
}

/** Takes a snapshot of every process's CPU time, each assigned to its part of the stack. */
export function cpuSnapshot(options: SnapshotOptions = {}): CpuSnapshot {
  const loadgen = new Set(options.loadgen ?? [process.pid]);
  const extraApi = new Set(options.extraApi ?? []);
  const stackDir = options.stackDir ?? DEFAULT_STACK_DIR;
  const groups = appGroups(stackDir);
  const parents = pidParts(stackDir, PARENT_PID_FILES);
  const single = pidParts(stackDir, SINGLE_PID_FILES);
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((stat): stat is ProcStat => stat !== undefined);
  const byPid = new Map(stats.map((stat) => [stat.pid, stat]));

  const partOf = (stat: ProcStat): Part => {
    const direct =
      single.get(stat.pid) ??
      parents.get(stat.pid) ??
      groups.get(stat.pgid) ??
      (extraApi.has(stat.pid) ? 'api' : undefined);
    if (direct !== undefined) return direct;
    // Children of the postmaster or an nginx master; and anything the load generator started.
    for (let parent = byPid.get(stat.ppid), depth = 0; parent && depth < 8; depth++) {
      const part = parents.get(parent.pid);
      if (part !== undefined) return part;
      if (loadgen.has(parent.pid)) return 'loadgen';
      if (extraApi.has(parent.pid)) return 'api';
      parent = byPid.get(parent.ppid);
    }
    return loadgen.has(stat.pid) ? 'loadgen' : 'other';
  };

  const processes = new Map<number, { part: Part; ticks: number }>();
  for (const stat of stats) processes.set(stat.pid, { part: partOf(stat), ticks: stat.ticks });
  return { at: performance.now(), machineBusy: machineBusyTicks(), processes };
}

function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return user! + nice! + system! + irq! + softirq! + steal!;
}

/**
 * Core-seconds per part between two snapshots. A process that started after the first counts
 * from zero; one that exited before the second is lost (short-lived helpers only). Whatever
 * the machine did that no known process accounts for is `other`.
 */
export function cpuUsage(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const seconds = (after.at - before.at) / 1000;
  const parts = Object.fromEntries(PARTS.map((part) => [part, 0])) as Record<Part, number>;
  let known = 0;
  for (const [pid, { part, ticks }] of after.processes) {
    const delta = Math.max(0, ticks - (before.processes.get(pid)?.ticks ?? 0));
    if (part !== 'other') {
      parts[part] += delta / TICKS_PER_SECOND;
      known += delta;
    }
  }
  const machine = (after.machineBusy - before.machineBusy) / TICKS_PER_SECOND;
  parts.other = Math.max(0, machine - known / TICKS_PER_SECOND);
  const round = (value: number) => Math.round(value * 100) / 100;
  for (const part of PARTS) parts[part] = round(parts[part]);
  return { seconds: round(seconds), parts, machineCores: round(machine / seconds) };
}

/**
 * Cores a part used on average over a run; NaN when the run has no CPU figures, 0 for a part an
 * older results file does not have.
 */
export function coresUsed(cpu: CpuUsage | undefined, part: Part): number {
  return cpu === undefined ? Number.NaN : (cpu.parts[part] ?? 0) / cpu.seconds;
}

/**
 * CPU milliseconds one response cost the given parts together (`['postgres',
 * 'postgres-replica']` for the whole database); NaN without CPU figures or responses.
 */
export function msPerResponse(
  cpu: CpuUsage | undefined,
  parts: Part | readonly Part[],
  responses: number,
): number {
  if (cpu === undefined || responses === 0) return Number.NaN;
  const counted: readonly Part[] = typeof parts === 'string' ? [parts] : parts;
  const seconds = counted.reduce((sum, part) => sum + (cpu.parts[part] ?? 0), 0);
  return (seconds * 1000) / responses;
}

/**
 * Waits until the machine is quiet: over a `windowSeconds` sample, processes outside the stack
 * and this harness use less than `maxOtherCores`. Polls every `pollSeconds`, up to
 * `maxWaitSeconds`, then goes on anyway (the result says so). Other engineers' test suites
 * share the reference machine; a run made while they are busy measures them too.
 */
export async function waitForQuiet({
  maxOtherCores = 0.5,
  windowSeconds = 5,
  pollSeconds = 30,
  maxWaitSeconds = 600,
  stackDir = DEFAULT_STACK_DIR,
  log = (line: string) => console.log(line),
}: {
  maxOtherCores?: number;
  windowSeconds?: number;
  pollSeconds?: number;
  maxWaitSeconds?: number;
  stackDir?: string;
  log?: (line: string) => void;
} = {}): Promise<{
  otherCores: number;
  loadAverage: number;
  waitedSeconds: number;
  quiet: boolean;
}> {
  const started = performance.now();
  for (;;) {
    const before = cpuSnapshot({ stackDir });
    await sleep(windowSeconds * 1000);
    const usage = cpuUsage(before, cpuSnapshot({ stackDir }));
    const otherCores = Math.round((usage.parts.other / usage.seconds) * 100) / 100;
    const loadAverage = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
    const waitedSeconds = Math.round((performance.now() - started) / 1000);
    if (otherCores <= maxOtherCores) return { otherCores, loadAverage, waitedSeconds, quiet: true };
    if (waitedSeconds >= maxWaitSeconds) {
      log(`  still busy after ${waitedSeconds} s (other processes: ${otherCores} cores); going on`);
      return { otherCores, loadAverage, waitedSeconds, quiet: false };
    }
    log(
      `  machine busy: other processes use ${otherCores} cores (load average ${loadAverage}); waiting ${pollSeconds} s`,
    );
    await sleep(pollSeconds * 1000);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
