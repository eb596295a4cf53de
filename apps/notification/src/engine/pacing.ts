import type { Clock } from '@vigil/runtime';

/** Slack accepts about one message a second per channel. */
export const SLACK_PACE_MS = 1_000;
/** Alerts listed one by one in a roll-up; the rest are counted. */
export const ROLLUP_LISTED = 20;

/**
 * When each channel may take its next message: at most one per `intervalMs`, and none while the
 * provider asked to wait (Retry-After). In memory: after a restart a channel may get one message
 * early, which the provider's own limit answers with a wait.
 */
export class ChannelPacer {
  private readonly freeAt = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly maxChannels = 100_000,
  ) {}

  /** How long the channel must wait before its next message: 0 when it may take one now. */
  waitMs(channel: string): number {
    return Math.max(0, (this.freeAt.get(channel) ?? 0) - this.clock());
  }

  /** A message went to the channel now: the next one waits `intervalMs`. */
  sent(channel: string, intervalMs: number): void {
    this.hold(channel, this.clock() + intervalMs);
  }

  /** The provider asked to wait `ms` before the next message. */
  pause(channel: string, ms: number): void {
    this.hold(channel, this.clock() + ms);
  }

  private hold(channel: string, until: number): void {
    this.freeAt.delete(channel);
    this.freeAt.set(channel, Math.max(until, this.freeAt.get(channel) ?? 0));
    // Forget the channels quiet the longest (insertion order) rather than grow without bound.
    if (this.freeAt.size > this.maxChannels) {
      const now = this.clock();
      for (const [key, at] of this.freeAt) {
        if (this.freeAt.size <= this.maxChannels) break;
        if (at <= now) this.freeAt.delete(key);
      }
    }
  }
}

/** Messages waiting for one paced channel beyond which they are rolled up rather than sent one a turn. */
export const ROLLUP_AFTER = 3;

/**
 * What goes to a paced channel at its turn: the first waiting message, the others waiting for the next
 * turns, while only a few wait; past ROLLUP_AFTER, all of them as one roll-up listing the first
 * ROLLUP_LISTED and counting the others. Nothing is dropped: every waiting message is sent or carried.
 */
export function messageFor<T>(
  waiting: readonly T[],
): { single: T; later: T[] } | { rollup: T[]; listed: T[]; omitted: number } {
  if (waiting.length === 0) throw new RangeError('nothing to send');
  if (waiting.length <= ROLLUP_AFTER) return { single: waiting[0]!, later: waiting.slice(1) };
  const listed = waiting.slice(0, ROLLUP_LISTED);
  return { rollup: [...waiting], listed, omitted: waiting.length - listed.length };
}
