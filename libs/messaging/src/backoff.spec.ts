import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_DELAYS_MS,
  deferralDelayMs,
  nextRetry,
  normalizeRetryPolicy,
  retryDelaysInUse,
} from './backoff.js';

describe('retry backoff', () => {
  it('defaults to 5 attempts with 200 ms, 1 s, 5 s, 15 s between them', () => {
    const policy = normalizeRetryPolicy();
    expect(policy.maxAttempts).toBe(DEFAULT_MAX_ATTEMPTS);
    const schedule = [1, 2, 3, 4, 5].map((attempt) => nextRetry(policy, attempt));
    expect(schedule).toEqual([
      { retry: true, delayMs: 200, nextAttempt: 2 },
      { retry: true, delayMs: 1_000, nextAttempt: 3 },
      { retry: true, delayMs: 5_000, nextAttempt: 4 },
      { retry: true, delayMs: 15_000, nextAttempt: 5 },
      { retry: false },
    ]);
    expect(retryDelaysInUse(policy)).toEqual([...DEFAULT_RETRY_DELAYS_MS]);
  });

  it('repeats the last delay when there are more attempts than delays', () => {
    const policy = normalizeRetryPolicy(6, [10, 50]);
    expect([1, 2, 3, 4, 5, 6].map((a) => nextRetry(policy, a))).toEqual([
      { retry: true, delayMs: 10, nextAttempt: 2 },
      { retry: true, delayMs: 50, nextAttempt: 3 },
      { retry: true, delayMs: 50, nextAttempt: 4 },
      { retry: true, delayMs: 50, nextAttempt: 5 },
      { retry: true, delayMs: 50, nextAttempt: 6 },
      { retry: false },
    ]);
    expect(retryDelaysInUse(policy)).toEqual([10, 50]);
  });

  it('declares only the delays a short policy uses', () => {
    expect(retryDelaysInUse(normalizeRetryPolicy(2, [10, 50, 90]))).toEqual([10]);
    expect(retryDelaysInUse(normalizeRetryPolicy(1, []))).toEqual([]);
  });

  it('refuses nonsense', () => {
    expect(() => normalizeRetryPolicy(0)).toThrow(/maxAttempts/);
    expect(() => normalizeRetryPolicy(3, [])).toThrow(/retryDelaysMs/);
    expect(() => normalizeRetryPolicy(3, [0])).toThrow(/delays/);
    expect(() => normalizeRetryPolicy(3, [1.5])).toThrow(/delays/);
  });

  it('defers a message that spends no attempt by the longest delay the policy retries with', () => {
    expect(deferralDelayMs(normalizeRetryPolicy())).toBe(15_000);
    expect(deferralDelayMs(normalizeRetryPolicy(2))).toBe(200);
    expect(deferralDelayMs(normalizeRetryPolicy(3, [10, 50, 90]))).toBe(50);
    // Retrying nothing, it still waits by the longest configured delay; with no delays it cannot wait.
    expect(deferralDelayMs(normalizeRetryPolicy(1))).toBe(15_000);
    expect(deferralDelayMs(normalizeRetryPolicy(1, []))).toBeUndefined();
  });
});
