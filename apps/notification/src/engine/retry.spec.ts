import { afterFailure, MAX_ATTEMPTS, retryDelayMs } from './retry.js';

describe('retries', () => {
  it('backs off exponentially with jitter, within bounds', () => {
    expect(retryDelayMs(1, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(1, undefined, () => 1)).toBe(1_000);
    expect(retryDelayMs(4, undefined, () => 0.5)).toBe(6_000);
    expect(retryDelayMs(30, undefined, () => 1)).toBe(600_000);
  });

  it('waits at least as long as the provider asked', () => {
    expect(retryDelayMs(1, 30_000, () => 1)).toBe(30_000);
  });

  it('stops at a permanent failure or after the last attempt', () => {
    expect(afterFailure('permanent', 1, 0)).toEqual({ retry: false });
    expect(afterFailure('transient', MAX_ATTEMPTS, 0)).toEqual({ retry: false });
    expect(afterFailure('transient', 2, 100, undefined, () => 0)).toEqual({ retry: true, nextAt: 1_100 });
  });
});
