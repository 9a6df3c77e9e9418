// Waking the outbox relay after a write: `NOTIFY outbox_events`, which every worker's relay
// LISTENs for, sent after the commit at most once per interval per process, the last wake of a
// burst included (a trailing call). A per-row trigger did this before, and its NOTIFY at every
// commit serialised committing writers on Postgres' notification queue lock: comment writes
// went from ~700/s to ~1,150/s without it (docs/capacity.md). The relay also polls, so a
// wake-up that never comes (a process killed right after its commit) only delays delivery.

export interface RelayWakeup {
  /** Asks for a NOTIFY: now, or at the end of the current interval if one went out within it. */
  wake(): void;
  /** Stops a pending trailing NOTIFY (at shutdown). */
  close(): void;
}

export function createRelayWakeup(deps: {
  /** Sends `SELECT pg_notify('outbox_events', '')` (any connection to the primary will do). */
  notify: () => Promise<unknown>;
  /** OUTBOX_NOTIFY_INTERVAL_MS: the least time between two NOTIFYs from this process. */
  intervalMs: number;
  onError: (error: unknown) => void;
}): RelayWakeup {
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let trailing: NodeJS.Timeout | undefined;

  function send() {
    lastSentAt = Date.now();
    deps.notify().catch(deps.onError);
  }

  return {
    wake() {
      if (trailing) return;
      const wait = lastSentAt + deps.intervalMs - Date.now();
      if (wait <= 0) {
        send();
        return;
      }
      trailing = setTimeout(() => {
        trailing = undefined;
        send();
      }, wait);
      trailing.unref();
    },
    close() {
      clearTimeout(trailing);
      trailing = undefined;
    },
  };
}

/** The NOTIFY the relay listens for (apps/worker/src/outbox-relay.ts, OUTBOX_CHANNEL). */
export const RELAY_NOTIFY_SQL = "SELECT pg_notify('outbox_events', '')";
