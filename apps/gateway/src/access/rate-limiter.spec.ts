import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('allows a burst up to the limit, then refuses with the seconds until the next token', () => {
    const limiter = new RateLimiter(100, clock);
    for (let i = 0; i < 60; i++) expect(limiter.take('k', 60)).toEqual({ allowed: true });
    expect(limiter.take('k', 60)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    const slow = new RateLimiter(100, clock);
    for (let i = 0; i < 2; i++) slow.take('k', 2);
    expect(slow.take('k', 2)).toEqual({ allowed: false, retryAfterSeconds: 30 });
  });

  it('refills at the limit per minute', () => {
    const limiter = new RateLimiter(100, clock);
    for (let i = 0; i < 60; i++) limiter.take('k', 60);
    now += 999;
    expect(limiter.take('k', 60).allowed).toBe(false);
    now += 1;
    expect(limiter.take('k', 60).allowed).toBe(true);
    expect(limiter.take('k', 60).allowed).toBe(false);
    now += 60_000;
    for (let i = 0; i < 60; i++) expect(limiter.take('k', 60).allowed).toBe(true);
    expect(limiter.take('k', 60).allowed).toBe(false);
  });

  it('peeks without spending: a limit counted after the fact (refused credentials) is checked first', () => {
    const limiter = new RateLimiter(100, clock);
    expect(limiter.peek('f', 2)).toEqual({ allowed: true });
    expect(limiter.size).toBe(0);
    limiter.take('f', 2);
    expect(limiter.peek('f', 2)).toEqual({ allowed: true });
    expect(limiter.peek('f', 2)).toEqual({ allowed: true });
    limiter.take('f', 2);
    expect(limiter.peek('f', 2)).toEqual({ allowed: false, retryAfterSeconds: 30 });
    now += 30_000;
    expect(limiter.peek('f', 2)).toEqual({ allowed: true });
  });

  it('keeps keys apart', () => {
    const limiter = new RateLimiter(100, clock);
    expect(limiter.take('a', 1).allowed).toBe(true);
    expect(limiter.take('a', 1).allowed).toBe(false);
    expect(limiter.take('b', 1).allowed).toBe(true);
  });

  it('stays bounded: idle buckets are swept, else the oldest goes', () => {
    const limiter = new RateLimiter(3, clock);
    limiter.take('a', 1);
    limiter.take('b', 1);
    limiter.take('c', 1);
    now += 60_000;
    limiter.take('d', 1);
    expect(limiter.size).toBe(1);
    limiter.take('e', 1);
    limiter.take('f', 1);
    limiter.take('g', 1);
    expect(limiter.size).toBe(3);
    expect(limiter.take('d', 1).allowed).toBe(true); // d was the oldest: dropped, so a fresh bucket
  });
});
