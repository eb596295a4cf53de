export interface WaitForOptions {
  /** What is awaited, for the failure message. */
  what: string;
  /** Default 15 s. */
  timeoutMs?: number;
  /** Pause between checks; default 20 ms. */
  intervalMs?: number;
}

type Settled<T> = Exclude<T, undefined | null | false>;

/**
 * Checks `predicate` until it gives something other than undefined, null or false, and resolves with
 * that; rejects with "timed out after N ms waiting for <what>" otherwise. A predicate that throws
 * fails at once.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { what, timeoutMs = 15_000, intervalMs = 20 }: WaitForOptions,
): Promise<Settled<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value !== undefined && value !== null && value !== false) return value as Settled<T>;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
