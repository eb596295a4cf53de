import type { Clock } from '@vigil/runtime';
import { manualClock } from './clock.js';
import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('resolves with the first value that is not undefined, null or false', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls < 3 ? undefined : calls === 3 ? false : { calls }), {
      what: 'the fourth call',
      intervalMs: 1,
    });
    expect(value).toEqual({ calls: 4 });
  });

  it('fails after the timeout, saying what was awaited', async () => {
    await expect(waitFor(() => false, { what: 'the queue to drain', timeoutMs: 50, intervalMs: 5 })).rejects.toThrow(
      'timed out after 50 ms waiting for the queue to drain',
    );
  });

  it('fails at once when the predicate throws', async () => {
    let calls = 0;
    await expect(
      waitFor(
        () => {
          calls++;
          throw new Error('the process exited');
        },
        { what: 'a line', timeoutMs: 5_000 },
      ),
    ).rejects.toThrow('the process exited');
    expect(calls).toBe(1);
  });
});

describe('manualClock', () => {
  it('stands still until advanced or set, and reads as a Clock (epoch milliseconds)', () => {
    const clock = manualClock('2026-03-01T12:00:00.000Z');
    const read: Clock = clock;
    expect(read()).toBe(Date.parse('2026-03-01T12:00:00.000Z'));
    expect(clock.advance(90_000)).toBe(Date.parse('2026-03-01T12:01:30.000Z'));
    expect(clock.now().toISOString()).toBe('2026-03-01T12:01:30.000Z');
    clock.set('2025-01-01T00:00:00.000Z');
    expect(clock()).toBe(Date.parse('2025-01-01T00:00:00.000Z'));
    expect(() => clock.advance(-1)).toThrow('backwards');
  });

  it('hands out copies: changing a returned date does not move the clock', () => {
    const clock = manualClock(0);
    clock.now().setTime(5_000);
    expect(clock()).toBe(0);
  });
});
