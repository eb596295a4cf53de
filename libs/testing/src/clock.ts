import type { Clock } from '@vigil/runtime';

/**
 * A CLOCK that moves only when told (`{ provide: CLOCK, useValue: clock }`): time-dependent rules
 * tested without waiting. Called, it gives epoch milliseconds, as every Clock does.
 */
export type ManualClock = Clock & {
  /** The current time as a Date (a copy). */
  now(): Date;
  /** Moves the time forward by `ms`; returns the new epoch milliseconds. */
  advance(ms: number): number;
  /** Sets the time (forwards or backwards); returns its epoch milliseconds. */
  set(time: Date | string | number): number;
};

export function manualClock(start: Date | string | number = '2026-01-01T00:00:00.000Z'): ManualClock {
  let current = new Date(start).getTime();
  return Object.assign(() => current, {
    now: () => new Date(current),
    advance(ms: number) {
      if (ms < 0) throw new Error('a clock does not go backwards by advance(): use set()');
      return (current += ms);
    },
    set(time: Date | string | number) {
      return (current = new Date(time).getTime());
    },
  });
}
