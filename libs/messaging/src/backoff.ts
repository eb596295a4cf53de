/** Attempts per message, the first delivery included, before it goes to the dead-letter queue. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** Delay before attempt 2, 3, 4, 5...; the last value repeats when there are more attempts than delays. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [200, 1_000, 5_000, 15_000];

export interface RetryPolicy {
  maxAttempts: number;
  retryDelaysMs: readonly number[];
}

export function normalizeRetryPolicy(
  maxAttempts = DEFAULT_MAX_ATTEMPTS,
  retryDelaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
): RetryPolicy {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new RangeError(`maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  if (maxAttempts > 1 && retryDelaysMs.length === 0)
    throw new RangeError('retryDelaysMs must not be empty when maxAttempts > 1');
  for (const delay of retryDelaysMs) {
    if (!Number.isInteger(delay) || delay < 1 || delay > 24 * 3600_000)
      throw new RangeError(`retry delays must be integers between 1 ms and 24 h, got ${delay}`);
  }
  return { maxAttempts, retryDelaysMs: [...retryDelaysMs] };
}

/**
 * What to do after attempt `attempt` (1-based) failed: retry after `delayMs`, or give up.
 */
export function nextRetry(
  policy: RetryPolicy,
  attempt: number,
): { retry: true; delayMs: number; nextAttempt: number } | { retry: false } {
  if (attempt >= policy.maxAttempts) return { retry: false };
  const delays = policy.retryDelaysMs;
  const delayMs = delays[Math.min(attempt - 1, delays.length - 1)];
  return { retry: true, delayMs, nextAttempt: attempt + 1 };
}

/** The distinct delays a policy can use: one delay queue is declared for each. */
export function retryDelaysInUse(policy: RetryPolicy): number[] {
  const delays = new Set<number>();
  for (let attempt = 1; attempt < policy.maxAttempts; attempt++) {
    const next = nextRetry(policy, attempt);
    if (next.retry) delays.add(next.delayMs);
  }
  return [...delays].sort((a, b) => a - b);
}

/**
 * How long a message waits when its handler failed for a reason that spends no attempt (the
 * database is unreachable): the longest delay the policy retries with, else its longest configured
 * delay; undefined when it has no delays at all.
 */
export function deferralDelayMs(policy: RetryPolicy): number | undefined {
  const inUse = retryDelaysInUse(policy);
  if (inUse.length > 0) return inUse[inUse.length - 1];
  return policy.retryDelaysMs.length > 0 ? Math.max(...policy.retryDelaysMs) : undefined;
}
