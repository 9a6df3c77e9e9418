// The seed's progress on a terminal or in a log: per phase, done / total, the rate and the time
// left. On a terminal one line updates in place (a finished phase keeps its line); in a log
// (CI, `npm start`) a line every few seconds, so a long seed shows it is alive and a short one
// adds nothing but its summary.

export type SeedProgress = {
  phase: string;
  /** What `done` and `total` count: users, articles, indexes, statements, tables. */
  unit: string;
  done: number;
  total: number;
  /** Rows written so far in this phase, per table, for the phases that write rows. */
  rows?: Readonly<Record<string, number>>;
};

/** Seconds between lines in a log; often enough to see progress, rare enough to read. */
export const PROGRESS_LOG_INTERVAL_MS = 5_000;
/** A terminal line is redrawn at most this often: faster is flicker, not information. */
const TERMINAL_REDRAW_MS = 100;

export type ProgressOutput = { write: (text: string) => unknown; isTTY?: boolean };

export function createProgressDisplay({
  output,
  interactive = output.isTTY === true,
  logIntervalMs = PROGRESS_LOG_INTERVAL_MS,
  now = () => performance.now(),
}: {
  output: ProgressOutput;
  /** One line updated in place (a terminal), or a line every `logIntervalMs` (a log). */
  interactive?: boolean;
  logIntervalMs?: number;
  now?: () => number;
}) {
  let phase: { name: string; startedAt: number; drawnAt: number; open: boolean } | undefined;
  let loggedAt = now();

  return {
    update(progress: SeedProgress): void {
      const at = now();
      if (phase?.name !== progress.phase) {
        if (phase?.open) output.write('\n');
        phase = { name: progress.phase, startedAt: at, drawnAt: -Infinity, open: false };
      }
      const finished = progress.done >= progress.total;
      const line = describe(progress, at - phase.startedAt);
      if (interactive) {
        if (!finished && at - phase.drawnAt < TERMINAL_REDRAW_MS) return;
        output.write(`\r${line}\x1b[K${finished ? '\n' : ''}`);
        phase.drawnAt = at;
        phase.open = !finished;
      } else if (at - loggedAt >= logIntervalMs) {
        output.write(`${line}\n`);
        loggedAt = at;
      }
    },
    /** Ends a line left open on a terminal (a seed that stopped mid-phase). */
    close(): void {
      if (phase?.open) output.write('\n');
      phase = undefined;
    },
  };
}

function describe(progress: SeedProgress, elapsedMs: number): string {
  const { phase, unit, done, total, rows } = progress;
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const percent = total > 0 ? Math.floor((done * 100) / total) : 100;
  const timing =
    done >= total
      ? `in ${formatDuration(elapsedMs)}`
      : `ETA ${rate > 0 ? formatDuration(((total - done) / rate) * 1000) : '?'}`;
  const written = Object.entries(rows ?? {})
    .map(([table, count]) => `${table} ${formatCount(count)}`)
    .join(', ');
  return [
    `seed: ${phase.padEnd(8)} ${formatCount(done)}/${formatCount(total)} ${unit} (${percent}%)`,
    `${formatCount(Math.round(rate))}/s`,
    timing,
    ...(written ? [`rows: ${written}`] : []),
  ].join('  ');
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** "4.2 s" under a minute, "3m 07s" above. */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s`;
}
