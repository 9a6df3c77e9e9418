// Test servers pick their ports before binding them, so two picks by one test process must
// never hand out the same port, even when neither has been bound yet.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort, TEST_PORT_BAND } from '../src/processes.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('freePort', () => {
  it('when two picks land on the same port before either is bound, then the second gets another one', async () => {
    const band = TEST_PORT_BAND.high - TEST_PORT_BAND.low;
    // Draws the middle of the band twice, then the ports after it, one by one.
    let draw = 0;
    vi.spyOn(Math, 'random').mockImplementation(() => {
      const offset = Math.max(0, draw++ - 1);
      return (Math.floor(band / 2) + offset + 0.5) / band;
    });

    // As startApiProcess picks PORT, then METRICS_PORT, before the API binds either.
    const first = await freePort();
    const second = await freePort();

    expect(second).not.toBe(first);
  });
});
