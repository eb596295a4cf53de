/** Tries of one delivery before it fails for good (a transient failure each time). */
export const MAX_ATTEMPTS = 8;
const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 10 * 60_000;

/**
 * The wait before retrying after failed try number `attempt` (1-based): exponential from one second,
 * capped at ten minutes, with "equal jitter" (half fixed, half random) so deliveries that failed
 * together do not retry together; never shorter than the provider asked for (Retry-After).
 */
export function retryDelayMs(attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  return Math.max(jittered, Math.ceil(retryAfterMs ?? 0));
}

/** What follows a failed try: another one at `nextAt`, or failure. */
export type AfterFailure = { retry: true; nextAt: number } | { retry: false };

export function afterFailure(
  kind: 'transient' | 'permanent',
  attempts: number,
  now: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): AfterFailure {
  if (kind === 'permanent' || attempts >= MAX_ATTEMPTS) return { retry: false };
  return { retry: true, nextAt: now + retryDelayMs(attempts, retryAfterMs, random) };
}
