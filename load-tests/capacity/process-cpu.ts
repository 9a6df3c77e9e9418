// CPU time per part of the native stack, from /proc: how many core-seconds the API processes,
// Postgres, PgBouncer, nginx, Redis, the worker, the load generator and everything else on the
// machine used between two snapshots. The capacity report turns these into CPU per request
// (docs/capacity.md), and "everything else" is how a run says whether it had the machine to
// itself. Linux only; reads the stack's pid files under .local/stack/.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const STACK_DIR = fileURLToPath(new URL('../../.local/stack/', import.meta.url));
/** /proc/<pid>/stat counts in clock ticks; 100 per second on every Linux build that matters. */
const TICKS_PER_SECOND = 100;

const PARTS = [
  'api',
  'postgres',
  'pgbouncer',
  'nginx',
  'redis',
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
function appGroups(): Map<number, Part> {
  const groups = new Map<number, Part>();
  let names: string[] = [];
  try {
    names = readdirSync(`${STACK_DIR}procs`).filter((name) => name.endsWith('.pid'));
  } catch {
    return groups;
  }
  for (const name of names) {
    const pgid = readPid(`${STACK_DIR}procs/${name}`);
    if (pgid === undefined) continue;
    if (name.startsWith('api-')) groups.set(pgid, 'api');
    else if (name.startsWith('worker-')) groups.set(pgid, 'worker');
  }
  return groups;
}

/** Parents whose children belong to a part: the postmaster, the nginx masters. */
function parentParts(): Map<number, Part> {
  const parents = new Map<number, Part>();
  const add = (file: string, part: Part) => {
    const pid = readPid(file);
    if (pid !== undefined) parents.set(pid, part);
  };
  add(`${STACK_DIR}postgres/postmaster.pid`, 'postgres');
  for (const role of ['edge', 'lb', 'web-origin'])
    add(`${STACK_DIR}nginx/${role}/nginx.pid`, 'nginx');
  return parents;
}

function singleProcessParts(): Map<number, Part> {
  const single = new Map<number, Part>();
  const pgbouncer = readPid(`${STACK_DIR}pgbouncer/pgbouncer.pid`);
  if (pgbouncer !== undefined) single.set(pgbouncer, 'pgbouncer');
  const redis = readPid(`${STACK_DIR}redis/redis.pid`);
  if (redis !== undefined) single.set(redis, 'redis');
  return single;
}

/**
 * Takes a snapshot. `loadgen` holds the process ids of the load generator (this process and
 * the runs it starts); `extraApi` holds API processes started outside the stack (a profiled one).
 */
export function cpuSnapshot(
  options: { loadgen?: Iterable<number>; extraApi?: Iterable<number> } = {},
): CpuSnapshot {
  const loadgen = new Set(options.loadgen ?? [process.pid]);
  const extraApi = new Set(options.extraApi ?? []);
  const groups = appGroups();
  const parents = parentParts();
  const single = singleProcessParts();
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
  log = (line: string) => console.log(line),
}: {
  maxOtherCores?: number;
  windowSeconds?: number;
  pollSeconds?: number;
  maxWaitSeconds?: number;
  log?: (line: string) => void;
} = {}): Promise<{
  otherCores: number;
  loadAverage: number;
  waitedSeconds: number;
  quiet: boolean;
}> {
  const started = performance.now();
  for (;;) {
    const before = cpuSnapshot();
    await sleep(windowSeconds * 1000);
    const usage = cpuUsage(before, cpuSnapshot());
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
