/**
 * Sign-in throttling decisions, pure (the state lives in `login_attempts`, shared by replicas).
 * Failures are counted per key (an email with a client address, or an address) within a window. From
 * `slowdownAfter` failures on, each further attempt must wait 1 s, 2 s, 4 s, ... ; at
 * `maxFailures` the key is locked for `lockoutMs`. A success clears the email and address's count.
 */
export interface ThrottlePolicy {
  maxFailures: number;
  slowdownAfter: number;
  windowMs: number;
  lockoutMs: number;
}

export interface AttemptState {
  failures: number;
  windowStartedAt: Date;
  lockedUntil: Date | null;
}

/** Seconds the key must still wait (rounded up), 0 when an attempt is allowed now. */
export function retryAfterSeconds(state: AttemptState | undefined, now: Date): number {
  if (!state?.lockedUntil) return 0;
  const ms = state.lockedUntil.getTime() - now.getTime();
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

/** The state after one more failure at `now`. */
export function recordFailure(state: AttemptState | undefined, now: Date, policy: ThrottlePolicy): AttemptState {
  const fresh = !state || now.getTime() - state.windowStartedAt.getTime() > policy.windowMs;
  const failures = fresh ? 1 : state.failures + 1;
  const windowStartedAt = fresh ? now : state.windowStartedAt;
  let waitMs = 0;
  if (failures >= policy.maxFailures) waitMs = policy.lockoutMs;
  else if (failures >= policy.slowdownAfter)
    waitMs = Math.min(1000 * 2 ** (failures - policy.slowdownAfter), policy.lockoutMs);
  return { failures, windowStartedAt, lockedUntil: waitMs > 0 ? new Date(now.getTime() + waitMs) : null };
}
