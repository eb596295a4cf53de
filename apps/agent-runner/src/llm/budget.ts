import type { TokenUsage } from './llm-client.js';

export interface BudgetLimits {
  /** Tokens (input + output, as the provider counted them) one investigation may spend. */
  maxTokens: number;
  /** Wall-clock time one investigation may take, in ms. */
  maxDurationMs: number;
}

export type BudgetVerdict = { ok: true } | { ok: false; reason: 'tokens' | 'time'; message: string };

/**
 * One investigation's token budget and wall-clock limit. The loop records each answer's usage and
 * asks `check()` before the next call; `signal` aborts a call still running when the time is up.
 */
export class Budget {
  private spent = 0;
  private readonly started: number;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  private readonly aborted: AbortSignal;

  /** `stop` (a shutdown) ends the investigation's calls too. */
  constructor(
    readonly limits: BudgetLimits,
    private readonly now: () => number = Date.now,
    stop?: AbortSignal,
  ) {
    for (const key of ['maxTokens', 'maxDurationMs'] as const)
      if (!Number.isInteger(limits[key]) || limits[key] <= 0)
        throw new Error(`budget ${key}: must be a positive integer, got ${limits[key]}`);
    this.started = now();
    this.timer = setTimeout(
      () => this.controller.abort(new Error(`the investigation ran past ${limits.maxDurationMs} ms`)),
      limits.maxDurationMs,
    );
    // The limit must never keep a stopping process alive.
    this.timer.unref();
    this.aborted = stop ? AbortSignal.any([this.controller.signal, stop]) : this.controller.signal;
  }

  /** Aborts when the wall-clock limit passes (or `stop` fires). */
  get signal(): AbortSignal {
    return this.aborted;
  }

  get tokensUsed(): number {
    return this.spent;
  }

  get tokensLeft(): number {
    return Math.max(0, this.limits.maxTokens - this.spent);
  }

  get elapsedMs(): number {
    return this.now() - this.started;
  }

  get timeLeftMs(): number {
    return Math.max(0, this.limits.maxDurationMs - this.elapsedMs);
  }

  /** Adds one answer's usage; an answer without usage adds nothing (it is never guessed). */
  record(usage: TokenUsage | null): void {
    if (usage) this.spent += usage.totalTokens;
  }

  check(): BudgetVerdict {
    if (this.spent >= this.limits.maxTokens)
      return {
        ok: false,
        reason: 'tokens',
        message: `token budget spent: ${this.spent} of ${this.limits.maxTokens}`,
      };
    if (this.elapsedMs >= this.limits.maxDurationMs)
      return {
        ok: false,
        reason: 'time',
        message: `wall-clock limit reached: ${this.elapsedMs} of ${this.limits.maxDurationMs} ms`,
      };
    return { ok: true };
  }

  /** Stops the timer once the investigation is over. */
  dispose(): void {
    clearTimeout(this.timer);
  }
}
