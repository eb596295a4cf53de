/** A source of the current time, injected where code reads the time. */
export interface Clock {
  now(): Date;
}

/** A clock that moves only when told: time-dependent rules tested without waiting. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string | number = '2026-01-01T00:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Milliseconds since the epoch, for code that wants a number. */
  nowMs(): number {
    return this.current;
  }

  advance(ms: number): Date {
    if (ms < 0) throw new Error('a clock does not go backwards: use set()');
    this.current += ms;
    return this.now();
  }

  set(time: Date | string | number): Date {
    this.current = new Date(time).getTime();
    return this.now();
  }
}
