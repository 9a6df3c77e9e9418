// Waking the relay: at once for a lone write, then at most once per interval, the last wake of
// a burst never lost (it goes out at the end of the interval).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRelayWakeup } from '../src/relay-wakeup.ts';

afterEach(() => {
  vi.useRealTimers();
});

function counting(intervalMs: number) {
  let sent = 0;
  const wakeup = createRelayWakeup({
    notify: async () => {
      sent += 1;
    },
    intervalMs,
    onError: (error) => {
      throw error;
    },
  });
  return { wakeup, sent: () => sent };
}

describe('relay wake-up', () => {
  it('when a lone write commits, then the relay is woken at once', () => {
    const { wakeup, sent } = counting(50);
    wakeup.wake();
    expect(sent()).toBe(1);
  });

  it('when a burst of writes commits, then one NOTIFY goes out per interval, the last one at its end', () => {
    vi.useFakeTimers();
    const { wakeup, sent } = counting(50);
    for (let write = 0; write < 100; write++) wakeup.wake();
    expect(sent()).toBe(1);
    vi.advanceTimersByTime(49);
    expect(sent()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(sent()).toBe(2);
    vi.advanceTimersByTime(500);
    expect(sent()).toBe(2);
  });

  it('when it is closed, then a pending wake-up is dropped', () => {
    vi.useFakeTimers();
    const { wakeup, sent } = counting(50);
    wakeup.wake();
    wakeup.wake();
    wakeup.close();
    vi.advanceTimersByTime(100);
    expect(sent()).toBe(1);
  });
});
